"""What a backtest means per trigger: how often it fired, for how long, and how soon after
each deploy, so a team sees false fires before adopting a policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from console.clock import naive_utc
from console.store import sql
from console.triggers.backtest import Replay
from console.triggers.types import Transition


@dataclass(frozen=True)
class Deploy:
    model: str
    version: str
    at: datetime


@dataclass(frozen=True)
class AfterDeploy:
    """The first fire of a trigger after a deploy (``first_fire`` None: it did not fire
    before the next deploy or the end of the replay)."""

    version: str
    deployed_at: datetime
    first_fire: datetime | None

    @property
    def delay(self) -> timedelta | None:
        return None if self.first_fire is None else self.first_fire - self.deployed_at


@dataclass(frozen=True)
class TriggerSummary:
    model: str
    policy: str
    trigger: str
    fired: int
    firing_time: timedelta
    pending: int
    no_data: int
    after_deploys: tuple[AfterDeploy, ...] = field(default_factory=tuple)


def deploys(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, alias: str = "champion"
) -> list[Deploy]:
    rows = con.execute(
        sql("triggers/switches"), [alias, naive_utc(start), naive_utc(end)]
    ).fetchall()
    return [Deploy(model, version, at.replace(tzinfo=UTC)) for model, version, at in rows]


def summarize(replay: Replay, deployed: Sequence[Deploy] = ()) -> list[TriggerSummary]:
    """One summary per (model, trigger) whose state changed during the replay (so it was
    not ``ok`` at some step), by model, trigger.

    ``no_data`` counts the stretches without data, the one the replay began in included: a
    trigger that starts without data has no transition into ``no_data`` (its first
    transition is from it). A trigger without data at every step has no transition and no
    summary."""
    end = replay.end
    by_key: dict[tuple[str, str], list[Transition]] = {}
    policies: dict[tuple[str, str], str] = {}
    for t in replay.transitions:
        by_key.setdefault((t.model, t.trigger), []).append(t)
        policies[(t.model, t.trigger)] = t.policy
    summaries = []
    for (model, trigger), changes in sorted(by_key.items()):
        fired = pending = no_data = 0
        firing_time = timedelta(0)
        fires: list[datetime] = []
        began: datetime | None = None
        if changes[0].from_state == "no_data":  # began without data
            no_data += 1
        for change in changes:
            if change.from_state == "firing" and began is not None:
                firing_time += change.at - began
                began = None
            if change.to_state == "firing":
                fired += 1
                fires.append(change.at)
                began = change.at
            elif change.to_state == "pending":
                pending += 1
            elif change.to_state == "no_data":
                no_data += 1
        if began is not None and end is not None:
            firing_time += end - began
        own = sorted((d for d in deployed if d.model == model), key=lambda d: d.at)
        after = []
        for index, deploy in enumerate(own):
            until = own[index + 1].at if index + 1 < len(own) else None
            first = next(
                (f for f in fires if f >= deploy.at and (until is None or f < until)), None
            )
            after.append(AfterDeploy(deploy.version, deploy.at, first))
        summaries.append(
            TriggerSummary(
                model,
                policies[(model, trigger)],
                trigger,
                fired,
                firing_time,
                pending,
                no_data,
                tuple(after),
            )
        )
    return summaries
