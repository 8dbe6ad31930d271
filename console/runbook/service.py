"""The machinery every step shares, and the first steps: open, choose target, pre-checks.
The others live beside it: ``approving`` (approve, break glass), ``execute``, ``verifying``
and ``ending`` (close, abort).

Each step takes the runbook's lock, loads the file, first finishes any record a killed
process left pending, checks that the runbook is at the step, decides, and commits the
decision (``console.runbook.trail.commit``): the file is saved before the record is written
and the record before the runbook moves on. Before any of that, the audit log must be able
to take the step's record (``AuditLog.check``): a log that was deleted or cut short stops
the step before it decides or acts on anything (the executor is never called unrecorded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from console.audit.keys_model import Signer
from console.errors import MrpError
from console.runbook import trail
from console.runbook.crash import crashpoint
from console.runbook.env import Env
from console.runbook.evidence import evidence_details
from console.runbook.model import (
    Runbook,
    Step,
    Transition,
    new_id,
)
from console.runbook.planning import Plan, check_inputs
from console.runbook.prechecks import blocking, check_details, only_break_glass, run_checks
from console.runbook.target import choose


def moved(runbook: Runbook, to: Step, signer: Signer, **update: Any) -> Runbook:
    """``runbook`` at step ``to`` with ``update`` applied and the transition in its history."""
    return runbook.model_copy(
        update={
            **update,
            "state": to,
            "history": (
                *runbook.history,
                Transition(at=update.get("updated_at", runbook.updated_at), to=to, by=signer.name),
            ),
        }
    )


@contextmanager
def step(env: Env, runbook_id: str, signer: Signer, *states: str) -> Iterator[Runbook]:
    """Hold the runbook's lock; yield it once any pending record is written and it is at one
    of ``states`` (refused first if the audit log could not take the step's record, see
    ``settle``)."""
    with env.store.locked(runbook_id):
        runbook = settle(env, env.store.load(runbook_id), signer)
        if states and runbook.state not in states:
            raise MrpError(
                f"runbook {runbook.id} is at step '{runbook.state}', not "
                f"{' or '.join(repr(s) for s in states)}."
            )
        yield runbook


def settle(env: Env, runbook: Runbook, signer: Signer) -> Runbook:
    """Write the record a killed process left pending, or undo an approval only its own
    signer can sign (it was never recorded, so it never happened).

    First of all, ``RecordsMissing`` if the audit log was deleted or cut short: no step
    decides or acts on anything it could not record, and a pending record is not judged
    unwritten by a log that lost it."""
    env.log.check()
    record = runbook.pending
    if record is None:
        return runbook
    found = trail.find_record(env.log.path, runbook.id, record.key, runbook.audit_floor)
    if found is None and record.signer != signer.name and trail.rule_needs_role(record.action):
        undone = runbook.model_copy(
            update={
                "pending": None,
                "state": "approvals",
                "approvals": tuple(a for a in runbook.approvals if a.signer != record.signer),
                "break_glass": None
                if record.action == "runbook.break_glass"
                else runbook.break_glass,
                "updated_at": env.stamp(),
            }
        )
        env.store.save(undone)
        return undone
    return trail.flush(env.store, env.log, env.clock, runbook, signer)


def commit(
    env: Env, runbook: Runbook, key: str, action: str, signer: Signer, details: dict[str, Any]
) -> Runbook:
    record = trail.pending(runbook, key, action, signer, details)
    return trail.commit(env.store, env.log, env.clock, runbook, record, signer)


# -- open ---------------------------------------------------------------------------------------


def open_runbook(env: Env, found: Plan, reason: str, requester: Signer, dry_run: bool) -> Runbook:
    """Create the runbook for ``found.model``, recording the reason and the evidence.
    Raises ``AlreadyOpen`` (with the runbook) when one is in flight: join that one. A real
    rollback first aborts a dry run in flight for the model, recorded as superseded by it
    (``supersedes`` names that one)."""
    text = reason.strip()
    if not text:
        raise MrpError("a rollback needs a reason: say what is wrong (--reason TEXT).")
    if not dry_run and found.executor.executor is None:
        raise MrpError(
            f"nothing can carry out a rollback of {found.model}: {found.executor.why}; "
            "rehearse it with --dry-run."
        )
    now = env.stamp()
    runbook_id = new_id(now)
    rehearsal = None if dry_run else _supersede_rehearsal(env, found.model, requester, runbook_id)
    runbook = Runbook(
        id=runbook_id,
        model=found.model,
        alias=found.facts.alias,
        state="target",
        created_at=now,
        updated_at=now,
        requester=requester.name,
        reason=text,
        dry_run=dry_run,
        rollback=found.rollback,
        policy=found.policy,
        policy_digest=env.policies.digest,
        from_version=found.facts.serving_version,
        evidence=found.evidence,
        audit_floor=env.log.head()[0],
        supersedes=rehearsal,
        history=(
            Transition(at=now, to="open", by=requester.name),
            Transition(at=now, to="target", by=requester.name),
        ),
    )
    record = trail.pending(
        runbook,
        "open",
        "runbook.open",
        requester,
        {
            "reason": text,
            "requester": requester.name,
            "policy": found.policy,
            "mechanism": found.rollback.mechanism,
            "executor": found.executor.why,
            **({"supersedes": rehearsal} if rehearsal is not None else {}),
            **evidence_details(found.evidence),
        },
    )
    env.log.check()  # no runbook is opened that could not record its opening
    created = env.store.create(runbook.model_copy(update={"pending": record}))
    crashpoint("open.saved")
    return trail.flush(env.store, env.log, env.clock, created, requester)


def _supersede_rehearsal(env: Env, model: str, requester: Signer, real: str) -> str | None:
    """Abort the dry run in flight for ``model``, if any, for the real rollback ``real``;
    its id. A real rollback in flight stays (creating ``real`` refuses: join that one)."""
    from console.runbook.ending import supersede  # ending builds on this module

    rehearsal = env.store.open_for(model)
    if rehearsal is None or not rehearsal.dry_run:
        return None
    return rehearsal.id if supersede(env, rehearsal.id, requester, real) is not None else None


# -- target -------------------------------------------------------------------------------------


def choose_target(env: Env, runbook_id: str, signer: Signer, version: str | None = None) -> Runbook:
    with step(env, runbook_id, signer, "target") as runbook:
        facts = env.facts(runbook.model)
        choice = choose(facts, runbook.rollback.target, version)
        if not choice.chosen:
            raise MrpError(
                f"no version of {runbook.model} is eligible under the policy's "
                f"'{runbook.rollback.target}' rule; name one with --to VERSION."
            )
        now = env.stamp()
        updated = moved(
            runbook, "prechecks", signer, to_version=choice.chosen, target=choice, updated_at=now
        )
        return commit(
            env,
            updated,
            f"target:{len(runbook.audit)}",
            "runbook.target",
            signer,
            {
                "rule": choice.rule,
                "suggested": choice.suggested,
                "chosen_by": signer.name,
                "candidates": [
                    {"version": c.version, "status": c.status, "eligible": c.eligible, "why": c.why}
                    for c in choice.candidates
                ],
            },
        )


# -- pre-checks ---------------------------------------------------------------------------------


def run_prechecks(env: Env, runbook_id: str, signer: Signer) -> Runbook:
    """Judge the target; a failure that break-glass cannot override sends the runbook back
    to the target step (choose another, or abort)."""
    with step(env, runbook_id, signer, "prechecks") as runbook:
        assert runbook.to_version is not None
        facts = env.facts(runbook.model)
        live = (
            None if runbook.dry_run else env.pick_executor(runbook.rollback.mechanism, facts.source)
        )
        given = check_inputs(
            env,
            facts,
            runbook.rollback,
            runbook.to_version,
            runbook.from_version,
            runbook.dry_run,
            live,
        )
        results = run_checks(given)
        hard = blocking(results, break_glass=True)
        now = env.stamp()
        to: Step = "target" if hard else "approvals"
        updated = moved(runbook, to, signer, prechecks=results, updated_at=now)
        if hard:
            updated = updated.model_copy(update={"to_version": None})
        return commit(
            env,
            updated,
            f"precheck:{len(runbook.audit)}",
            "runbook.precheck",
            signer,
            {
                "passed": not hard,
                "only_break_glass": only_break_glass(results, runbook.rollback),
                "to_version": runbook.to_version,
                "checks": check_details(results),
            },
        )
