"""Step 4: signed confirmations. The signer (one whose key this machine holds) types the
phrase ``MODEL@TARGET``; a wrong phrase is refused here and nothing is written. With the
policy's leave, break-glass replaces the count with one signer's written reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from console.clock import format_duration
from console.runbook.approvals import approvers, needed
from console.runbook.model import Runbook
from console.runbook.standing import blocked, blockers
from console.tui.context import mrp_app
from console.tui.format import times_in
from console.tui.screens.runbook_results import Signed
from console.tui.screens.runbook_step import Frame, StepScreen


class ApproveStep(StepScreen):
    heading = "4/7 · Approvals: signed confirmations"
    step = "approvals"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+b", "break_glass", "Break-glass", show=True),
    ]

    def __init__(
        self,
        frame: Frame,
        runbook: Runbook,
        signers: Sequence[str],
        preferred: str | None,
        error: str | None = None,
    ) -> None:
        super().__init__(frame, error)
        self.runbook = runbook
        self.signers = list(signers)
        self.preferred = preferred if preferred in self.signers else None
        self.glass = False
        allowed = runbook.rollback.approvals.break_glass
        glass = " · ctrl+b: break-glass" if allowed else ""
        self.hint = (
            f"type the phrase, enter: sign as the chosen signer{glass} · esc: abort or leave"
        )
        self.ordinary_hint = self.hint
        self.glass_hint = (
            f"BREAK-GLASS: the chosen signer's signature alone replaces the "
            f"{runbook.rollback.approvals.required} approvals · type why, then the phrase · "
            "enter: sign · ctrl+b: back to an ordinary approval"
        )

    def body(self) -> Iterable[Widget]:
        rb = self.runbook
        rule = rb.rollback.approvals
        done = ", ".join(f"{a.signer} ({a.role})" for a in rb.approvals) or "none yet"
        now = mrp_app(self).clock.now()
        stopped = blocked(rb, now=now)
        if stopped is not None:
            yield Static(times_in(f"Blocked: {stopped}. Approved by: {done}."))
        else:
            yield Static(
                f"{needed(rb)} more of {rule.required} needed, from {approvers(rule.roles)}; "
                "one signer counts once. "
                f"Approved by: {done}."
            )
            yield Static(completing_words(rb), id="completing")
        frozen = blockers(rb, now)
        if frozen:
            yield Static(f"{frozen[0].detail}", classes="step-error")
        if self.signers:
            options = [(name, name) for name in self.signers]
            yield Select(
                options,
                value=self.preferred or self.signers[0],
                allow_blank=False,
                id="signer",
            )
        else:
            yield Static(
                "This machine holds no trusted key that has not approved yet: another signer "
                f"approves from their terminal with `mrp runbook approve {rb.id}`."
            )
        yield Input(placeholder=f"type {rb.phrase} to confirm", id="phrase")
        yield Input(placeholder="break-glass reason (why approvals cannot wait)", id="glass")

    def mounted(self) -> None:
        self.query_one("#glass", Input).display = False
        self.query_one("#phrase", Input).focus()

    def action_break_glass(self) -> None:
        if not self.runbook.rollback.approvals.break_glass:
            self.show_error("The policy does not allow break-glass for this model.")
            return
        self.glass = not self.glass
        self.query_one("#glass", Input).display = self.glass
        self.reveal(self.query_one("#glass" if self.glass else "#phrase", Input))
        hint = self.glass_hint if self.glass else self.ordinary_hint
        self.query_one("#step-hint", Static).update(hint)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        phrase = self.query_one("#phrase", Input).value.strip()
        if phrase != self.runbook.phrase:
            shown = f"'{phrase}'" if phrase else "nothing"
            self.show_error(
                f"The phrase does not match: you typed {shown}; type {self.runbook.phrase} "
                "exactly. Nothing was written."
            )
            self.query_one("#phrase", Input).focus()
            return
        if not self.signers:
            self.show_error("No signer here can approve; ask another signer.")
            return
        reason = self.query_one("#glass", Input).value.strip() if self.glass else None
        if self.glass and not reason:
            self.query_one("#glass", Input).focus()
            self.show_error("Break-glass needs a written reason.")
            return
        signer = str(self.query_one("#signer", Select).value)
        self.dismiss(Signed(signer=signer, phrase=phrase, break_glass_reason=reason))


def completing_words(runbook: Runbook) -> str:
    """What the approval that completes the count leads to, as ``mrp runbook approve`` says
    it of its own (which executes at once; here enter on the execute step does)."""
    if runbook.dry_run:
        return (
            "The approval that completes the count leads to execute: enter there rehearses the "
            "move (nothing is moved), then the verify step rehearses the verify window on the "
            "metrics recorded, and enter closes the dry run."
        )
    window = format_duration(runbook.rollback.verify.window)
    return (
        "The approval that completes the count leads to execute: enter there moves "
        f"{runbook.alias} to version {runbook.to_version}, then the wizard watches the triggers "
        f"for the {window} verify window (esc there leaves the runbook open at verify, "
        "resumable)."
    )
