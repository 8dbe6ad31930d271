"""Under History's one-line records: the highlighted record's fields and its whole detail,
which the table cuts short (a narrow one also leaves out from, by and version)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from console.tui.format import local_time, times_in, wrap_cells
from console.tui.history_data import HistoryRow

DETAIL_LINES = 3
"""The detail wraps onto this many lines at most (enter shows the whole record)."""


def record_head(row: HistoryRow) -> str:
    """The record's time, whole, and what a narrow table leaves out."""
    parts = [local_time(row.at), row.origin]
    if row.actor:
        parts.append(f"by {row.actor}")
    if row.version:
        parts.append(f"version {row.version}")
    return " · ".join(parts)


class RecordDetail(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row: HistoryRow | None = None

    def show(self, row: HistoryRow | None) -> None:
        self.row = row
        self.display = row is not None
        if row is None:
            return
        width = self.content_region.width or self.app.size.width
        lines = wrap_cells(times_in(row.detail), width, DETAIL_LINES)
        self.update(Text("\n").join([Text(record_head(row), style="bold"), *map(Text, lines)]))

    def on_resize(self) -> None:
        self.show(self.row)
