"""The execute step: make the target serve through the executor (move the alias, or shift
all of the traffic to it), exactly once.

An attempt is saved as an ``intent`` (with the idempotency key ``<runbook id>:execute``)
before anything is sent. Whatever happens next, the executor's read-back decides:

- the alias already points at the target after an earlier attempt: that move happened (a
  killed process made it, or a failure was reported after it took): done, nothing sent
  again; without an earlier attempt, someone else moved it: refuse;
- it points at the version the runbook set out to replace: send the move (idempotent per
  key), then read it back: a move that did not take is a failure, never a success;
- it points anywhere else: someone moved it meanwhile; refuse.

A failure (the registry down, a refusal) is recorded and leaves the runbook at ``execute``
to be resumed; it is never reported as done. A dry run does everything but the call.
"""

from __future__ import annotations

from typing import Any

from console.audit.keys_model import Signer
from console.errors import MrpError
from console.runbook.crash import crashpoint
from console.runbook.env import Env
from console.runbook.executors import Executor, Moved
from console.runbook.model import Attempt, Execution, Runbook
from console.runbook.present import move_words, serving_words
from console.runbook.service import commit, moved, step
from console.runbook.verify import start_watch


class ExecuteFailed(MrpError):
    """The executor step did not happen; the runbook stays at execute, resumable."""


def execute(env: Env, runbook_id: str, signer: Signer) -> Runbook:
    with step(env, runbook_id, signer, "execute") as runbook:
        facts = env.facts(runbook.model)
        choice = env.pick_executor(runbook.rollback.mechanism, facts.source)
        executor = None if runbook.dry_run else choice.executor
        if not runbook.dry_run and executor is None:
            raise MrpError(f"nothing can carry out this rollback: {choice.why}.")
        execution = runbook.execution or Execution(
            mechanism=runbook.rollback.mechanism,
            executor=None if executor is None else executor.source,
            idempotency_key=f"{runbook.id}:execute",
        )
        last = execution.last
        # An earlier attempt may have made the move (killed after the call, or a failure
        # reported after the registry had done it): then an alias at the target is ours.
        tried_before = bool(execution.attempts)
        if last is None or last.status != "intent":
            now = env.stamp()
            last = Attempt(n=len(execution.attempts) + 1, intent_at=now, by=signer.name)
            execution = execution.model_copy(update={"attempts": (*execution.attempts, last)})
            runbook = runbook.model_copy(update={"execution": execution, "updated_at": now})
            env.store.save(runbook)
        crashpoint("execute.intent")
        try:
            if executor is None:
                outcome = _dry_run(runbook, facts.serving_version, choice.why)
            else:
                outcome = _move(runbook, executor, signer, tried_before)
        except MrpError as error:
            _record_failure(env, runbook, execution, last, signer, error)
            raise ExecuteFailed(
                f"{error.message.rstrip('.')}. Runbook {runbook.id} stays at execute, its move "
                f"not counted as done: fix the cause and run `mrp runbook resume {runbook.id}`.",
                error.exit_code,
            ) from None
        crashpoint("execute.called")
        return _record_done(env, runbook, execution, last, signer, outcome)


def _dry_run(runbook: Runbook, serving: str | None, why: str) -> tuple[Moved, bool]:
    what, verb = serving_words(runbook)
    if serving != runbook.from_version:
        raise MrpError(
            f"{what} now {verb} {serving or 'no version'}, not {runbook.from_version}: someone "
            "moved it meanwhile; abort this runbook"
        )
    detail = f"dry run: would {move_words(runbook)}; nothing was sent ({why})."
    return Moved(str(runbook.to_version), runbook.from_version, False, detail), False


def _move(
    runbook: Runbook, executor: Executor, signer: Signer, tried_before: bool
) -> tuple[Moved, bool]:
    target = str(runbook.to_version)
    what, verb = serving_words(runbook)
    before = executor.current(runbook.model, runbook.alias)
    if before == target and not tried_before:
        raise MrpError(
            f"{what} already {verb} version {target} in source '{executor.source}', though "
            "this runbook has not moved it: someone moved it meanwhile; abort this runbook "
            "(the rollback it asked for is in place)"
        )
    if before == target:
        detail = (
            f"{what} already {verb} version {target} (read back from source "
            f"'{executor.source}'); nothing was sent again."
        )
        return Moved(target, runbook.from_version, True, detail), False
    if before != runbook.from_version:
        raise MrpError(
            f"{what} now {verb} {before or 'no version'} in source '{executor.source}', not "
            f"{runbook.from_version}: someone moved it meanwhile; abort this runbook and open "
            "a new one if a rollback is still needed"
        )
    assert runbook.execution is not None
    result = executor.move(
        runbook.model,
        runbook.alias,
        target,
        runbook.execution.idempotency_key,
        signer.name,
        runbook.reason,
    )
    after = executor.current(runbook.model, runbook.alias)
    if after != target:
        raise MrpError(
            f"source '{executor.source}' reported the move, but {what} reads back as "
            f"{after or 'no version'}, not {target}"
        )
    return result, not result.already_done


def _record_failure(
    env: Env,
    runbook: Runbook,
    execution: Execution,
    attempt: Attempt,
    signer: Signer,
    error: MrpError,
) -> None:
    now = env.stamp()
    failed = attempt.model_copy(
        update={"status": "failed", "finished_at": now, "error": error.message}
    )
    attempts = (*execution.attempts[:-1], failed)
    updated = runbook.model_copy(
        update={"execution": execution.model_copy(update={"attempts": attempts}), "updated_at": now}
    )
    commit(
        env,
        updated,
        f"execute#{attempt.n}",
        "runbook.execute",
        signer,
        {
            **_execution_details(runbook, execution, failed),
            "outcome": "failed",
            "error": error.message,
        },
    )


def _record_done(
    env: Env,
    runbook: Runbook,
    execution: Execution,
    attempt: Attempt,
    signer: Signer,
    outcome: tuple[Moved, bool],
) -> Runbook:
    result, called = outcome
    now = env.stamp()
    done = attempt.model_copy(
        update={
            "status": "done",
            "finished_at": now,
            "called": called,
            "already_done": result.already_done,
            "detail": result.detail,
            "reference": result.reference,
        }
    )
    finished = execution.model_copy(update={"attempts": (*execution.attempts[:-1], done)})
    updated = moved(
        runbook,
        "verify",
        signer,
        execution=finished,
        verification=None if runbook.dry_run else start_watch(runbook, env.now()),
        updated_at=now,
    )
    return commit(
        env,
        updated,
        f"execute#{attempt.n}",
        "runbook.execute",
        signer,
        {**_execution_details(runbook, finished, done), "outcome": "done"},
    )


def _execution_details(runbook: Runbook, execution: Execution, attempt: Attempt) -> dict[str, Any]:
    return {
        "mechanism": execution.mechanism,
        "executor": execution.executor,
        "idempotency_key": execution.idempotency_key,
        "attempt": attempt.n,
        "called": attempt.called,
        "already_done": attempt.already_done,
        "detail": attempt.detail,
        "reference": attempt.reference,
        "alias": runbook.alias,
        "reason": runbook.reason,
        "break_glass": runbook.break_glass is not None,
    }
