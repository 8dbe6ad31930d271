"""What a runbook file holds: the state, the decisions taken so far and their evidence.

One JSON document per runbook (``.mrp/runbooks/<id>.json``). Times are UTC. The models are
frozen; a step produces a new ``Runbook`` with ``model_copy(update=...)`` and the store
writes it whole.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from console.policy.model import Rollback

Step = Literal["open", "target", "prechecks", "approvals", "execute", "verify", "closed", "aborted"]
STEPS: tuple[Step, ...] = (
    "open",
    "target",
    "prechecks",
    "approvals",
    "execute",
    "verify",
    "closed",
)
FINAL: frozenset[str] = frozenset({"closed", "aborted"})
Outcome = Literal["recovered", "not_recovered", "inconclusive"]
"""What a verification found: after a real move (watch), or what a dry run's rehearsal
found over the target's own history."""
CloseOutcome = Literal["recovered", "not_recovered", "inconclusive", "dry_run_complete"]
"""How a runbook closes: a real rollback with its verification's outcome; a dry run always
as ``dry_run_complete`` (nothing was moved, so nothing recovered), its rehearsal's verdict
kept in ``verification``."""
SCHEMA = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriggerEvidence(_Frozen):
    """One trigger of the model as it stood when a snapshot was taken."""

    policy: str
    trigger: str
    state: str
    since: datetime | None = None
    value: float | None = None
    threshold: float | None = None
    severity: str | None = None
    action: str | None = None
    since_exact: bool = True
    """False: the state began at or before ``since`` (it already held at the first step the
    evaluation looked at); shown ``<=`` as ``mrp evaluate`` shows it."""


class Evidence(_Frozen):
    """Why the runbook was opened: what served, and what the triggers said, at ``at``."""

    at: datetime
    serving_version: str | None
    serving_since: datetime | None = None
    last_sample: datetime | None = None
    triggers: tuple[TriggerEvidence, ...] = ()

    @property
    def firing(self) -> tuple[TriggerEvidence, ...]:
        return tuple(t for t in self.triggers if t.state == "firing")


class Candidate(_Frozen):
    """A version the runbook could roll back to, and why it is or is not eligible."""

    version: str
    status: str | None
    created_at: datetime | None = None
    served_from: datetime | None = None
    served_until: datetime | None = None
    eligible: bool
    why: str
    metrics: dict[str, float] = Field(default_factory=dict)
    """Mean of each metric over the last hour the version served (before it was replaced)."""


class TargetChoice(_Frozen):
    rule: str
    """The policy's ``target``: ``previous_approved`` or a pinned version."""
    suggested: str | None
    chosen: str
    candidates: tuple[Candidate, ...] = ()


class CheckResult(_Frozen):
    name: str
    ok: bool
    detail: str
    overridable: bool = False
    """Break-glass may proceed past this failure (a change freeze)."""
    until: datetime | None = None
    """When this failure ends by itself: the end of the change freeze it found."""


class Approval(_Frozen):
    signer: str
    key_id: str
    role: str
    at: datetime
    break_glass: bool = False


class BreakGlass(_Frozen):
    signer: str
    key_id: str
    role: str
    reason: str
    at: datetime


AttemptStatus = Literal["intent", "done", "failed"]


class Attempt(_Frozen):
    """One try at the executor step: recorded as an intent before anything is sent."""

    n: int
    intent_at: datetime
    by: str
    status: AttemptStatus = "intent"
    finished_at: datetime | None = None
    called: bool = False
    """The executor was asked to move the alias in this attempt (False: a dry run, or the
    read-back showed the move had already happened)."""
    already_done: bool = False
    detail: str | None = None
    reference: str | None = None
    """The platform's own id for the change, when its executor gave one."""
    error: str | None = None


class Execution(_Frozen):
    mechanism: str
    executor: str | None
    """The source whose executor carries it out (None for a dry run without one)."""
    idempotency_key: str
    attempts: tuple[Attempt, ...] = ()

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def done(self) -> bool:
        return any(a.status == "done" for a in self.attempts)


class FailedSync(_Frozen):
    """A source whose sync failed at the last evaluation of a watch."""

    source: str
    error: str
    since: datetime
    """The evaluation from which every sync of it failed."""


class Verification(_Frozen):
    mode: Literal["watch", "rehearsal"]
    """``watch``: the triggers after the move; ``rehearsal`` (dry run): the triggers over the
    last window the target itself served."""
    started_at: datetime
    window: timedelta
    window_start: datetime
    window_end: datetime
    checked_at: datetime | None = None
    complete: bool = False
    outcome: Outcome | None = None
    still_firing: tuple[str, ...] = ()
    no_data: tuple[str, ...] = ()
    next_step: str | None = None
    summary: str | None = None
    evaluations: int = 0
    failed_syncs: tuple[FailedSync, ...] = ()
    """The sources whose sync failed at the last evaluation (a watch goes on through them:
    the next sync may bring what they missed)."""


class PendingRecord(_Frozen):
    """An audit record decided and saved here, not yet known to be in the audit log."""

    key: str
    action: str
    signer: str
    role: str | None = None
    details: dict[str, Any]


class Transition(_Frozen):
    at: datetime
    to: Step
    by: str


class Runbook(_Frozen):
    schema_version: int = SCHEMA
    id: str
    model: str
    alias: str
    state: Step
    created_at: datetime
    updated_at: datetime
    requester: str
    reason: str
    dry_run: bool
    rollback: Rollback
    policy: str | None
    policy_digest: str | None
    from_version: str | None
    to_version: str | None = None
    evidence: Evidence | None = None
    target: TargetChoice | None = None
    prechecks: tuple[CheckResult, ...] = ()
    approvals: tuple[Approval, ...] = ()
    break_glass: BreakGlass | None = None
    execution: Execution | None = None
    verification: Verification | None = None
    outcome: CloseOutcome | None = None
    notes: str | None = None
    abort_reason: str | None = None
    supersedes: str | None = None
    """The dry run of the model that this real rollback aborted when it opened."""
    superseded_by: str | None = None
    """The real rollback that aborted this dry run when it opened."""
    audit: dict[str, int] = Field(default_factory=dict)
    """Audit record key → seq of every record this runbook has written."""
    audit_floor: int = 0
    """The audit log's last seq before this runbook wrote anything."""
    pending: PendingRecord | None = None
    history: tuple[Transition, ...] = ()

    @property
    def final(self) -> bool:
        return self.state in FINAL

    @property
    def phrase(self) -> str | None:
        """The confirmation phrase a signer types: ``MODEL@TARGET``."""
        return None if self.to_version is None else confirmation_phrase(self.model, self.to_version)

    def step_index(self) -> int:
        return STEPS.index(self.state) if self.state in STEPS else -1

    def base_details(self) -> dict[str, Any]:
        """The keys every runbook audit record carries (read by the CSV export)."""
        return {
            "runbook": self.id,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "dry_run": self.dry_run,
        }


def confirmation_phrase(model: str, version: str) -> str:
    return f"{model}@{version}"


def new_id(now: datetime) -> str:
    """``rb-20261114-2005-3fa2``: sortable by opening time, unique by its random tail."""
    return f"rb-{now:%Y%m%d-%H%M}-{secrets.token_hex(2)}"
