"""The verify step: watch (or, for a dry run, rehearse) and record the outcome.

The wait happens outside the runbook's lock, so a second engineer can read or annotate the
runbook meanwhile; the result is committed under the lock. A watch cut short by its
timeout is saved (unrecorded: it is not an outcome) and resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from console.audit.keys_model import Signer
from console.errors import MrpError
from console.runbook.env import Env
from console.runbook.evidence import Reading
from console.runbook.facts import ModelFacts
from console.runbook.model import Runbook
from console.runbook.service import commit, settle, step
from console.runbook.target import status_problem
from console.runbook.verify import Progress, Verdict, Watcher, rehearse, start_watch, watch


def further_target(facts: ModelFacts, runbook: Runbook) -> str | None:
    """An eligible version older than the target, for "roll back further"."""
    target = facts.version(str(runbook.to_version))
    older = [
        v
        for v in facts.versions
        if v.version not in {runbook.to_version, runbook.from_version}
        and status_problem(v) is None
        and (
            target is None
            or target.created_at is None
            or v.created_at is None
            or v.created_at < target.created_at
        )
    ]
    return older[-1].version if older else None


def verify(
    env: Env,
    runbook_id: str,
    signer: Signer,
    timeout: timedelta | None = None,
    progress: Progress | None = None,
    poll: float | None = None,
    watcher: Watcher | None = None,
) -> Runbook:
    """Run (or continue) the verification; the runbook with its verification. ``progress``
    gets each evaluation's readings, ``watcher`` how they stand as evidence about the
    target."""
    with env.store.locked(runbook_id):
        runbook = settle(env, env.store.load(runbook_id), signer)
    if runbook.state != "verify":
        raise MrpError(f"runbook {runbook.id} is at step '{runbook.state}', not 'verify'.")
    if runbook.verification is not None and runbook.verification.complete:
        return runbook
    facts = env.facts(runbook.model)
    further = further_target(facts, runbook)
    if runbook.dry_run:
        ends = facts.replaced_from(str(runbook.to_version))
        result = rehearse(
            runbook,
            env.now(),
            ends[-1] if ends else None,
            env.step(facts),
            _evaluator(env, facts),
            further,
        )
    else:
        plan = runbook.verification or start_watch(runbook, env.now())
        result = watch(
            runbook,
            plan,
            env.clock,
            _evaluator(env, facts),
            env.sync,
            further,
            timeout=timeout,
            poll=poll,
            progress=progress,
            sleep=env.sleep,
            watcher=watcher,
        )
    return _record(env, runbook_id, signer, result)


def _evaluator(env: Env, facts: ModelFacts) -> Callable[[datetime], list[Reading]]:
    def evaluate(at: datetime) -> list[Reading]:
        return env.readings(facts, at)

    return evaluate


def _record(env: Env, runbook_id: str, signer: Signer, verdict: Verdict) -> Runbook:
    result = verdict.verification
    judgement = verdict.judgement
    with step(env, runbook_id, signer, "verify") as runbook:
        if runbook.verification is not None and runbook.verification.complete:
            # another terminal's watch of the same window ended first and is recorded: one
            # outcome per runbook, and a watch cut short here must not overwrite it
            return runbook
        updated = runbook.model_copy(update={"verification": result, "updated_at": env.stamp()})
        if not result.complete:
            env.store.save(updated)
            return updated
        return commit(
            env,
            updated,
            "verify",
            "runbook.verify",
            signer,
            {
                "outcome": result.outcome,
                "mode": result.mode,
                "window": int(result.window.total_seconds()),
                "window_start": result.window_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "window_end": result.window_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "still_firing": list(result.still_firing),
                "no_data": list(result.no_data),
                "next_step": result.next_step,
                "summary": result.summary,
                "evaluations": result.evaluations,
                "judged_version": runbook.to_version,
                "samples_since": (
                    result.window_start.strftime("%Y-%m-%dT%H:%M:%SZ")
                    if result.mode == "watch"
                    else None
                ),
                "sampled": [] if judgement is None else list(judgement.sampled),
                "serving_seen": None if judgement is None else judgement.elsewhere,
                "failed_syncs": [
                    {
                        "source": f.source,
                        "error": f.error,
                        "since": f.since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                    for f in result.failed_syncs
                ],
            },
        )
