"""How the readings of a verify window are judged: did the rollback work?

Only evidence about the target counts: a trigger is judged on samples of the version rolled
back to, taken after the move (``Evidence``). An evaluation of the version rolled away from
(the switch not yet seen by a sync), a state the policy's ``on_no_data`` gives for want of
samples, or no state at all says nothing about the target: that trigger is still waiting for
its first samples. A state of the target that is firing or pending counts against it either
way (the policy's ``on_no_data: firing`` included).

The outcome: ``recovered`` when every trigger that mattered is ok on samples of the target
at the end; ``not_recovered`` with what still fires; ``inconclusive`` when a trigger that
mattered has no sample of the target by the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from console.runbook.evidence import Reading
from console.runbook.model import FailedSync, Outcome, Runbook

BAD = frozenset({"firing", "pending"})


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
