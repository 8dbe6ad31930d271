"""The home screen: every model, worst first, live."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Static

from console.fleet import FleetSnapshot
from console.tui.context import mrp_app
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.fleet_grid import FleetGrid
from console.tui.widgets.fleet_table import COLUMNS, DROP_FIRST, fleet_rows, matches
from console.tui.widgets.key_footer import KeyFooter
from console.tui.widgets.status_bar import StatusBar


class FleetScreen(Screen[None]):
    AUTO_FOCUS = "#fleet-table"
    """Not the first focusable widget, the filter: it takes the focus as the screen composes,
    before the stylesheet hides it, and keys typed while the console starts went into it."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="fleet-screen")
        self._pending: FleetSnapshot | None = None
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield DrillBanner(id="drill")
        yield Static("Fleet · loading…", id="fleet-summary", classes="screen-title")
        yield Input(
            placeholder="filter: name, team, tier or state (firing, pending, no data)",
            id="fleet-filter",
        )
        yield FleetGrid(COLUMNS, drop_first=DROP_FIRST, id="fleet-table")
        yield StatusBar(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        app = mrp_app(self)
        app.snapshot_signal.subscribe(self, self._on_snapshot)
        app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        self.table.focus()
        if app.snapshot is not None:
            self.show_snapshot(app.snapshot)

    @property
    def table(self) -> FleetGrid:
        return self.query_one(FleetGrid)

    def _on_snapshot(self, snapshot: FleetSnapshot) -> None:
        if self.app.screen is self:
            self.show_snapshot(snapshot)
        else:
            self._pending = snapshot  # repaint when the screen is back in front

    def on_screen_resume(self) -> None:
        if self._pending is not None:
            snapshot, self._pending = self._pending, None
            self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot: FleetSnapshot) -> None:
        rows = mrp_app(self).fleet_rows
        if len(rows) != len(snapshot.entries):  # not built for this snapshot
            rows = fleet_rows(snapshot)
        if self.query_text:
            rows = tuple(
                row
                for entry, row in zip(snapshot.entries, rows, strict=True)
                if matches(entry, self.query_text)
            )
        self.table.show_rows(rows)
        shown = len(rows)
        self._summarise(snapshot, shown)

    def _summarise(self, snapshot: FleetSnapshot, shown: int) -> None:
        counts = {state: 0 for state in ("firing", "pending", "no_data")}
        for entry in snapshot.entries:
            if entry.worst_state in counts:
                counts[entry.worst_state] += 1
        total = len(snapshot.entries)
        filtered = f" · showing {shown} matching “{self.query_text}”" if self.query_text else ""
        self.query_one("#fleet-summary", Static).update(
            f"Fleet · {total} models · ✖ {counts['firing']} firing · ◐ {counts['pending']} "
            f"pending · ∅ {counts['no_data']} no data{filtered}"
        )

    def _restyle(self) -> None:
        self.table.forget_styles()
        snapshot = mrp_app(self).snapshot
        if snapshot is not None:
            self.show_snapshot(snapshot)

    # -- filter -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#fleet-filter", Input)
        field.add_class("shown")
        field.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#fleet-filter", Input)
        field.value = ""
        field.remove_class("shown")
        self.table.focus()

    @on(Input.Changed, "#fleet-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        if self.query_text:
            event.input.add_class("shown")  # a filter in force is never out of sight
        snapshot = mrp_app(self).snapshot
        if snapshot is not None:
            self.show_snapshot(snapshot)

    @on(Input.Submitted, "#fleet-filter")
    def _filter_done(self) -> None:
        """Enter opens the highlighted (first matching) model; with none matching the focus
        stays in the filter, to change it; on an empty filter it goes back to the table."""
        if not self.query_text:
            self.query_one("#fleet-filter", Input).remove_class("shown")
            self.table.focus()
            return
        model = self.selected_model()
        if model is None:
            return
        self.table.focus()  # back from the model, the table has the keys, the filter kept
        mrp_app(self).open_model(model)

    # -- open ---------------------------------------------------------------------------------

    @on(FleetGrid.RowSelected)
    def _open(self, event: FleetGrid.RowSelected) -> None:
        mrp_app(self).open_model(event.key)

    def selected_model(self) -> str | None:
        return self.table.cursor_key

    def palette_commands(self) -> Iterator[SystemCommand]:
        yield SystemCommand("Open model", "Open the selected model (enter)", self._open_selected)
        yield SystemCommand(
            "Filter fleet", "Filter by name, team, tier or state (/)", self.action_filter
        )
        yield SystemCommand(
            "Clear filter", "Show every model again (esc)", self.action_clear_filter
        )

    def _open_selected(self) -> None:
        model = self.selected_model()
        if model is not None:
            mrp_app(self).open_model(model)
