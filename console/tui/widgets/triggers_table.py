"""One model's triggers: state, since, current value, threshold, progress into ``for``.
Why a trigger has no data is a sentence: the screen shows it for the highlighted row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from console.fleet import STATE_RANK, TriggerView
from console.tui.format import age, number, progress, state_label, state_role
from console.tui.widgets.keyed_table import KeyedTable, RowSpec, cell

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("state", "STATE", 9),
    ("trigger", "TRIGGER", None),
    ("metric", "METRIC / EVENT", None),
    ("value", "VALUE", None),
    ("threshold", "LIMIT", None),
    ("baseline", "BASE", None),
    ("since", "SINCE", None),
    ("for", "HELD", None),
    ("severity", "SEVERITY", None),
    ("action", "ACTION", None),
)


def trigger_spec(view: TriggerView, now: datetime) -> RowSpec:
    since = "-" if view.since is None else f"{age(now - view.since)} ago"
    if view.since is not None and not view.since_exact:
        since = "≥" + since
    if view.state == "pending":
        held = progress(view.held_for, view.for_)
    elif view.state == "firing":
        held = progress(view.for_, view.for_)
    else:
        held = "-"
    threshold = number(view.threshold)
    if view.op and view.threshold is not None:
        threshold = f"{view.op} {threshold}"
    return (
        cell(state_label(view.state), state_role(view.state), view.state == "firing"),
        cell(view.trigger),
        cell(view.metric or view.kind or "-"),
        cell(number(view.value)),
        cell(threshold),
        cell(number(view.baseline)),
        cell(since),
        cell(held),
        cell(view.severity or "-"),
        cell(view.action or "-"),
    )


class TriggersTable(KeyedTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(key_column="trigger", id=id)
        self.set_columns(COLUMNS)
        self.reasons: dict[str, str] = {}

    @property
    def reason(self) -> str | None:
        """Why the highlighted trigger has no data (or counts it as ok or firing)."""
        key = self.cursor_key
        return None if key is None else self.reasons.get(key)

    def show_triggers(self, views: Iterable[TriggerView], now: datetime) -> None:
        ordered = sorted(views, key=lambda v: (-STATE_RANK.get(v.state, 0), v.trigger))
        self.reasons = {v.trigger: v.reason for v in ordered if v.reason}
        self.show_rows([(v.trigger, trigger_spec(v, now)) for v in ordered])
