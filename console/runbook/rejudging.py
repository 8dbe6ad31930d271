"""At approvals, a change freeze and the data's age are judged again, at the moment of
each approval (and each resume), not only once at the pre-checks.

A freeze that has ended, or a sync that brought fresh data, opens the ordinary approval
path again; a freeze that began after the pre-checks passed closes it (break-glass, where
the policy allows it, still moves the runbook on). A verdict that changed is saved in the
runbook and recorded as a ``runbook.precheck`` record holding the re-judged checks
(``at_step: approvals``); one that did not change writes nothing.

Judging reads the state database, which a long ``mrp sync`` may hold: an ordinary approval
waits for it a few seconds and is then refused (nothing recorded); break-glass, the
emergency path, carries on with the checks the runbook holds and records that they were
not judged again.
"""

from __future__ import annotations

from console.audit.keys_model import Signer
from console.errors import MrpError
from console.runbook.approvals import needed
from console.runbook.env import Env
from console.runbook.model import CheckResult, Runbook
from console.runbook.planning import check_inputs
from console.runbook.prechecks import check_details, only_break_glass, same_verdict, timely_checks
from console.runbook.service import commit, step
from console.runbook.standing import break_glass_command

READ_WAIT_SECONDS = 3.0
"""How long an approval waits for a state database another process holds."""


def foreseen(env: Env, runbook: Runbook, glass: bool = False) -> Runbook:
    """``runbook`` as the next approval will find it: its freeze and freshness checks judged
    now (nothing saved or recorded), for what a signer reads before typing the phrase. For
    break-glass (``glass``), the runbook as it is when they cannot be judged."""
    try:
        judged = _judged(env, runbook)
    except MrpError as error:
        if glass:
            return runbook
        raise _unjudged_approval(runbook, error) from None
    if judged is None:
        return runbook
    return runbook.model_copy(update={"prechecks": _replaced(runbook.prechecks, judged)})


def rejudge(env: Env, runbook: Runbook, signer: Signer) -> Runbook:
    """``runbook`` (held at approvals by the caller's step) with its freeze and freshness
    checks judged now, for an ordinary approval; recorded when a verdict changed. MrpError,
    worded around the approval, when they cannot be judged."""
    try:
        judged = _judged(env, runbook)
    except MrpError as error:
        raise _unjudged_approval(runbook, error) from None
    return _recorded(env, runbook, signer, judged)


def rejudge_for_glass(env: Env, runbook: Runbook, signer: Signer) -> tuple[Runbook, str | None]:
    """``rejudge`` for break-glass: the runbook, and why its checks could not be judged now
    (None when they were); it carries on with the checks it holds then."""
    try:
        judged = _judged(env, runbook)
    except MrpError as error:
        return runbook, error.message
    return _recorded(env, runbook, signer, judged), None


def recheck(env: Env, runbook_id: str, signer: Signer) -> Runbook:
    """``rejudge`` as a step of its own (``mrp runbook resume``, ``mrp rollback``); the
    runbook unchanged once it no longer waits for approvals (another signer's approval or
    break-glass moved it on since the caller read it)."""
    with step(env, runbook_id, signer) as runbook:
        if runbook.state != "approvals" or needed(runbook) == 0:
            return runbook
        return _recorded(env, runbook, signer, _judged(env, runbook))


def _recorded(
    env: Env, runbook: Runbook, signer: Signer, judged: tuple[CheckResult, ...] | None
) -> Runbook:
    if judged is None:
        return runbook
    results = _replaced(runbook.prechecks, judged)
    updated = runbook.model_copy(update={"prechecks": results, "updated_at": env.stamp()})
    return commit(
        env,
        updated,
        f"precheck:{len(runbook.audit)}",
        "runbook.precheck",
        signer,
        {
            "passed": True,
            "only_break_glass": only_break_glass(results, runbook.rollback),
            "at_step": "approvals",
            "to_version": runbook.to_version,
            "checks": check_details(judged),
        },
    )


def _judged(env: Env, runbook: Runbook) -> tuple[CheckResult, ...] | None:
    """The freeze and freshness checks judged now; None when they say what ``runbook``
    holds (or it has no target). MrpError when the state database cannot be read."""
    if runbook.to_version is None:
        return None
    facts = env.facts(runbook.model, wait=READ_WAIT_SECONDS)
    given = check_inputs(
        env, facts, runbook.rollback, runbook.to_version, runbook.from_version, runbook.dry_run
    )
    judged = timely_checks(given)
    held = {r.name: r for r in runbook.prechecks}
    if all(same_verdict(held.get(r.name), r) for r in judged):
        return None
    return judged


def _unjudged_approval(runbook: Runbook, error: MrpError) -> MrpError:
    """The refusal of an ordinary approval whose freeze and freshness checks could not be
    judged now."""
    way = (
        f"Approve again once it can be read, or break-glass now: `{break_glass_command(runbook)}`."
        if runbook.rollback.approvals.break_glass
        else "Approve again once it can be read."
    )
    return MrpError(
        f"the approval of runbook {runbook.id} was not recorded: each approval judges a change "
        "freeze and the data's age again, and the state database cannot be read now "
        f"({error.message.rstrip('.')}). {way}"
    )


def _replaced(
    results: tuple[CheckResult, ...], judged: tuple[CheckResult, ...]
) -> tuple[CheckResult, ...]:
    fresh = {r.name: r for r in judged}
    kept = tuple(fresh.pop(r.name, r) for r in results)
    return (*kept, *fresh.values())
