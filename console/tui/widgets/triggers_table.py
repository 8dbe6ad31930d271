"""One model's triggers: state, since, current value, threshold, progress into ``for``.
Why a trigger is in its state is a sentence (the condition, or why it has no data): the
screen shows it under the table for the highlighted row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from console.clock import format_duration
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
DROP_FIRST = ("metric", "baseline", "severity", "for")
"""The columns a narrow terminal does without, first to last (the line under the table says
them for the highlighted trigger): at 80 columns the state, trigger, value, limit, since
and action stay."""


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


def trigger_why(view: TriggerView) -> str | None:
    """Why ``view`` is in its state, in words: why it has no data, or its value against its
    limit (what the value is when it is not the newest sample)."""
    if view.reason:
        return view.reason
    if view.value is None or view.threshold is None or not view.op:
        return None
    what = view.metric or view.kind or "value"
    measured = f"{what} ({view.measure})" if view.measure else what
    limit = f"{view.op} {number(view.threshold)}"
    if view.baseline is not None:
        limit += f" (from the baseline {number(view.baseline)})"
    compared = f"{measured} {number(view.value)}"
    needed = view.for_ or timedelta(0)
    if view.state == "ok":
        return f"{compared} is not {limit}"
    if view.state == "pending":
        held = format_duration(view.held_for or timedelta(0))
        return f"{compared} {limit} for {held}; it fires after {format_duration(needed)}"
    if view.state == "firing":
        held = f" for {format_duration(needed)} or more" if needed else ""
        return f"{compared} {limit}{held}"
    return None


class TriggersTable(KeyedTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(key_column="trigger", id=id)
        self.set_columns(COLUMNS, drop_first=DROP_FIRST)
        self.reasons: dict[str, str] = {}
        self.views: dict[str, TriggerView] = {}

    @property
    def reason(self) -> str | None:
        """Why the highlighted trigger is in its state (``trigger_why``)."""
        key = self.cursor_key
        return None if key is None else self.reasons.get(key)

    @property
    def left_out(self) -> str:
        """The highlighted trigger's severity and action as ``critical, rollback``, those of
        them a narrow table leaves out (empty when both are shown)."""
        view = self.views.get(self.cursor_key or "")
        if view is None:
            return ""
        shown = self.visible_columns
        said = [
            value or "-"
            for column, value in (("severity", view.severity), ("action", view.action))
            if column not in shown
        ]
        return ", ".join(said)

    def show_triggers(self, views: Iterable[TriggerView], now: datetime) -> None:
        ordered = sorted(views, key=lambda v: (-STATE_RANK.get(v.state, 0), v.trigger))
        self.reasons = {v.trigger: why for v in ordered if (why := trigger_why(v))}
        self.views = {v.trigger: v for v in ordered}
        self.show_rows([(v.trigger, trigger_spec(v, now)) for v in ordered])
