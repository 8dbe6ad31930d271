"""Audit records, deployments and events as one time-ordered table (model and history).
Enter on a row shows the whole record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual import on
from textual.widgets import DataTable

from console.tui.format import local_time, times_in
from console.tui.history_data import HistoryRow
from console.tui.screens.record import RecordScreen
from console.tui.widgets.keyed_table import KeyedTable, RowSpec, cell

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("key", "#", None),
    ("at", "WHEN", None),
    ("origin", "FROM", None),
    ("model", "MODEL", None),
    ("action", "ACTION", None),
    ("actor", "BY", None),
    ("version", "VERSION", None),
    ("detail", "DETAIL", None),
)
DROP_FIRST = ("origin", "actor", "version")
"""The columns a narrow terminal does without, first to last, so the detail keeps
``DETAIL_MIN`` columns (enter shows them all): at 80 columns History keeps the time, model,
action and detail."""
DETAIL_MIN = 20
DETAIL_LINES = 6
"""A record's detail wraps onto this many lines at most (enter shows the whole record)."""


def stacked_time(moment: datetime) -> str:
    """The date over the time: the column is half as wide, the rows are taller anyway."""
    day, _, time = local_time(moment).partition(" ")
    return f"{day}\n{time}"


def row_key(index: int) -> str:
    return f"{index + 1}"


def record_spec(index: int, row: HistoryRow, with_model: bool) -> RowSpec:
    rollback = row.action == "rollback"
    cells = (
        cell(row_key(index)),
        cell(stacked_time(row.at)),
        cell(row.origin),
        cell(row.model or "-"),
        cell("↩ rollback" if rollback else row.action, None, rollback),
        cell(row.actor or "-"),
        cell(row.version or "-"),
        cell(times_in(row.detail)),
    )
    return cells if with_model else cells[:3] + cells[4:]


class RecordsTable(KeyedTable):
    def __init__(self, *, with_model: bool = True, id: str | None = None) -> None:
        super().__init__(key_column="key", id=id)
        self.with_model = with_model
        self.rows_shown: tuple[HistoryRow, ...] = ()
        columns = COLUMNS if with_model else tuple(c for c in COLUMNS if c[0] != "model")
        self.set_columns(
            columns,
            flex="detail",
            flex_lines=DETAIL_LINES,
            drop_first=DROP_FIRST,
            flex_min=DETAIL_MIN,
        )

    def show_records(self, rows: Sequence[HistoryRow]) -> None:
        self.rows_shown = tuple(rows)
        self.show_rows(
            [(row_key(i), record_spec(i, row, self.with_model)) for i, row in enumerate(rows)]
        )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        """Enter: the whole record, in a window over the table."""
        event.stop()
        key = event.row_key.value
        if key is not None and key.isdigit() and 0 < int(key) <= len(self.rows_shown):
            self.app.push_screen(RecordScreen(self.rows_shown[int(key) - 1]))
