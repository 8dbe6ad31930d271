"""The approvals step: signed confirmations, or break-glass where the policy allows it.

Each approval is one signer's record, signed with their own key in a role the policy
accepts, after they typed the phrase ``MODEL@TARGET``; the runbook moves to execute once
the policy's count of distinct signers is reached (``console.runbook.approvals``). Both
judge a change freeze and the data's age again first (``console.runbook.rejudging``): an
ordinary approval waits while either fails; break-glass proceeds past them, and past a state
database it cannot read then (its record says the checks were not judged again).
"""

from __future__ import annotations

from console.audit.keys_model import Signer
from console.errors import MrpError
from console.runbook.approvals import (
    approval_role,
    check_break_glass,
    check_can_approve,
    check_phrase,
    needed,
)
from console.runbook.env import Env
from console.runbook.model import Approval, BreakGlass, Runbook
from console.runbook.prechecks import blocking
from console.runbook.rejudging import rejudge, rejudge_for_glass
from console.runbook.service import commit, moved, step
from console.runbook.standing import refusal_sentence


def approve(
    env: Env, runbook_id: str, signer: Signer, phrase: str | None, role: str | None = None
) -> Runbook:
    """Record ``signer``'s signed confirmation; the runbook moves to execute once enough."""
    with step(env, runbook_id, signer, "approvals") as runbook:
        check_can_approve(runbook, signer)
        check_phrase(runbook, phrase)
        chosen = approval_role(runbook, signer, role)
        runbook = rejudge(env, runbook, signer)
        stopped = blocking(runbook.prechecks)
        if stopped:
            raise MrpError(refusal_sentence(runbook, stopped))
        acting = signer.with_role(chosen)
        now = env.stamp()
        approval = Approval(signer=acting.name, key_id=acting.key_id, role=chosen, at=now)
        updated = runbook.model_copy(
            update={"approvals": (*runbook.approvals, approval), "updated_at": now}
        )
        if needed(updated) == 0:
            updated = moved(updated, "execute", acting, updated_at=now)
        return commit(
            env,
            updated,
            f"approve:{acting.name}",
            "runbook.approve",
            acting,
            {
                "phrase": runbook.phrase,
                "approval": len(updated.approvals),
                "required": runbook.rollback.approvals.required,
                "satisfied": needed(updated) == 0,
                "break_glass": False,
            },
        )


def refuse_if_blocked(env: Env, runbook_id: str, signer: Signer) -> Runbook:
    """Before a signer is asked for the phrase: the refusal ``approve`` would give for a
    change freeze or stale data, judged now (a changed verdict recorded, as ``approve``
    records it); the runbook when an ordinary approval may follow."""
    with step(env, runbook_id, signer, "approvals") as runbook:
        runbook = rejudge(env, runbook, signer)
        stopped = blocking(runbook.prechecks)
        if stopped:
            raise MrpError(refusal_sentence(runbook, stopped))
        return runbook


def break_glass(
    env: Env,
    runbook_id: str,
    signer: Signer,
    phrase: str | None,
    reason: str | None,
    role: str | None = None,
) -> Runbook:
    """One signer overrides the approval count (and a change freeze) with a written reason."""
    with step(env, runbook_id, signer, "approvals") as runbook:
        text = check_break_glass(runbook, reason)
        check_phrase(runbook, phrase)
        chosen = approval_role(runbook, signer, role)
        runbook, unjudged = rejudge_for_glass(env, runbook, signer)
        acting = signer.with_role(chosen)
        now = env.stamp()
        glass = BreakGlass(
            signer=acting.name, key_id=acting.key_id, role=chosen, reason=text, at=now
        )
        overridden = [r.name for r in blocking(runbook.prechecks)]
        updated = moved(runbook, "execute", acting, break_glass=glass, updated_at=now)
        return commit(
            env,
            updated,
            f"break_glass:{acting.name}",
            "runbook.break_glass",
            acting,
            {
                "phrase": runbook.phrase,
                "break_glass": True,
                "reason": text,
                "overridden_checks": overridden,
                "approvals_before": [a.signer for a in runbook.approvals],
                "rejudged": unjudged is None,
                **({} if unjudged is None else {"not_rejudged_because": unjudged}),
            },
        )
