"""Step 1: open the runbook. The evidence is on screen; the engineer writes why.

The reason keeps the focus: tab turns the dry run on or off (as the hint says) and the
typing goes on in the reason, never to the app's keys.

Esc here cancels with nothing written: the runbook exists only once a reason is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from console.runbook.approvals import approvers
from console.runbook.model import Runbook
from console.runbook.planning import Plan
from console.text import plural
from console.tui.screens.runbook_results import Join, Opened
from console.tui.screens.runbook_step import Frame, StepScreen


class DryRunBox(Checkbox, can_focus=False):
    """Tab (or a click) ticks it; the focus stays in the reason. Locked on, it is dimmed as
    a disabled checkbox is (Textual dims only those that can take the focus)."""

    DEFAULT_CSS = "DryRunBox:disabled { opacity: 0.7; }"


class OpenStep(StepScreen):
    heading = "1/7 · Open a rollback runbook"
    step = "open"
    hint = "enter: open the runbook · tab: dry run on/off · esc: cancel (nothing is written)"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "Cancel"),
        Binding("ctrl+r", "join", "Join the dry run", priority=True, show=False),
        Binding("tab,shift+tab", "toggle_dry_run", "Dry run on/off", priority=True, show=False),
    ]

    def __init__(
        self,
        frame: Frame,
        plan: Plan,
        dry_run: bool,
        error: str | None = None,
        reason: str = "",
        rehearsal: Runbook | None = None,
    ) -> None:
        """``reason``: what was typed before a refusal, kept so it need not be typed again.
        ``rehearsal``: a dry run in flight for the model, which this real rollback would
        supersede (or ctrl+r joins it)."""
        super().__init__(frame, error)
        self.plan = plan
        self.reason = reason
        self.rehearsal = rehearsal
        if rehearsal is not None:
            self.hint = "enter: open the real rollback · ctrl+r: join the dry run · esc: cancel"
        self.dry_run = dry_run or plan.dry_run_only
        if plan.dry_run_only:  # the checkbox is locked on: do not offer to toggle it
            self.hint = "enter: open the runbook (a dry run) · esc: cancel (nothing is written)"

    def body(self) -> Iterable[Widget]:
        plan = self.plan
        rollback = plan.rollback
        approvals = plural(rollback.approvals.required, "signed approval")
        yield Static(
            f"policy {plan.policy}: {rollback.mechanism}; "
            f"{approvals} from {approvers(rollback.approvals.roles)}; "
            f"target {rollback.target}; executor: {plan.executor.why}"
        )
        if plan.dry_run_only:
            yield Static("dry run only: nothing here can move the alias, so nothing will be sent.")
        rb = self.rehearsal
        if rb is not None:
            yield Static(
                f"Dry run {rb.id}, opened by {rb.requester}, is in flight (step '{rb.state}'): "
                "opening the real rollback aborts it, recorded as superseded by this one. "
                "ctrl+r joins the dry run instead.",
                id="rehearsal",
            )
        yield DryRunBox(
            "dry run (everything but the executor call, recorded as a dry run)",
            self.dry_run,
            disabled=plan.dry_run_only,
            id="dry-run",
        )
        yield Input(self.reason, placeholder="reason: what is wrong (required)", id="reason")

    def mounted(self) -> None:
        self.query_one("#reason", Input).focus()

    def shows_dry_run(self) -> bool:
        return self.dry_run

    @on(Checkbox.Changed, "#dry-run")
    def _dry_run_changed(self, event: Checkbox.Changed) -> None:
        self.dry_run = event.value or self.plan.dry_run_only
        self.show_title()

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.show_error("A rollback needs a reason: say what is wrong.")
            return
        dry = self.query_one("#dry-run", Checkbox).value or self.plan.dry_run_only
        self.dismiss(Opened(reason=reason, dry_run=dry))

    def action_escape(self) -> None:
        self.dismiss(None)

    def action_toggle_dry_run(self) -> None:
        box = self.query_one("#dry-run", Checkbox)
        if not box.disabled:
            box.toggle()

    def action_join(self) -> None:
        if self.rehearsal is not None:
            self.dismiss(Join())
