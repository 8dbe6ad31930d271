"""Audit records, deployments and events as one time-ordered table (model and history)."""

from __future__ import annotations

from collections.abc import Sequence

from console.tui.format import short_time
from console.tui.history_data import HistoryRow
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
DETAIL_WIDTH = 90


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def row_key(index: int) -> str:
    return f"{index + 1}"


def record_spec(index: int, row: HistoryRow, with_model: bool) -> RowSpec:
    rollback = row.action == "rollback"
    cells = (
        cell(row_key(index)),
        cell(short_time(row.at)),
        cell(row.origin),
        cell(row.model or "-"),
        cell("↩ rollback" if rollback else row.action, None, rollback),
        cell(row.actor or "-"),
        cell(row.version or "-"),
        cell(_clip(row.detail, DETAIL_WIDTH)),
    )
    return cells if with_model else cells[:3] + cells[4:]


class RecordsTable(KeyedTable):
    def __init__(self, *, with_model: bool = True, id: str | None = None) -> None:
        super().__init__(key_column="key", id=id)
        self.with_model = with_model
        columns = COLUMNS if with_model else tuple(c for c in COLUMNS if c[0] != "model")
        self.set_columns(columns)

    def show_records(self, rows: Sequence[HistoryRow]) -> None:
        self.show_rows(
            [(row_key(i), record_spec(i, row, self.with_model)) for i, row in enumerate(rows)]
        )
