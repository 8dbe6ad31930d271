"""A DataTable whose rows are replaced in place by key, so cursor and scroll survive."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import ClassVar, Self, TypeVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from console.tui.format import role_style, wrap_cells

CellSpec = tuple[str, str | None, bool]
"""A cell as its text, the theme role variable that colours it (or None), and bold."""
RowSpec = tuple[CellSpec, ...]
MIN_FLEX = 12
"""The flex column never gets narrower than this (the table scrolls sideways instead)."""
_BOLD = Style(bold=True)


Key = TypeVar("Key")


def columns_that_fit(
    columns: Sequence[Key], width: Callable[[Key], int], drop_first: Sequence[Key], room: int
) -> list[Key]:
    """``columns`` less the ``drop_first`` ones, left out in that order while the rest need
    more than ``room`` cells (``width``: a column's, padding included); all of them while
    the room is not known yet (0)."""
    shown = list(columns)
    for key in drop_first:
        if room <= 0 or sum(width(k) for k in shown) <= room:
            break
        shown.remove(key)
    return shown


def cell(text: str, role: str | None = None, bold: bool = False) -> CellSpec:
    return (text, role, bold)


def render(spec: CellSpec, variables: Mapping[str, str]) -> Text:
    """Always ``Text``: DataTable reads a ``str`` cell as Rich markup, and data such as
    ``[high] dependency scan`` must show as written."""
    text, role, bold = spec
    style = (_BOLD if bold else "") if role is None else role_style(variables, role, bold)
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


class KeyedTable(DataTable[str | Text]):
    """Rows keyed by a string that is also the text of the ``key_column``.

    ``show_rows`` takes rows as plain data (``RowSpec``, cheap to build in a worker and to
    compare), then adds, removes, updates only the cells that changed, and orders rows,
    without clearing the table: inside one batch update and one refresh, the cursor stays
    on its row's key and the scroll offset is kept.

    Column widths are kept here from the cells' text: DataTable would otherwise measure
    every cell of every new row with Rich on the UI thread (about 0.1 ms a cell, close to a
    second for a thousand-model fleet).

    One column may be ``flex`` (a free-text detail): it takes the width the others leave
    (clipped with an ellipsis, or wrapped onto up to ``flex_lines`` lines), so the table
    fits the terminal instead of scrolling sideways. A cell's text may hold several lines;
    a row is as high as its tallest cell shown.

    On a narrow terminal the ``drop_first`` columns are left out, in that order, while the
    table would not fit (the flex column counting at ``flex_min``), as the fleet's grid
    does: what matters most stays in view rather than behind a sideways scroll. The rows
    keep every column's cell; a column comes back when the terminal grows.
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
        self._shown: dict[str, RowSpec] = {}
        self._order: list[str] = []
        self._column_keys: list[str] = []
        self._labels: dict[str, str] = {}
        self._widths: dict[str, int] = {}
        """Every column's width (its fixed one, or its widest text), shown or not."""
        self._visible: list[str] = []
        self._drop_first: tuple[str, ...] = ()
        self._fixed: set[str] = set()
        self._flex: str | None = None
        self._flex_lines = 1
        self._flex_min = MIN_FLEX
        self._flex_natural = 0
        """The widest text of the flex column, whatever width it is given."""
        self._grew = False
        self._deferring = False
        self._refresh_wanted = False

    def set_columns(
        self,
        columns: Sequence[tuple[str, str, int | None]],
        flex: str | None = None,
        flex_lines: int = 1,
        drop_first: Sequence[str] = (),
        flex_min: int = MIN_FLEX,
    ) -> None:
        """(key, label, width or None to fit the content) per column; ``flex`` names the
        column that gets the room left (at most its content's width); its text wraps onto
        at most ``flex_lines`` lines. ``drop_first``: the columns a narrow table leaves out,
        first to last, until the others fit with ``flex_min`` (at least ``MIN_FLEX``) for
        the flex column."""
        self._column_keys = [key for key, _label, _width in columns]
        self._labels = {key: label for key, label, _width in columns}
        self._widths = {key: width or cell_len(label) for key, label, width in columns}
        self._fixed = {key for key, _label, width in columns if width is not None}
        self._flex = flex
        self._flex_lines = flex_lines
        self._flex_min = max(flex_min, MIN_FLEX)
        self._drop_first = tuple(drop_first)
        self._visible = list(self._column_keys)
        if flex is not None:
            self._flex_natural = self._widths[flex]
        self._add_columns()

    def _add_columns(self) -> None:
        for key in self._visible:
            self.add_column(self._labels[key], key=key, width=self._widths[key])

    @property
    def visible_columns(self) -> list[str]:
        """The keys of the columns shown, in order (a narrow table leaves some out)."""
        return list(self._visible)

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else str(key)

    @property
    def shown_keys(self) -> list[str]:
        return list(self._order)

    def show_rows(self, rows: Sequence[tuple[str, RowSpec]]) -> None:
        """Make the table show exactly ``rows`` (key, cells) in this order."""
        variables = self.app.theme_variables
        selected = self.cursor_key
        scroll_y = self.scroll_y
        wanted = [key for key, _ in rows]
        self._grew = False
        with self.app.batch_update(), self._one_refresh():
            for gone in set(self._shown).difference(wanted):
                self.remove_row(gone)
                del self._shown[gone]
            changed = [(key, spec) for key, spec in rows if self._shown.get(key) != spec]
            for _key, spec in changed:
                self._grew = self._widen(spec) or self._grew
            if self._arrange():
                self._clear_columns()
                self._shown, changed = {}, list(rows)
                self._grew = True
            if self._fit_flex():
                self._grew = True
                self._rewrap(variables, {key for key, _spec in changed})
            for key, spec in changed:
                self._put(key, spec, variables)
            if self._grew:
                self._clear_caches()
                self._require_update_dimensions = True
            if self._order != wanted:
                rank = {key: index for index, key in enumerate(wanted)}
                self.sort(self.key_column, key=lambda value: rank[_plain(value)])
            self._order = wanted
            if selected is not None and selected in self._shown:
                self.move_cursor(row=self.get_row_index(selected), animate=False, scroll=False)
            self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def _put(self, key: str, spec: RowSpec, variables: Mapping[str, str]) -> None:
        old = self._shown.get(key)
        if old is None:
            self._add(key, spec, variables)
        else:
            stale = old if len(old) == len(spec) else (("", None, False),) * len(spec)
            for column, now, was in zip(self._column_keys, spec, stale, strict=True):
                if now != was and column in self._visible:
                    self.update_cell(key, column, self._cell_text(column, now, variables))
            self._fit_height(key, spec)
        self._shown[key] = spec

    def _add(self, key: str, spec: RowSpec, variables: Mapping[str, str]) -> None:
        """A row of the cells of the columns shown (blank for a spec not known yet)."""
        cells = dict(zip(self._column_keys, spec, strict=True)) if spec else {}
        texts = [
            self._cell_text(k, cells.get(k, ("", None, False)), variables) for k in self._visible
        ]
        self.add_row(*texts, key=key, height=self._height(spec) if spec else 1)

    def _clear_columns(self) -> None:
        """Take every row and column away and put back the columns now shown."""
        self.clear(columns=True)
        self._add_columns()

    def _lines(self, column: str, text: str) -> list[str]:
        if column == self._flex and self._flex_lines > 1:
            width = self.columns[ColumnKey(column)].width
            return wrap_cells(text, width, self._flex_lines)
        return text.split("\n")

    def _cell_text(self, column: str, spec: CellSpec, variables: Mapping[str, str]) -> Text:
        text, role, bold = spec
        return render(("\n".join(self._lines(column, text)), role, bold), variables)

    def _height(self, spec: RowSpec) -> int:
        return max(
            len(self._lines(column, text))
            for column, (text, _role, _bold) in zip(self._column_keys, spec, strict=True)
            if column in self._visible
        )

    def _fit_height(self, key: str, spec: RowSpec) -> None:
        row = self.rows[RowKey(key)]
        height = self._height(spec)
        if row.height != height:
            row.height = height
            self._grew = True

    def _rewrap(self, variables: Mapping[str, str], skip: set[str] | None = None) -> None:
        """Wrap the flex column's text again at its new width (rows shown, but ``skip``)."""
        if self._flex not in self._visible or self._flex_lines <= 1:
            return
        index = self._column_keys.index(self._flex)
        for key, spec in self._shown.items():
            if spec and key not in (skip or set()):
                self.update_cell(
                    key, self._flex, self._cell_text(self._flex, spec[index], variables)
                )
                self._fit_height(key, spec)

    def _widen(self, spec: RowSpec) -> bool:
        """Grow the columns that fit their content to ``spec``'s cells; True when one grew."""
        grew = False
        for key, (text, _role, _bold) in zip(self._column_keys, spec, strict=True):
            if key in self._fixed:
                continue
            width = max(cell_len(line) for line in text.split("\n"))
            if key == self._flex:
                self._flex_natural = max(self._flex_natural, width)
                continue
            if width > self._widths[key]:
                self._widths[key] = width
                if key in self._visible:
                    self.columns[ColumnKey(key)].width = width
                    grew = True
        return grew

    def _room(self) -> int:
        # room for a vertical scrollbar is kept whether one shows yet or not
        return min(
            self.scrollable_content_region.width,
            self.size.width - self.styles.scrollbar_size_vertical,
        )

    def _arrange(self) -> bool:
        """Leave out the ``drop_first`` columns, in order, until the others fit the room (all
        of them before the table has a size); True when the columns shown changed."""
        flex_need = max(min(self._flex_natural, self._flex_min), MIN_FLEX)
        visible = columns_that_fit(
            self._column_keys,
            lambda k: (flex_need if k == self._flex else self._widths[k]) + 2 * self.cell_padding,
            self._drop_first,
            self._room(),
        )
        if visible == self._visible:
            return False
        self._visible = visible
        return True

    def _fit_flex(self) -> bool:
        """Give the flex column the room the others leave; True when its width changed."""
        if self._flex not in self._visible:
            return False
        room = self._room()
        wanted = self._flex_natural
        if room > 0:
            others = sum(
                c.get_render_width(self) for k, c in self.columns.items() if k.value != self._flex
            )
            room -= others + 2 * self.cell_padding
            wanted = max(min(wanted, room), MIN_FLEX)
        column = self.columns[ColumnKey(self._flex)]
        if column.width == wanted:
            return False
        column.width = wanted
        return True

    def on_resize(self) -> None:
        if self._arrange():
            self._rebuild()
        elif self._fit_flex():
            with self._one_refresh():
                self._rewrap(self.app.theme_variables)
            self._clear_caches()
            self._require_update_dimensions = True

    def _rebuild(self) -> None:
        """Show the rows again under the columns now shown; the cursor stays on its row."""
        selected, scroll_y = self.cursor_key, self.scroll_y
        variables = self.app.theme_variables
        with self.app.batch_update(), self._one_refresh():
            self._clear_columns()
            self._fit_flex()
            for key in self._order:
                self._add(key, self._shown[key], variables)
            self._clear_caches()
            self._require_update_dimensions = True
            if selected is not None and selected in self._shown:
                self.move_cursor(row=self.get_row_index(selected), animate=False, scroll=False)
            self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def forget_styles(self) -> None:
        """Make the next ``show_rows`` rewrite every cell (after a theme change)."""
        self._shown = {key: () for key in self._shown}

    @contextmanager
    def _one_refresh(self) -> Iterator[None]:
        """Every ``update_cell`` refreshes the widget; for a thousand cells, refresh once."""
        self._deferring, self._refresh_wanted = True, False
        try:
            yield
        finally:
            self._deferring = False
            if self._refresh_wanted:
                self.refresh()

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if getattr(self, "_deferring", False) and not (regions or layout or recompose):
            self._refresh_wanted = True
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Every column has an explicit width (kept by ``_widen``) and rows are one line
        # high: nothing to measure, only the virtual size to recompute.
        del new_rows
        super()._update_dimensions(())


def _plain(value: object) -> str:
    return value.plain if isinstance(value, Text) else str(value)
