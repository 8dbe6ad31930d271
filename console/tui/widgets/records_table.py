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


def short_time(moment: datetime) -> str:
    """Month, day and time, local (``11-14 19:00``): as wide as the stacked time, on one
    line; the year and the zone are said where the whole record is."""
    return moment.astimezone().strftime("%m-%d %H:%M")


def row_key(index: int) -> str:
    return f"{index + 1}"


def record_spec(index: int, row: HistoryRow, with_model: bool, one_line: bool = False) -> RowSpec:
    rollback = row.action == "rollback"
    cells = (
        cell(row_key(index)),
        cell(short_time(row.at) if one_line else stacked_time(row.at)),
        cell(row.origin),
        cell(row.model or "-"),
        cell("↩ rollback" if rollback else row.action, None, rollback),
        cell(row.actor or "-"),
        cell(row.version or "-"),
        cell(times_in(row.detail)),
    )
    return cells if with_model else cells[:3] + cells[4:]


class RecordsTable(KeyedTable):
    """``one_line``: a record a line (the time on one line, the detail cut short), for a
    screen that shows the highlighted record's whole detail beside the table (History);
    otherwise the time is stacked and the detail wraps onto up to ``DETAIL_LINES``."""

    def __init__(
        self, *, with_model: bool = True, one_line: bool = False, id: str | None = None
    ) -> None:
        super().__init__(key_column="key", id=id)
        self.with_model = with_model
        self.one_line = one_line
        self.rows_shown: tuple[HistoryRow, ...] = ()
        columns = COLUMNS if with_model else tuple(c for c in COLUMNS if c[0] != "model")
        self.set_columns(
            columns,
            flex="detail",
            flex_lines=1 if one_line else DETAIL_LINES,
            drop_first=DROP_FIRST,
            flex_min=DETAIL_MIN,
        )

    def show_records(self, rows: Sequence[HistoryRow]) -> None:
        self.rows_shown = tuple(rows)
        self.show_rows(
            [
                (row_key(i), record_spec(i, row, self.with_model, self.one_line))
                for i, row in enumerate(rows)
            ]
        )

    @property
    def highlighted(self) -> HistoryRow | None:
        """The record under the cursor."""
        key = self.cursor_key
        return self._record(key) if key is not None else None

    def _record(self, key: str) -> HistoryRow | None:
        if key.isdigit() and 0 < int(key) <= len(self.rows_shown):
            return self.rows_shown[int(key) - 1]
        return None

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        """Enter: the whole record, in a window over the table."""
        event.stop()
        key = event.row_key.value
        row = self._record(key) if key is not None else None
        if row is not None:
            self.app.push_screen(RecordScreen(row))
