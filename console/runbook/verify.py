"""Did the rollback work? Watch the model's triggers over the policy's verify window.

``watch`` (after a real move): from the moment the move was confirmed, sync and evaluate
until the window has passed on the workspace clock (a replayed clock runs fast; a pinned
clock reads the window as recorded at once), or until a wall-clock timeout leaves the
runbook in ``verify`` to be resumed. ``rehearse`` (a dry run, where nothing moved): the same
judgement over the last window the target itself served, which says whether rolling back
to it would have ended the incident.

Each evaluation is judged by ``verify_judging`` and told in words by ``verify_wording``. A
source whose sync fails is named at every evaluation while it fails, but the watch goes on to
the end of the window all the same (the next sync may bring what a transient outage held
back).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.clock import Clock, format_duration
from console.runbook.evidence import Reading
from console.runbook.model import FailedSync, Runbook, Verification
from console.runbook.verify_judging import Evidence, Judgement, failed_now, judge
from console.runbook.verify_wording import (
    failures_told,
    never_served_summary,
    next_step,
    outcome_summary,
    rehearsal_summary,
    stopped_summary,
)

REHEARSAL_POINTS = 5


Evaluate = Callable[[datetime], list[Reading]]
Refresh = Callable[[], Iterable[tuple[str, str]] | None]
"""Sync the sources; the source and error of each whose sync failed (None: none did)."""
Progress = Callable[[datetime, list[Reading]], None]


@dataclass(frozen=True)
class Watching:
    """One evaluation of a watch, for whoever shows it as it goes."""

    at: datetime
    version: str
    judgement: Judgement
    left: timedelta
    window: timedelta
    failed: tuple[FailedSync, ...] = ()
    """The sources whose sync failed at this evaluation."""

    def says(self) -> str:
        """What it shows, in a sentence: waiting for the target's first samples, or how the
        watched triggers stand on them; never recovery before the window has passed. Then a
        sentence for each source whose sync failed, with its error."""
        verdict = self.judgement
        judged = [f"{t} ok" for t in verdict.sampled] + [
            f"{t} firing or pending" for t in verdict.still_firing
        ]
        waiting = ", ".join(verdict.no_data)
        if not judged:
            seen = (
                f" (the state database still shows version {verdict.elsewhere} serving)"
                if verdict.elsewhere is not None
                else ""
            )
            told = (
                f"waiting for the first samples of version {self.version}{seen}: "
                f"{waiting or 'the watched triggers'}"
            )
        else:
            told = f"on samples of version {self.version}: {', '.join(judged)}"
            if waiting:
                told += f"; no sample yet for {waiting}"
        if self.failed:
            return f"{told}; {self.remaining()}.{failures_told(self.failed, self.at)}"
        return f"{told}; {self.remaining()}"

    def remaining(self) -> str:
        if self.left <= timedelta(0):
            return f"the {format_duration(self.window)} window has passed"
        return f"{format_duration(self.left)} of the {format_duration(self.window)} window left"


Watcher = Callable[[Watching], None]


def start_watch(runbook: Runbook, executed_at: datetime) -> Verification:
    window = runbook.rollback.verify.window
    return Verification(
        mode="watch",
        started_at=executed_at,
        window=window,
        window_start=executed_at,
        window_end=executed_at + window,
    )


@dataclass(frozen=True)
class Verdict:
    """A verification and the judgement of its last evaluation (None: nothing evaluated)."""

    verification: Verification
    judgement: Judgement | None


def watch(
    runbook: Runbook,
    plan: Verification,
    clock: Clock,
    evaluate: Evaluate,
    refresh: Refresh,
    further: str | None,
    timeout: timedelta | None = None,
    poll: float | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    watcher: Watcher | None = None,
) -> Verdict:
    """Evaluate until the window has passed (or the timeout): the finished verification, or
    a partial one (``complete`` False) to be resumed."""
    every = poll if poll is not None else (1.0 if clock.is_replay else 15.0)
    deadline = None if timeout is None else time.monotonic() + timeout.total_seconds()
    count = plan.evaluations
    end = plan.window_end
    if clock.replay_until is not None and clock.is_replay:
        end = min(end, clock.replay_until)  # a replay stops where its history does
    evidence = Evidence(str(runbook.to_version), plan.window_start)
    failed = plan.failed_syncs
    while True:
        now = clock.now()
        at = end if clock.fixed is not None else min(now, end)
        failed = failed_now(failed, refresh() or (), at)
        readings = evaluate(at)
        count += 1
        if progress is not None:
            progress(at, readings)
        verdict = judge(runbook, readings, evidence)
        if watcher is not None:
            watcher(
                Watching(at, evidence.version, verdict, plan.window_end - at, plan.window, failed)
            )
        if at >= end:
            return Verdict(
                plan.model_copy(
                    update={
                        "checked_at": at,
                        "complete": True,
                        "outcome": verdict.outcome,
                        "still_firing": verdict.still_firing,
                        "no_data": verdict.no_data,
                        "next_step": next_step(runbook, verdict, further, failed),
                        "summary": outcome_summary(runbook, plan, verdict, at, failed),
                        "evaluations": count,
                        "failed_syncs": failed,
                    }
                ),
                verdict,
            )
        if deadline is not None and time.monotonic() + every > deadline:
            return Verdict(
                plan.model_copy(
                    update={
                        "checked_at": at,
                        "complete": False,
                        "still_firing": verdict.still_firing,
                        "no_data": verdict.no_data,
                        "summary": stopped_summary(runbook, plan, verdict, at, failed),
                        "evaluations": count,
                        "failed_syncs": failed,
                    }
                ),
                verdict,
            )
        sleep(every)


def rehearse(
    runbook: Runbook,
    started: datetime,
    replaced_at: datetime | None,
    step: timedelta,
    evaluate: Evaluate,
    further: str | None,
) -> Verdict:
    """A dry run's verification: the triggers over the last window the target served, each
    judged on samples of the target."""
    window = runbook.rollback.verify.window
    if replaced_at is None:
        verdict = Judgement("inconclusive", (), ())
        return Verdict(
            Verification(
                mode="rehearsal",
                started_at=started,
                window=window,
                window_start=started,
                window_end=started,
                checked_at=started,
                complete=True,
                outcome="inconclusive",
                next_step=next_step(runbook, verdict, further),
                summary=never_served_summary(runbook),
            ),
            None,
        )
    end = replaced_at - step
    start = replaced_at - window
    points = [start + (end - start) * k / (REHEARSAL_POINTS - 1) for k in range(REHEARSAL_POINTS)]
    evidence = Evidence(str(runbook.to_version))
    worst: Judgement | None = None
    for at in points:
        verdict = judge(runbook, evaluate(at), evidence)
        if worst is None or _severity(verdict) > _severity(worst):
            worst = verdict
    assert worst is not None
    return Verdict(
        Verification(
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
            summary=rehearsal_summary(runbook, worst, window, start, replaced_at, started),
            evaluations=len(points),
        ),
        worst,
    )


def _severity(verdict: Judgement) -> int:
    return {"recovered": 0, "inconclusive": 1, "not_recovered": 2}[verdict.outcome]
