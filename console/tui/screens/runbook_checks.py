"""Step 3: the pre-checks, each result as it was recorded. A failure that break-glass
cannot override sends the runbook back to choosing a target."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from console.runbook.model import Runbook
from console.runbook.prechecks import blocking
from console.tui.format import times_in
from console.tui.screens.runbook_results import Back, Proceed
from console.tui.screens.runbook_step import Frame, StepScreen


class ChecksStep(StepScreen):
    heading = "3/7 · Pre-checks"
    step = "prechecks"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "go", "Continue", priority=True)]

    def __init__(self, frame: Frame, runbook: Runbook, error: str | None = None) -> None:
        super().__init__(frame, error)
        self.runbook = runbook
        self.failed = runbook.state == "target"
        if self.failed:
            self.hint = "enter: choose another target · esc: abort or leave"
        elif blocking(runbook.prechecks):
            self.hint = (
                "enter: go to approvals (only break-glass can approve now) · esc: abort or leave"
            )
        else:
            self.hint = "enter: ask for approvals · esc: abort or leave the runbook"

    def body(self) -> Iterable[Widget]:
        table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        table.add_column("result", no_wrap=True, width=6)
        table.add_column("check", no_wrap=True)
        table.add_column("detail", ratio=1)
        for r in self.runbook.prechecks:
            mark = Text("ok", style="bold") if r.ok else Text("FAIL", style="bold reverse")
            table.add_row(mark, r.name, times_in(r.detail))
        yield Static(table, id="checks")

    def action_go(self) -> None:
        self.dismiss(Back() if self.failed else Proceed())
