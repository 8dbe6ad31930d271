"""A DataTable whose rows are replaced in place by key, so cursor and scroll survive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

Cell = str | Text


def signature(cells: Sequence[Cell]) -> tuple[str, ...]:
    """What a row looks like, cheaply comparable (text and style of every cell)."""
    return tuple(c if isinstance(c, str) else f"{c.plain}\0{c.style}\0{c.spans}" for c in cells)


class KeyedTable(DataTable[Cell]):
    """Rows keyed by a string that is also the plain value of the ``key_column``.

    ``show_rows`` adds, removes, updates (only the cells that changed) and orders rows
    without clearing the table, inside one batch update; the cursor stays on its row's key
    and the scroll offset is kept.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(
        self, *, key_column: str, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.key_column = key_column
        self._signatures: dict[str, tuple[str, ...]] = {}
        self._order: list[str] = []
        self._column_keys: list[str] = []

    def set_columns(self, columns: Sequence[tuple[str, str, int | None]]) -> None:
        """(key, label, width or None for auto) per column."""
        self._column_keys = [key for key, _label, _width in columns]
        for key, label, width in columns:
            self.add_column(label, key=key, width=width)

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else str(key)

    @property
    def shown_keys(self) -> list[str]:
        return list(self._order)

    def show_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Make the table show exactly ``rows`` (key, cells) in this order."""
        selected = self.cursor_key
        scroll_y = self.scroll_y
        wanted = [key for key, _ in rows]
        with self.app.batch_update():
            for gone in set(self._signatures).difference(wanted):
                self.remove_row(gone)
                del self._signatures[gone]
            for key, cells in rows:
                self._put(key, cells)
            if self._current_order() != wanted:
                rank = {key: index for index, key in enumerate(wanted)}
                self.sort(self.key_column, key=lambda value: rank[_plain(value)])
            self._order = wanted
            if selected is not None and selected in self._signatures:
                self.move_cursor(row=self.get_row_index(selected), animate=False, scroll=False)
            self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def _put(self, key: str, cells: Sequence[Cell]) -> None:
        sig = signature(cells)
        old = self._signatures.get(key)
        if key not in self._signatures:
            self.add_row(*cells, key=key)
        elif old != sig:
            stale = old if old is not None and len(old) == len(sig) else ("\1",) * len(sig)
            for column, value, was, now in zip(self._column_keys, cells, stale, sig, strict=True):
                if was != now:
                    self.update_cell(key, column, value)
        self._signatures[key] = sig

    def _current_order(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    def forget_styles(self) -> None:
        """Make the next ``show_rows`` rewrite every cell (after a theme change)."""
        self._signatures = {key: () for key in self._signatures}


def _plain(value: object) -> str:
    return value.plain if isinstance(value, Text) else str(value)
