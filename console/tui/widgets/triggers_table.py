"""One model's triggers: state, since, current value, threshold, progress into ``for``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from rich.text import Text

from console.fleet import STATE_RANK, TriggerView
from console.tui.format import age, number, progress, state_text
from console.tui.widgets.keyed_table import Cell, KeyedTable

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("state", "STATE", 9),
    ("trigger", "TRIGGER", None),
    ("metric", "METRIC / EVENT", None),
    ("value", "VALUE", None),
    ("threshold", "THRESHOLD", None),
    ("baseline", "BASELINE", None),
    ("since", "SINCE", None),
    ("for", "HELD / FOR", None),
    ("severity", "SEVERITY", None),
    ("action", "ACTION", None),
    ("reason", "WHY", None),
)


def trigger_cells(view: TriggerView, now: datetime, variables: Mapping[str, str]) -> list[Cell]:
    since = "-" if view.since is None else f"{age(now - view.since)} ago"
    held = (
        progress(view.held_for, view.for_)
        if view.state == "pending"
        else (progress(view.for_, view.for_) if view.state == "firing" else "-")
    )
    return [
        state_text(view.state, variables),
        view.trigger,
        view.metric or view.kind or "-",
        number(view.value),
        f"{view.op} {number(view.threshold)}"
        if view.op and view.threshold is not None
        else number(view.threshold),
        number(view.baseline),
        since,
        held,
        view.severity or "-",
        view.action or "-",
        Text(view.reason or "", overflow="ellipsis", no_wrap=True),
    ]


class TriggersTable(KeyedTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(key_column="trigger", id=id)
        self.set_columns(COLUMNS)

    def show_triggers(
        self, views: Iterable[TriggerView], now: datetime, variables: Mapping[str, str]
    ) -> None:
        ordered = sorted(views, key=lambda v: (-STATE_RANK.get(v.state, 0), v.trigger))
        self.show_rows([(v.trigger, trigger_cells(v, now, variables)) for v in ordered])
