"""One record of the history, whole: its fields in words, then (for an audit record) the
record exactly as the signed log holds it. Enter on a records table opens it."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.tui.format import local_time, times_in
from console.tui.history_data import HistoryRow


def record_fields(row: HistoryRow) -> list[tuple[str, str]]:
    """(label, value) lines: what a person reads first."""
    whole: dict[str, Any] = json.loads(row.record) if row.record else {}
    details: dict[str, Any] = whole.get("details") or {}
    actor = row.actor or "-"
    if whole.get("role"):
        actor += f" (as {whole['role']})"
    fields = [
        ("time", local_time(row.at)),
        ("from", row.origin + (f" #{whole['seq']}" if "seq" in whole else "")),
        ("action", row.action),
        ("model", row.model or "-"),
        ("by", actor),
        ("versions", row.version or "-"),
    ]
    reason = details.get("reason") or details.get("text")
    if reason:
        fields.append(("reason", str(reason)))
    if "dry_run" in details:
        fields.append(("dry run", "yes: nothing was moved" if details["dry_run"] else "no"))
    if details.get("runbook"):
        fields.append(("runbook", str(details["runbook"])))
    fields.append(("detail", times_in(row.detail)))
    return fields


class RecordScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RecordScreen { align: center middle; background: $background 60%; }
    RecordScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    RecordScreen .record-title { text-style: bold; color: $primary; }
    RecordScreen #record-fields { margin-bottom: 1; }
    RecordScreen VerticalScroll { height: auto; max-height: 20; }
    RecordScreen #record-json { color: $text-muted; }
    RecordScreen .record-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Close"),
        Binding("enter", "app.pop_screen", "Close", show=False),
    ]

    def __init__(self, row: HistoryRow) -> None:
        super().__init__(classes="record-screen")
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        grid = Table.grid(padding=(0, 2))
        grid.add_column(justify="right", no_wrap=True, style="bold")
        grid.add_column(ratio=1)
        for label, value in record_fields(row):
            grid.add_row(label, Text(value))
        with Vertical():
            yield Static(f"{row.origin} record · {row.action}", classes="record-title")
            yield Static("esc or enter: close · ↑↓: scroll the record", classes="record-hint")
            yield Static(grid, id="record-fields")
            if row.record:
                yield Static("the record as the signed log holds it:", classes="record-hint")
                with VerticalScroll(id="record-scroll"):
                    yield Static(Text(row.record), id="record-json")

    def on_mount(self) -> None:
        if self.row.record:
            self.query_one("#record-scroll").focus()
