"""Past rollbacks, deployments, events and audit records, with filters and CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from console.tui.context import mrp_app
from console.tui.history_data import History, HistoryRow, rollback_counts
from console.tui.messages import ExportDone, HistoryReady
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.key_footer import KeyFooter
from console.tui.widgets.record_detail import RecordDetail
from console.tui.widgets.records_table import RecordsTable
from console.tui.widgets.status_bar import StatusBar


def export_path(folder: Path, at: datetime) -> Path:
    return folder / f"mrp-history-{at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.csv"


class HistoryScreen(Screen[None]):
    """Esc first clears the filters, as on the fleet, then leaves: the footer names what the
    next esc does (``check_action`` hides the binding that would not run).

    A record is a line, so a small terminal shows a dozen of them; the highlighted one's
    time, source, signer, version and whole detail stand under the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filters", "Clear filter"),
        Binding("escape", "app.pop_screen", "Back"),
        Binding("slash", "filter", "Filter"),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self, export_dir: Path | None = None) -> None:
        super().__init__(id="history-screen")
        self.export_dir = export_dir or Path.cwd()
        self._history: History | None = None
        self.shown: tuple[HistoryRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield DrillBanner()
        yield Static("History · loading…", id="history-summary", classes="screen-title")
        yield Static("", id="history-problem", markup=False)
        with Horizontal(id="history-filters"):
            yield Input(placeholder="model", id="filter-model")
            yield Input(placeholder="action: rollback, deploy…", id="filter-action")
            yield Input(placeholder="any text", id="filter-text")
        yield RecordsTable(one_line=True, id="history-table")
        yield RecordDetail(id="record-detail")
        yield StatusBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(RecordsTable).focus()
        self.load()

    def load(self) -> None:
        gateway = mrp_app(self).gateway

        def fetch() -> None:
            self.post_message(HistoryReady(gateway.history()))

        self.run_worker(
            fetch,
            name="history",
            group="history",
            description="read the history",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    @on(HistoryReady)
    def _ready(self, message: HistoryReady) -> None:
        self._history = message.history
        problem = message.history.problem  # stays in view: the records shown may be incomplete
        line = self.query_one("#history-problem", Static)
        line.update(f"⚠ {problem}" if problem else "")
        line.set_class(bool(problem), "shown")
        self._apply()

    @on(Input.Changed)
    def _changed(self) -> None:
        self._apply()
        self.refresh_bindings()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.query_one(RecordsTable).focus()

    def _filters(self) -> tuple[str, str, str]:
        return (
            self.query_one("#filter-model", Input).value.strip(),
            self.query_one("#filter-action", Input).value.strip(),
            self.query_one("#filter-text", Input).value.strip(),
        )

    def _apply(self) -> None:
        if self._history is None:
            return
        model, action, text = self._filters()
        self.shown = tuple(r for r in self._history.rows if r.matches(model, action, text))
        self.query_one(RecordsTable).show_records(self.shown)
        self.query_one("#history-summary", Static).update(
            f"History · {len(self.shown)} of {len(self._history.rows)} records · "
            f"{rollback_counts(self.shown)} · e exports what is shown to CSV"
        )
        self._show_detail()

    @on(DataTable.RowHighlighted, "#history-table")
    def _show_detail(self) -> None:
        """The highlighted record, whole, under the table (a row is one line)."""
        self.query_one(RecordDetail).show(self.query_one(RecordsTable).highlighted)

    def action_filter(self) -> None:
        self.query_one("#filter-model", Input).focus()

    def _filter_fields(self) -> list[Input]:
        return list(self.query_one("#history-filters").query(Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filters":
            return any(field.value for field in self._filter_fields())
        return True

    def action_clear_filters(self) -> None:
        for field in self._filter_fields():
            field.value = ""
        self.query_one(RecordsTable).focus()

    def action_export(self) -> None:
        rows = self.shown
        path = export_path(self.export_dir, datetime.now(UTC))
        gateway = mrp_app(self).gateway

        def write() -> None:
            count = gateway.export(rows, path)
            self.post_message(ExportDone(path, count))

        self.run_worker(
            write,
            name="export",
            group="export",
            description=f"export the history to {path}",
            thread=True,
            exit_on_error=False,
        )

    @on(ExportDone)
    def _exported(self, message: ExportDone) -> None:
        self.notify(f"Exported {message.rows} records to {message.path}", timeout=10)

    def palette_commands(self) -> Iterator[SystemCommand]:
        yield SystemCommand(
            "Export history to CSV", "Write the records shown to a CSV file (e)", self.action_export
        )
        yield SystemCommand(
            "Filter history", "Filter by model, action or text (/)", self.action_filter
        )
