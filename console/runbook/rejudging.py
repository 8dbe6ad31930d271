"""At approvals, a change freeze and the data's age are judged again, at the moment of
each approval (and each resume), not only once at the pre-checks.

A freeze that has ended, or a sync that brought fresh data, opens the ordinary approval
path again; a freeze that began after the pre-checks passed closes it (break-glass, where
the policy allows it, still moves the runbook on). A verdict that changed is saved in the
runbook and recorded as a ``runbook.precheck`` record holding the re-judged checks
(``at_step: approvals``); one that did not change writes nothing.
"""

from __future__ import annotations

from console.audit.keys_model import Signer
from console.runbook.env import Env
from console.runbook.model import CheckResult, Runbook
from console.runbook.prechecks import CheckInput, blocking, same_verdict, timely_checks
from console.runbook.service import commit, step


def foreseen(env: Env, runbook: Runbook) -> Runbook:
    """``runbook`` as the next approval will find it: its freeze and freshness checks judged
    now (nothing saved or recorded), for what a signer reads before typing the phrase."""
    judged = _judged(env, runbook)
    if judged is None:
        return runbook
    return runbook.model_copy(update={"prechecks": _replaced(runbook.prechecks, judged)})


def rejudge(env: Env, runbook: Runbook, signer: Signer) -> Runbook:
    """``runbook`` (held at approvals by the caller's step) with its freeze and freshness
    checks judged now; recorded when a verdict changed."""
    judged = _judged(env, runbook)
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
            "only_break_glass": bool(blocking(results)),
            "at_step": "approvals",
            "checks": [
                {"name": r.name, "ok": r.ok, "detail": r.detail, "overridable": r.overridable}
                for r in judged
            ],
        },
    )


def _judged(env: Env, runbook: Runbook) -> tuple[CheckResult, ...] | None:
    """The freeze and freshness checks judged now; None when they say what ``runbook``
    holds (or it has no target)."""
    if runbook.to_version is None:
        return None
    facts = env.facts(runbook.model)
    given = CheckInput(
        facts=facts,
        target=runbook.to_version,
        from_version=runbook.from_version,
        rollback=runbook.rollback,
        now=env.now(),
        staleness=env.staleness(facts),
    )
    judged = timely_checks(given)
    held = {r.name: r for r in runbook.prechecks}
    if all(same_verdict(held.get(r.name), r) for r in judged):
        return None
    return judged


def recheck(env: Env, runbook_id: str, signer: Signer) -> Runbook:
    """``rejudge`` as a step of its own (``mrp runbook resume``, ``mrp rollback``)."""
    with step(env, runbook_id, signer, "approvals") as runbook:
        return rejudge(env, runbook, signer)


def _replaced(
    results: tuple[CheckResult, ...], judged: tuple[CheckResult, ...]
) -> tuple[CheckResult, ...]:
    fresh = {r.name: r for r in judged}
    kept = tuple(fresh.pop(r.name, r) for r in results)
    return (*kept, *fresh.values())
