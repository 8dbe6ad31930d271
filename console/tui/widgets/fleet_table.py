"""The fleet's rows as plain data, built in the live worker from a snapshot (the widget
that shows them is ``fleet_grid.FleetGrid``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from console.fleet import FleetEntry, FleetSnapshot
from console.tui.format import WORD, age, names_that_fit, sparkline, state_label, state_role
from console.tui.widgets.keyed_table import RowSpec, cell

STALE_AFTER = timedelta(minutes=5)
TRIGGERS_WIDTH = 20
TREND_WIDTH = 10
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("state", "STATE", 9),
    ("model", "MODEL", None),
    ("team", "TEAM", None),
    ("tier", "TIER", None),
    ("version", "SERVING", None),
    ("since", "SINCE", None),
    ("triggers", "FIRING / PENDING", TRIGGERS_WIDTH),
    ("age", "DATA AGE", None),
    ("trend", "TREND 2h", TREND_WIDTH),
)
DROP_FIRST = ("tier", "team", "trend", "since")
"""The columns a narrow terminal does without, first to last: at 80 columns the state,
model, versions, firing triggers and data age stay."""
FleetRows = tuple[tuple[str, RowSpec], ...]
"""(model, cells) for every entry of a snapshot, in the snapshot's order."""


def matches(entry: FleetEntry, query: str) -> bool:
    """Every word of ``query`` appears in the model's name, team, tier, state or the
    names of its firing, pending or no-data triggers."""
    words = query.lower().split()
    if not words:
        return True
    state = entry.worst_state or "none"
    haystack = " ".join(
        (
            entry.name,
            entry.team or "",
            entry.risk_tier or "",
            state,
            WORD.get(state, state).lower(),
            " ".join(entry.firing),
            " ".join(entry.pending),
            " ".join(entry.no_data),
        )
    ).lower()
    return all(word in haystack for word in words)


def trigger_names(symbol: str, names: tuple[str, ...], width: int = TRIGGERS_WIDTH) -> str:
    """``✖ a, b`` if it fits, else as many names as fit and ``+N`` for the rest (the first
    name cut short when even it does not fit)."""
    text = f"{symbol} {names_that_fit(names, width - len(symbol) - 1)}"
    if len(text) <= width:
        return text
    suffix = f" +{len(names) - 1}" if len(names) > 1 else ""
    return f"{symbol} {names[0]}"[: width - len(suffix) - 1] + "…" + suffix


def row_spec(entry: FleetEntry, now: datetime) -> RowSpec:
    """One model's row as plain data: text and theme role per cell."""
    data_age = entry.data_age(now)
    stale = data_age is None or data_age > STALE_AFTER
    if entry.firing:
        triggers = cell(trigger_names("✖", entry.firing), "trigger-firing")
    elif entry.pending:
        triggers = cell(trigger_names("◐", entry.pending), "trigger-pending")
    elif entry.no_data:
        triggers = cell(trigger_names("∅", entry.no_data), "trigger-no-data")
    else:
        triggers = cell("")
    serving = f"v{entry.version or '?'}"
    if entry.previous_version:
        serving += f" ← v{entry.previous_version}"
    trend_role = {"firing": "trigger-firing", "pending": "trigger-pending"}.get(
        entry.worst_state or "", "chart-series"
    )
    return (
        cell(
            state_label(entry.worst_state),
            state_role(entry.worst_state),
            entry.worst_state == "firing",
        ),
        cell(entry.name),
        cell(entry.team or "-"),
        cell(entry.risk_tier or "-"),
        cell(serving),
        cell("-" if entry.since is None else age(now - entry.since)),
        triggers,
        cell(age(data_age), "trigger-no-data" if stale else None),
        cell(sparkline(entry.spark, TREND_WIDTH), trend_role),
    )


def fleet_rows(snapshot: FleetSnapshot) -> FleetRows:
    return tuple((e.name, row_spec(e, snapshot.now)) for e in snapshot.entries)
