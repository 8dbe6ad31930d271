"""Esc during a runbook: abort it (a signed record), leave it open to resume later, or go
back to the step."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from console.tui.screens.runbook_results import AbortChoice


class AbortStep(ModalScreen[AbortChoice]):
    DEFAULT_CSS = """
    AbortStep { align: center middle; background: $background 60%; }
    AbortStep > Vertical {
        width: 80; height: auto; border: thick $error; background: $surface; padding: 0 1;
    }
    AbortStep .abort-title { text-style: bold; color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('back')", "Back to the step"),
        Binding("ctrl+l", "choose('leave')", "Leave it open"),
    ]

    def __init__(self, runbook_id: str) -> None:
        super().__init__()
        self.runbook_id = runbook_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Leave runbook {self.runbook_id}?", classes="abort-title")
            yield Static(
                "enter: ABORT it (a signed record; the reason below) · ctrl+l: leave it open "
                "(resume with `mrp runbook resume`) · esc: back to the step"
            )
            yield Input(placeholder="abort reason", id="abort-reason")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _abort(self, event: Input.Submitted) -> None:
        self.dismiss(AbortChoice("abort", event.value.strip() or None))

    def action_choose(self, action: str) -> None:
        self.dismiss(AbortChoice(action))
