"""Step 5: execute. What will be sent, to which system, with which idempotency key; a dry
run says so and sends nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from console.runbook.model import Runbook
from console.runbook.present import move_words, serving_words
from console.tui.screens.runbook_results import Proceed
from console.tui.screens.runbook_step import Frame, StepScreen


class ExecuteStep(StepScreen):
    heading = "5/7 · Execute"
    step = "execute"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "go", "Execute", priority=True)]

    def __init__(
        self, frame: Frame, runbook: Runbook, executor: str, error: str | None = None
    ) -> None:
        super().__init__(frame, error)
        self.runbook = runbook
        self.executor = executor
        shift = runbook.rollback.mechanism == "traffic_shift"
        verb = "shift the traffic" if shift else "move the alias"
        if runbook.dry_run:
            verb = "rehearse (dry run: nothing is sent)"
        self.hint = f"enter: {verb} · esc: abort or leave the runbook"

    def body(self) -> Iterable[Widget]:
        rb = self.runbook
        approvers = ", ".join(f"{a.signer} ({a.role})" for a in rb.approvals)
        if rb.break_glass is not None:
            approvers = f"BREAK-GLASS by {rb.break_glass.signer}: {rb.break_glass.reason}"
        move = move_words(rb)
        serving, _verb = serving_words(rb)
        what = (
            f"Dry run: would {move}; nothing changes."
            if rb.dry_run
            else f"Enter will {move}, through {self.executor}."
        )
        yield Static(
            f"{what}\n"
            f"Approved by {approvers}. Idempotency key {rb.id}:execute; {serving} is read "
            "back before and after, so the move happens once."
        )
        last = rb.execution.last if rb.execution else None
        if last is not None and last.status == "failed":
            yield Static(f"attempt {last.n} failed: {last.error}", classes="step-error")

    def action_go(self) -> None:
        self.dismiss(Proceed())
