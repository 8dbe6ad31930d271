"""The last steps: close with the verification's outcome, or abort at any step.

Both free the model for a new runbook. Aborting after the executor moved the alias does not
undo the move; the record says so. A dry run still in flight when a real rollback of its
model opens is aborted by it (``supersede``), recorded as superseded by the real one.
"""

from __future__ import annotations

from typing import Any

from console.audit.keys_model import Signer
from console.clock import format_time
from console.errors import MrpError
from console.runbook.env import Env
from console.runbook.model import CloseOutcome, Outcome, Runbook
from console.runbook.service import commit, moved, step


def close(env: Env, runbook_id: str, signer: Signer, notes: str | None = None) -> Runbook:
    """Close with the verification's outcome (inconclusive if it never finished); a dry run
    closes as ``dry_run_complete``, with its rehearsal's verdict beside it."""
    with step(env, runbook_id, signer, "verify") as runbook:
        verification = runbook.verification
        verdict: Outcome = (
            verification.outcome
            if verification is not None and verification.complete and verification.outcome
            else "inconclusive"
        )
        outcome: CloseOutcome = "dry_run_complete" if runbook.dry_run else verdict
        rehearsal = {"rehearsal": verdict} if runbook.dry_run else {}
        now = env.stamp()
        text = (notes or "").strip() or None
        updated = moved(runbook, "closed", signer, outcome=outcome, notes=text, updated_at=now)
        closed = commit(
            env,
            updated,
            "close",
            "runbook.close",
            signer,
            {
                "outcome": outcome,
                **rehearsal,
                "notes": text,
                "reason": runbook.reason,
                "break_glass": runbook.break_glass is not None,
                "verified": verification is not None and verification.complete,
                "approvers": [a.signer for a in runbook.approvals],
            },
        )
    env.store.release(closed)
    return closed


def abort(env: Env, runbook_id: str, signer: Signer, reason: str | None = None) -> Runbook:
    """Abort at any step that is not final; an alias already moved stays where it is."""
    with step(env, runbook_id, signer) as runbook:
        if runbook.final:
            raise MrpError(f"runbook {runbook.id} is already {runbook.state}.")
        aborted = _abort(env, runbook, signer, (reason or "").strip() or "aborted by the operator")
    env.store.release(aborted)
    return aborted


def supersede(env: Env, runbook_id: str, signer: Signer, real: str) -> Runbook | None:
    """Abort the dry run ``runbook_id`` because the real rollback ``real`` of its model is
    opening: a rehearsal never stands in the way of the real thing. Signed by ``signer``
    (who opens the real one), recorded with ``superseded_by``. None when the dry run is no
    longer in flight (it closed meanwhile)."""
    with step(env, runbook_id, signer) as runbook:
        if runbook.final:
            return None
        if not runbook.dry_run:
            raise MrpError(
                f"runbook {runbook.id} is a real rollback; only a dry run is superseded."
            )
        text = f"superseded by the real rollback {real}, opened by {signer.name}"
        aborted = _abort(env, runbook, signer, text, superseded_by=real)
    env.store.release(aborted)
    return aborted


def _abort(
    env: Env, runbook: Runbook, signer: Signer, text: str, superseded_by: str | None = None
) -> Runbook:
    execution = runbook.execution
    moved_already = execution is not None and execution.done and not runbook.dry_run
    now = env.stamp()
    updated = moved(
        runbook,
        "aborted",
        signer,
        abort_reason=text,
        superseded_by=superseded_by,
        updated_at=now,
    )
    details: dict[str, Any] = {
        "reason": text,
        "at_step": runbook.state,
        "alias_moved": moved_already,
    }
    if superseded_by is not None:
        details["superseded_by"] = superseded_by
    if execution is not None and execution.last is not None:
        details["execution"] = execution.last.status
    if moved_already:
        details["note"] = (
            f"{runbook.alias} stays at version {runbook.to_version}: aborting does not undo "
            f"the move made at {format_time(execution.attempts[-1].intent_at)}."
            if execution is not None
            else None
        )
    return commit(env, updated, "abort", "runbook.abort", signer, details)
