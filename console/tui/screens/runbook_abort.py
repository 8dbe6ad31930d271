"""Esc during a runbook: leave it open to resume later (esc again, the easy way out), go
back to the step, or abort it (a signed record, only with a reason typed). Shown over the
step, which stays in view behind it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from console.tui.screens.runbook_results import AbortChoice

NEEDS_A_REASON = "An abort needs a reason: type why, or press esc to leave the runbook open."


class AbortStep(ModalScreen[AbortChoice]):
    DEFAULT_CSS = """
    AbortStep { align: center middle; }
    AbortStep > Vertical {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    AbortStep .abort-title { text-style: bold; color: $error; }
    AbortStep #abort-error { color: $error; text-style: bold; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('leave')", "Leave it open"),
        Binding("ctrl+r", "choose('back')", "Back to the step"),
    ]

    def __init__(self, runbook_id: str) -> None:
        super().__init__()
        self.runbook_id = runbook_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Leave runbook {self.runbook_id}?", classes="abort-title")
            yield Static(
                "esc: leave it open, to resume later (r on the model, or `mrp runbook resume`)\n"
                "ctrl+r: back to the step\n"
                "To ABORT it (a signed record, final), type why and press enter:"
            )
            yield Input(placeholder="abort reason (required to abort)", id="abort-reason")
            yield Static("", id="abort-error")
        yield Footer()

    def on_mount(self) -> None:
        field = self.query_one(Input)
        if self.app.is_headless:  # tests and snapshots: a steady cursor draws the same each time
            field.cursor_blink = False
        field.focus()

    @on(Input.Submitted)
    def _abort(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#abort-error", Static).update(NEEDS_A_REASON)
            return
        self.dismiss(AbortChoice("abort", reason))

    def action_choose(self, action: str) -> None:
        self.dismiss(AbortChoice(action))
