"""Did the rollback work? Watch the model's triggers over the policy's verify window.

``watch`` (after a real move): from the moment the move was confirmed, sync and evaluate
until the window has passed on the workspace clock (a replayed clock runs fast; a pinned
clock reads the window as recorded at once), or until a wall-clock timeout leaves the
runbook in ``verify`` to be resumed. ``rehearse`` (a dry run, where nothing moved): the same
judgement over the last window the target itself served, which says whether rolling back
to it would have ended the incident.

The outcome: ``recovered`` when every trigger that mattered is ok at the end (no trigger
that fired at the start is still firing or pending, none of them without data);
``not_recovered`` with what still fires and the next step; ``inconclusive`` when the
triggers that mattered have no data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.clock import Clock, format_duration, format_time
from console.runbook.evidence import Reading
from console.runbook.model import Outcome, Runbook, Verification

BAD = frozenset({"firing", "pending"})
REHEARSAL_POINTS = 5


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    still_firing: tuple[str, ...]
    no_data: tuple[str, ...]


def watched_triggers(runbook: Runbook, readings: Sequence[Reading]) -> set[str]:
    """The triggers that decide the outcome: those that fired or were pending when the
    runbook opened, and every trigger whose action is ``rollback``."""
    names = {
        t.trigger
        for t in (runbook.evidence.triggers if runbook.evidence else ())
        if t.state in BAD or t.action == "rollback"
    }
    return names or {r.trigger for r in readings}


def judge(runbook: Runbook, readings: Sequence[Reading]) -> Judgement:
    names = watched_triggers(runbook, readings)
    relevant = [r for r in readings if r.trigger in names]
    bad = tuple(sorted({r.trigger for r in relevant if r.state in BAD}))
    silent = tuple(sorted({r.trigger for r in relevant if r.state == "no_data"}))
    opened_bad = {
        t.trigger for t in (runbook.evidence.triggers if runbook.evidence else ()) if t.state in BAD
    }
    if bad:
        return Judgement("not_recovered", bad, silent)
    if not relevant or (opened_bad and opened_bad <= set(silent)) or len(silent) == len(relevant):
        return Judgement("inconclusive", (), silent)
    return Judgement("recovered", (), silent)


def next_step(runbook: Runbook, judgement: Judgement, further: str | None) -> str:
    if judgement.outcome == "recovered" and runbook.dry_run:
        return (
            "close the dry run (nothing was moved); a real rollback to version "
            f"{runbook.to_version} should end the incident."
        )
    if judgement.outcome == "recovered":
        return "close the runbook with the outcome; keep an eye on the model's triggers."
    if judgement.outcome == "inconclusive":
        return (
            "no data to judge by: check the metric pipeline (`mrp sync`), then verify again "
            f"with `mrp runbook resume {runbook.id}`."
        )
    fires = ", ".join(judgement.still_firing)
    hint = (
        f"roll back further (`mrp rollback {runbook.model} --to {further}`)"
        if further
        else "page the model owner; no older eligible version is left"
    )
    return f"{fires} still {'fires' if len(judgement.still_firing) == 1 else 'fire'}: {hint}."


Evaluate = Callable[[datetime], list[Reading]]
Progress = Callable[[datetime, list[Reading]], None]


def start_watch(runbook: Runbook, executed_at: datetime) -> Verification:
    window = runbook.rollback.verify.window
    return Verification(
        mode="watch",
        started_at=executed_at,
        window=window,
        window_start=executed_at,
        window_end=executed_at + window,
    )


def watch(
    runbook: Runbook,
    plan: Verification,
    clock: Clock,
    evaluate: Evaluate,
    refresh: Callable[[], None],
    further: str | None,
    timeout: timedelta | None = None,
    poll: float | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Verification:
    """Evaluate until the window has passed (or the timeout): the finished verification, or
    a partial one (``complete`` False) to be resumed."""
    every = poll if poll is not None else (1.0 if clock.is_replay else 15.0)
    deadline = None if timeout is None else time.monotonic() + timeout.total_seconds()
    count = plan.evaluations
    end = plan.window_end
    if clock.replay_until is not None and clock.is_replay:
        end = min(end, clock.replay_until)  # a replay stops where its history does
    while True:
        now = clock.now()
        at = end if clock.fixed is not None else min(now, end)
        refresh()
        readings = evaluate(at)
        count += 1
        if progress is not None:
            progress(at, readings)
        verdict = judge(runbook, readings)
        if at >= end:
            return plan.model_copy(
                update={
                    "checked_at": at,
                    "complete": True,
                    "outcome": verdict.outcome,
                    "still_firing": verdict.still_firing,
                    "no_data": verdict.no_data,
                    "next_step": next_step(runbook, verdict, further),
                    "summary": _summary(plan, verdict, at),
                    "evaluations": count,
                }
            )
        if deadline is not None and time.monotonic() + every > deadline:
            watched = at - plan.window_start
            return plan.model_copy(
                update={
                    "checked_at": at,
                    "complete": False,
                    "still_firing": verdict.still_firing,
                    "no_data": verdict.no_data,
                    "summary": (
                        f"watched {format_duration(watched)} of the {format_duration(plan.window)} "
                        f"window; resume to keep watching (`mrp runbook resume {runbook.id}`)."
                    ),
                    "evaluations": count,
                }
            )
        sleep(every)


def rehearse(
    runbook: Runbook,
    started: datetime,
    replaced_at: datetime | None,
    step: timedelta,
    evaluate: Evaluate,
    further: str | None,
) -> Verification:
    """A dry run's verification: the triggers over the last window the target served."""
    window = runbook.rollback.verify.window
    if replaced_at is None:
        verdict = Judgement("inconclusive", (), ())
        return Verification(
            mode="rehearsal",
            started_at=started,
            window=window,
            window_start=started,
            window_end=started,
            checked_at=started,
            complete=True,
            outcome="inconclusive",
            next_step=next_step(runbook, verdict, further),
            summary=(
                f"dry run: version {runbook.to_version} never served behind {runbook.alias}, so "
                "there is no history to rehearse the rollback against."
            ),
        )
    end = replaced_at - step
    start = replaced_at - window
    points = [start + (end - start) * k / (REHEARSAL_POINTS - 1) for k in range(REHEARSAL_POINTS)]
    worst: Judgement | None = None
    for at in points:
        verdict = judge(runbook, evaluate(at))
        if worst is None or _severity(verdict) > _severity(worst):
            worst = verdict
    assert worst is not None
    said = {
        "recovered": "every trigger firing now was ok then",
        "not_recovered": f"{', '.join(worst.still_firing)} fired or was pending",
        "inconclusive": "the triggers had no data",
    }[worst.outcome]
    return Verification(
        mode="rehearsal",
        started_at=started,
        window=window,
        window_start=start,
        window_end=replaced_at,
        checked_at=end,
        complete=True,
        outcome=worst.outcome,
        still_firing=worst.still_firing,
        no_data=worst.no_data,
        next_step=next_step(runbook, worst, further),
        summary=(
            f"dry run, nothing moved: over the last {format_duration(window)} version "
            f"{runbook.to_version} served ({format_time(start)} → {format_time(replaced_at)}), "
            f"{said}."
        ),
        evaluations=len(points),
    )


def _severity(verdict: Judgement) -> int:
    return {"recovered": 0, "inconclusive": 1, "not_recovered": 2}[verdict.outcome]


def _summary(plan: Verification, verdict: Judgement, at: datetime) -> str:
    span = f"{format_time(plan.window_start)} → {format_time(at)}"
    if verdict.outcome == "recovered":
        return f"recovered: every watched trigger is ok after the {format_duration(plan.window)} window ({span})."
    if verdict.outcome == "not_recovered":
        return f"not recovered: {', '.join(verdict.still_firing)} still firing or pending at {format_time(at)}."
    return f"inconclusive: no data for {', '.join(verdict.no_data) or 'the watched triggers'} ({span})."
