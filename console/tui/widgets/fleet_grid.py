"""The fleet table as a Line API widget: a thousand rows, repainted a screenful at a time.

Rows arrive as plain data (``RowSpec``, built in the live worker). ``show_rows`` keeps the
cursor on its model and the scroll offset; only rows whose data changed lose their cached
rendering, and only the visible lines are ever rendered. (A DataTable re-renders every
visible cell after any update and measures every cell of new rows with Rich: several times
the UI-thread time per refresh with a large fleet.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.tui.format import role_style
from console.tui.widgets.keyed_table import RowSpec, columns_that_fit

Column = tuple[str, str, int | None]
"""(key, label, fixed width or None to fit the content)."""
PADDING = 1


class FleetGrid(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open model"),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fleet-grid--header",
        "fleet-grid--cursor",
        "fleet-grid--even-row",
        "fleet-grid--odd-row",
    }
    DEFAULT_CSS = """
    FleetGrid {
        background: $surface;
        color: $foreground;
        & > .fleet-grid--header { background: $panel; color: $foreground; text-style: bold; }
        & > .fleet-grid--cursor { background: $block-cursor-blurred-background; }
        &:focus > .fleet-grid--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .fleet-grid--even-row { background: $surface-lighten-1 50%; }
        &:dark > .fleet-grid--even-row { background: $surface-darken-1 40%; }
    }
    """

    class RowSelected(Message):
        """Enter on a row."""

        def __init__(self, grid: FleetGrid, key: str) -> None:
            super().__init__()
            self.grid = grid
            self.key = key

        @property
        def control(self) -> FleetGrid:
            return self.grid

    def __init__(
        self, columns: Sequence[Column], *, drop_first: Sequence[str] = (), id: str | None = None
    ) -> None:
        """``drop_first``: the columns to leave out, in this order, while the table is wider
        than the widget (so the states and triggers stay in view on a narrow terminal)."""
        super().__init__(id=id)
        self.columns = tuple(columns)
        self.column_keys = [key for key, _label, _width in columns]
        self.widths = [width or cell_len(label) for _key, label, width in columns]
        self._fixed = [width is not None for _key, _label, width in columns]
        self._drop_first = [self.column_keys.index(key) for key in drop_first]
        self.shown_columns = list(range(len(self.columns)))
        self._rows: list[tuple[str, RowSpec]] = []
        self._index: dict[str, int] = {}
        self._strips: dict[tuple[str, int], Strip] = {}
        self.cursor_row = 0
        self.cursor_moved = False
        """Until the user moves the cursor it stays on the first (worst) row; after that it
        stays on its model, wherever the model moves."""

    # -- data ---------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def shown_keys(self) -> list[str]:
        return [key for key, _ in self._rows]

    @property
    def cursor_key(self) -> str | None:
        if not self._rows:
            return None
        return self._rows[min(self.cursor_row, len(self._rows) - 1)][0]

    def cell_text(self, key: str, column: str) -> str:
        return self._rows[self._index[key]][1][self.column_keys.index(column)][0]

    def show_rows(self, rows: Sequence[tuple[str, RowSpec]]) -> None:
        """Show exactly ``rows`` (key, cells) in this order; the cursor stays on its key."""
        selected = self.cursor_key
        old = dict(self._rows)
        widths_grew = False
        for key, spec in rows:
            if old.get(key) != spec:
                self._forget(key)
                widths_grew = self._widen(spec) or widths_grew
        if widths_grew:
            self._strips.clear()
            self._fit_columns()
        self._rows = list(rows)
        self._index = {key: i for i, (key, _) in enumerate(self._rows)}
        for key in set(old).difference(self._index):
            self._forget(key)
        if not self.cursor_moved:
            self.cursor_row = 0
        elif selected in self._index:
            self.cursor_row = self._index[selected]
        else:
            self.cursor_row = max(0, min(self.cursor_row, len(self._rows) - 1))
        self.virtual_size = Size(self._total_width(), len(self._rows) + 1)
        self.refresh()

    def forget_styles(self) -> None:
        """Drop every cached line (after a theme change)."""
        self._strips.clear()
        self.refresh()

    def _forget(self, key: str) -> None:
        for variant in range(4):
            self._strips.pop((key, variant), None)

    def _widen(self, spec: RowSpec) -> bool:
        grew = False
        for i, (text, _role, _bold) in enumerate(spec):
            if not self._fixed[i] and cell_len(text) > self.widths[i]:
                self.widths[i] = cell_len(text)
                grew = True
        return grew

    def _total_width(self) -> int:
        return sum(self.widths[i] + 2 * PADDING for i in self.shown_columns)

    def _fit_columns(self) -> None:
        """Leave out the droppable columns, in order, until the rest fit the width."""
        shown = columns_that_fit(
            range(len(self.columns)),
            lambda i: self.widths[i] + 2 * PADDING,
            self._drop_first,
            self.size.width,
        )
        if shown != self.shown_columns:
            self.shown_columns = shown
            self._strips.clear()
        self.virtual_size = Size(self._total_width(), len(self._rows) + 1)

    def on_resize(self) -> None:
        self._fit_columns()
        self.refresh()

    # -- rendering ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            strip = self._header()
        else:
            row = scroll_y + y - 1
            if row >= len(self._rows):
                return Strip.blank(width, self.rich_style)
            strip = self._line(row)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _header(self) -> Strip:
        style = self.rich_style + self.get_component_rich_style("fleet-grid--header")
        cells = [(label, None, False) for _key, label, _width in self.columns]
        return self._strip(cells, style, None)

    def _line(self, row: int) -> Strip:
        key, spec = self._rows[row]
        cursor = row == self.cursor_row
        variant = (2 if cursor else 0) + row % 2
        cached = self._strips.get((key, variant))
        if cached is not None:
            return cached
        base = self.rich_style
        if cursor:
            base += self.get_component_rich_style("fleet-grid--cursor")
        else:
            name = "fleet-grid--even-row" if row % 2 == 0 else "fleet-grid--odd-row"
            base += self.get_component_rich_style(name)
        strip = self._strip(spec, base, self.app.theme_variables, cursor)
        self._strips[(key, variant)] = strip
        return strip

    def _strip(
        self,
        cells: Sequence[tuple[str, str | None, bool]],
        base: Style,
        variables: Mapping[str, str] | None,
        cursor: bool = False,
    ) -> Strip:
        segments = []
        pad = " " * PADDING
        for index in self.shown_columns:
            (text, role, bold), width = cells[index], self.widths[index]
            style = base
            if role is not None and not cursor and variables is not None:
                style = base + role_style(variables, role, bold)
            elif bold:
                style = base + Style(bold=True)
            shown = text if cell_len(text) == width else set_cell_size(text, width)
            if cell_len(text) > width:
                shown = set_cell_size(text, width - 1) + "…"
            segments.append(Segment(pad + shown + pad, style))
        return Strip(segments)

    # -- cursor -------------------------------------------------------------------------------

    def _move_to(self, row: int) -> None:
        self.cursor_moved = True
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        if row != self.cursor_row:
            for changed in (self.cursor_row, row):
                if changed < len(self._rows):
                    self._forget(self._rows[changed][0])
            self.cursor_row = row
        body = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + body:
            self.scroll_to(y=row - body + 1, animate=False)
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_row + direction * max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self._rows) - 1)

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        row = int(self.scroll_y) + event.y - 1
        if row < len(self._rows):
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            self._move_to(row)
