"""The fleet table: one row per model, worst first, updated in place by model name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from console.fleet import FleetEntry
from console.tui.format import WORD, age, role_style, sparkline, state_text
from console.tui.widgets.keyed_table import Cell, KeyedTable

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


def matches(entry: FleetEntry, query: str) -> bool:
    """Every word of ``query`` appears in the model's name, team, tier or state."""
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
        )
    ).lower()
    return all(word in haystack for word in words)


def trigger_names(symbol: str, names: tuple[str, ...], width: int = TRIGGERS_WIDTH) -> str:
    """``✖ a, b`` if it fits, else as many names as fit and ``+N`` for the rest."""
    for shown in range(len(names), 0, -1):
        rest = len(names) - shown
        text = f"{symbol} " + ", ".join(names[:shown]) + (f" +{rest}" if rest else "")
        if len(text) <= width:
            return text
    text = f"{symbol} {names[0]}"
    suffix = f" +{len(names) - 1}" if len(names) > 1 else ""
    return text[: width - len(suffix) - 1] + "…" + suffix


def row_cells(entry: FleetEntry, now: datetime, variables: Mapping[str, str]) -> list[Cell]:
    """The cells of one model's row, styled from the theme's role variables."""
    data_age = entry.data_age(now)
    stale = data_age is None or data_age > STALE_AFTER
    if entry.firing:
        triggers = Text(
            trigger_names("✖", entry.firing),
            style=role_style(variables, "trigger-firing"),
        )
    elif entry.pending:
        triggers = Text(
            trigger_names("◐", entry.pending),
            style=role_style(variables, "trigger-pending"),
        )
    else:
        triggers = Text("")
    since = "-" if entry.since is None else age(now - entry.since)
    trend_role = {"firing": "trigger-firing", "pending": "trigger-pending"}.get(
        entry.worst_state or "", "chart-series"
    )
    return [
        state_text(entry.worst_state, variables),
        entry.name,
        entry.team or "-",
        entry.risk_tier or "-",
        f"v{entry.version or '?'}"
        + (f" ← v{entry.previous_version}" if entry.previous_version else ""),
        since,
        triggers,
        Text(age(data_age), style=role_style(variables, "trigger-no-data") if stale else ""),
        Text(sparkline(entry.spark, TREND_WIDTH), style=role_style(variables, trend_role)),
    ]


class FleetTable(KeyedTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open model"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(key_column="model", id=id)
        self.set_columns(COLUMNS)

    def show_entries(
        self,
        entries: Iterable[FleetEntry],
        now: datetime,
        query: str,
        variables: Mapping[str, str],
    ) -> int:
        """Show the entries matching ``query``; returns how many are shown."""
        rows = [(e.name, row_cells(e, now, variables)) for e in entries if matches(e, query)]
        self.show_rows(rows)
        return len(rows)
