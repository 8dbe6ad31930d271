"""Did the rollback work? Watch the model's triggers over the policy's verify window.

``watch`` (after a real move): from the moment the move was confirmed, sync and evaluate
until the window has passed on the workspace clock (a replayed clock runs fast; a pinned
clock reads the window as recorded at once), or until a wall-clock timeout leaves the
runbook in ``verify`` to be resumed. ``rehearse`` (a dry run, where nothing moved): the same
judgement over the last window the target itself served, which says whether rolling back
to it would have ended the incident.

Only evidence about the target counts: a trigger is judged on samples of the version rolled
back to, taken after the move (``Evidence``). An evaluation of the version rolled away from
(the switch not yet seen by a sync), a state the policy's ``on_no_data`` gives for want of
samples, or no state at all says nothing about the target: that trigger is still waiting for
its first samples. A state of the target that is firing or pending counts against it either
way (the policy's ``on_no_data: firing`` included).

The outcome: ``recovered`` when every trigger that mattered is ok on samples of the target
at the end; ``not_recovered`` with what still fires and the next step; ``inconclusive`` when
a trigger that mattered has no sample of the target by the end.

A source whose sync fails is named, with its error, at every evaluation while it fails, and
in the outcome when it still fails at the end: its samples of the target cannot reach the
state database meanwhile, so "waiting for the first samples" alone would read as a quiet
model. The watch goes on to the end of the window all the same (the next sync may bring what
a transient outage held back).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.clock import Clock, format_duration, format_time
from console.runbook.evidence import Reading
from console.runbook.model import FailedSync, Outcome, Runbook, Verification

BAD = frozenset({"firing", "pending"})
REHEARSAL_POINTS = 5


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    still_firing: tuple[str, ...]
    no_data: tuple[str, ...]
    """Watched triggers without a sample of the target to judge by."""
    sampled: tuple[str, ...] = ()
    """Watched triggers judged ok on samples of the target."""
    elsewhere: str | None = None
    """The version the evaluation saw serving when it was not the target (the switch not yet
    seen by a sync)."""


@dataclass(frozen=True)
class Evidence:
    """What counts as evidence about the target: samples of ``version`` from ``since`` on."""

    version: str
    since: datetime | None = None

    def of_target(self, reading: Reading) -> bool:
        return reading.version is None or reading.version == self.version

    def after_move(self, reading: Reading) -> bool:
        """Is the reading of an evaluation step at or after the move? One before it (the
        move came within the current step) shows the version moved away from, rightly."""
        return self.since is None or reading.step is None or reading.step >= self.since

    def sampled(self, reading: Reading) -> bool:
        """Is the reading's state decided by samples of the target taken since the move?"""
        if not self.of_target(reading):
            return False
        if reading.kind == "event":
            return self.since is None or (reading.step is not None and reading.step >= self.since)
        return (
            reading.reason is None
            and reading.state != "no_data"
            and reading.last_sample is not None
            and (self.since is None or reading.last_sample >= self.since)
        )


def watched_triggers(runbook: Runbook, readings: Sequence[Reading]) -> set[str]:
    """The triggers that decide the outcome: those that fired or were pending when the
    runbook opened, and every trigger whose action is ``rollback``."""
    names = {
        t.trigger
        for t in (runbook.evidence.triggers if runbook.evidence else ())
        if t.state in BAD or t.action == "rollback"
    }
    return names or {r.trigger for r in readings}


def required_triggers(runbook: Runbook, watched: set[str]) -> set[str]:
    """The watched triggers that need samples of the target before it counts as recovered:
    all but those that had no data when the runbook opened (the version rolled away from
    had none either), unless that leaves none."""
    silent = {
        t.trigger
        for t in (runbook.evidence.triggers if runbook.evidence else ())
        if t.state == "no_data"
    }
    return (watched - silent) or watched


def judge(runbook: Runbook, readings: Sequence[Reading], evidence: Evidence) -> Judgement:
    names = watched_triggers(runbook, readings)
    relevant = {r.trigger: r for r in readings if r.trigger in names}
    bad = tuple(sorted(t for t, r in relevant.items() if r.state in BAD and evidence.of_target(r)))
    sampled = tuple(
        sorted(t for t, r in relevant.items() if r.state == "ok" and evidence.sampled(r))
    )
    waiting = tuple(sorted(names - set(bad) - set(sampled)))
    elsewhere = next(
        (
            r.version
            for r in relevant.values()
            if not evidence.of_target(r) and evidence.after_move(r)
        ),
        None,
    )
    if bad:
        return Judgement("not_recovered", bad, waiting, sampled, elsewhere)
    if not sampled or required_triggers(runbook, names) & set(waiting):
        return Judgement("inconclusive", (), waiting, sampled, elsewhere)
    return Judgement("recovered", (), waiting, sampled, elsewhere)


def failed_now(
    before: Sequence[FailedSync], failures: Iterable[tuple[str, str]], at: datetime
) -> tuple[FailedSync, ...]:
    """The sources whose sync failed at the evaluation at ``at`` (``failures``: source and
    error), each failing since the first evaluation of its run of failures."""
    since = {f.source: f.since for f in before}
    return tuple(
        FailedSync(source=source, error=error, since=since.get(source, at))
        for source, error in sorted(dict(failures).items())
    )


def _sync_failure_words(failed: FailedSync, at: datetime) -> str:
    """One sentence: which source fails to sync, since when, and its error."""
    error = failed.error.removeprefix(f"source '{failed.source}': ").rstrip(".")
    if failed.since < at:
        return (
            f"Source '{failed.source}' has failed to sync at every evaluation since "
            f"{format_time(failed.since)}: {error}."
        )
    return f"Source '{failed.source}' failed to sync: {error}."


def _failures_told(failed: Sequence[FailedSync], at: datetime) -> str:
    return "".join(f" {_sync_failure_words(f, at)}" for f in failed)


def next_step(
    runbook: Runbook,
    judgement: Judgement,
    further: str | None,
    failed: Sequence[FailedSync] = (),
) -> str:
    if judgement.outcome == "recovered" and runbook.dry_run:
        return (
            "close the dry run (nothing was moved); a real rollback to version "
            f"{runbook.to_version} should end the incident."
        )
    if judgement.outcome == "recovered":
        return "close the runbook with the outcome; keep an eye on the model's triggers."
    if judgement.outcome == "inconclusive" and failed:
        names = " and ".join(f"'{f.source}'" for f in failed)
        return (
            f"no sample of version {runbook.to_version} to judge by while the sync of {names} "
            "fails: fix it (`mrp sync` says why), then check the model's triggers "
            "(`mrp status`); the runbook closes as inconclusive."
        )
    if judgement.outcome == "inconclusive":
        return (
            f"no sample of version {runbook.to_version} to judge by: check that its metrics "
            "reach mrp (`mrp sync`, `mrp evaluate`) and keep an eye on the model's triggers; "
            "the runbook closes as inconclusive."
        )
    fires = ", ".join(judgement.still_firing)
    hint = (
        f"roll back further (`mrp rollback {runbook.model} --to {further}`)"
        if further
        else "page the model owner; no older eligible version is left"
    )
    return f"{fires} still {'fires' if len(judgement.still_firing) == 1 else 'fire'}: {hint}."


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
            return f"{told}; {self.remaining()}.{_failures_told(self.failed, self.at)}"
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
                        "summary": _summary(runbook, plan, verdict, at, failed),
                        "evaluations": count,
                        "failed_syncs": failed,
                    }
                ),
                verdict,
            )
        if deadline is not None and time.monotonic() + every > deadline:
            watched = at - plan.window_start
            waiting = (
                f" No sample of version {evidence.version} yet for {', '.join(verdict.no_data)}."
                if verdict.no_data
                else ""
            )
            return Verdict(
                plan.model_copy(
                    update={
                        "checked_at": at,
                        "complete": False,
                        "still_firing": verdict.still_firing,
                        "no_data": verdict.no_data,
                        "summary": (
                            f"stopped watching at {format_time(at)}, {format_duration(watched)} "
                            f"into the {format_duration(plan.window)} window (it ends at "
                            f"{format_time(plan.window_end)}); resume to keep watching "
                            f"(`mrp runbook resume {runbook.id}`).{waiting}"
                            f"{_failures_told(failed, at)}"
                        ),
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
                summary=(
                    f"dry run: version {runbook.to_version} never served behind {runbook.alias}, "
                    "so there is no history to rehearse the rollback against."
                ),
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
    said = {
        "recovered": "every trigger firing now was ok then",
        "not_recovered": f"{', '.join(worst.still_firing)} fired or was pending",
        "inconclusive": f"{', '.join(worst.no_data) or 'the triggers'} had no samples of it",
    }[worst.outcome]
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
            summary=(
                f"dry run, nothing moved: over the last {format_duration(window)} version "
                f"{runbook.to_version} served ({format_time(start)} → "
                f"{format_time(replaced_at)}), {said}."
            ),
            evaluations=len(points),
        ),
        worst,
    )


def _severity(verdict: Judgement) -> int:
    return {"recovered": 0, "inconclusive": 1, "not_recovered": 2}[verdict.outcome]


def _summary(
    runbook: Runbook,
    plan: Verification,
    verdict: Judgement,
    at: datetime,
    failed: Sequence[FailedSync] = (),
) -> str:
    span = f"{format_time(plan.window_start)} → {format_time(at)}"
    version = runbook.to_version
    if verdict.outcome == "recovered":
        quiet = (
            f"; no sample of it for {', '.join(verdict.no_data)}, which had no data when the "
            "runbook opened"
            if verdict.no_data
            else ""
        )
        return (
            f"recovered: every watched trigger is ok on samples of version {version} after the "
            f"{format_duration(plan.window)} window ({span}){quiet}."
        )
    if verdict.outcome == "not_recovered":
        return (
            f"not recovered: {', '.join(verdict.still_firing)} still firing or pending on "
            f"version {version} at {format_time(at)}."
        )
    seen = (
        f"; the state database still shows version {verdict.elsewhere} serving"
        if verdict.elsewhere is not None
        else ""
    )
    return (
        f"inconclusive: no sample of version {version} after the switch for "
        f"{', '.join(verdict.no_data) or 'the watched triggers'} ({span}){seen}."
        f"{_failures_told(failed, at)}"
    )
