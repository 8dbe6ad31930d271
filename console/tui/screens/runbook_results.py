"""What each runbook step screen answers (the ``ModalScreen`` result types).

A step screen only collects a person's decision; it writes nothing. The wizard's driver
(``runbook_wizard``) turns the answer into a call on the runbook machine in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Opened:
    reason: str
    dry_run: bool


@dataclass(frozen=True)
class Join:
    """Join the runbook already in flight (a dry run) rather than open the real rollback."""


@dataclass(frozen=True)
class Chosen:
    version: str


@dataclass(frozen=True)
class Proceed:
    """Go on with the step's primary action (pre-checks passed, execute, close)."""

    notes: str | None = None


@dataclass(frozen=True)
class Signed:
    signer: str
    phrase: str
    break_glass_reason: str | None = None


@dataclass(frozen=True)
class Back:
    """Return to an earlier decision (after a failed pre-check: choose another target)."""


@dataclass(frozen=True)
class AbortChoice:
    action: str
    """``abort`` (signed), ``leave`` (keep it open, resumable) or ``back``."""
    reason: str | None = None


@dataclass(frozen=True)
class Escape:
    """Esc: abort the runbook or leave it open. ``choice`` is what the person answered in
    the dialog shown over the step; without one, the driver asks."""

    choice: AbortChoice | None = None


@dataclass(frozen=True)
class ToHistory:
    """Close the wizard, then open History (``h`` on the last step: the app's ``h`` does
    nothing while the wizard is up)."""


StepAnswer = Opened | Join | Chosen | Proceed | Signed | Back | Escape | ToHistory
