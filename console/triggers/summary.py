"""What a backtest means per trigger: how often it fired, for how long, and how soon after
each deploy, so a team sees false fires before adopting a policy; and, per trigger of each
policy across its models, how much of the replay it had data for, so a trigger that never
had any (a misspelled metric, one a model never reports) is named rather than silent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from console.clock import naive_utc
from console.policy.checks import unseen_event_kind
from console.store import sql
from console.text import plural
from console.triggers.backtest import Coverage, Replay
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
    not ``ok`` at some step), by model, trigger (and policy, when two name a trigger alike).

    ``no_data`` counts the stretches without data, the one the replay began in included: a
    trigger that starts without data has no transition into ``no_data`` (its first
    transition is from it). A trigger without data at every step has no transition and no
    summary here; ``overview`` names it."""
    end = replay.end
    by_key: dict[tuple[str, str, str], list[Transition]] = {}
    for t in replay.transitions:
        by_key.setdefault((t.model, t.trigger, t.policy), []).append(t)
    summaries = []
    for (model, trigger, policy), changes in sorted(by_key.items()):
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
                policy,
                trigger,
                fired,
                firing_time,
                pending,
                no_data,
                tuple(after),
            )
        )
    return summaries


@dataclass(frozen=True)
class Fire:
    """One stretch of firing: when it began, how long it lasted (to the replay's end when
    ``ongoing``) and the value that made it fire (None for event triggers)."""

    model: str
    policy: str
    trigger: str
    at: datetime
    lasted: timedelta
    ongoing: bool
    value: float | None


def fires(replay: Replay) -> list[Fire]:
    """Every fire of the replay in time order: what a team reads to tell a real incident
    from a false fire (a short one long after any deploy, a value just past the threshold)."""
    began: dict[tuple[str, str, str], Transition] = {}
    result: list[Fire] = []
    for change in replay.transitions:
        key = (change.model, change.policy, change.trigger)
        start = began.pop(key, None) if change.from_state == "firing" else None
        if start is not None:
            result.append(_fire(start, change.at, ongoing=False))
        if change.to_state == "firing":
            began[key] = change
    if replay.end is not None:
        result.extend(_fire(start, replay.end, ongoing=True) for start in began.values())
    return sorted(result, key=lambda fire: (fire.at, fire.model, fire.trigger))


def _fire(start: Transition, until: datetime, *, ongoing: bool) -> Fire:
    return Fire(
        start.model,
        start.policy,
        start.trigger,
        start.at,
        until - start.at,
        ongoing,
        start.value,
    )


@dataclass(frozen=True)
class TriggerOverview:
    """One trigger of one policy across the models the policy selects: how many it fired
    for, and how much of the replay it had data for."""

    policy: str
    trigger: str
    metric: str | None
    """The metric watched; None for an event trigger."""
    selected: int
    """Models the policy selects (matching the replay's model glob)."""
    models: tuple[str, ...]
    """The models it was evaluated for: those that served at some step of the span."""
    fired_in: int
    """Models for which it fired at least once."""
    fires: int
    steps: int
    """Evaluation steps, over all its models."""
    no_data_steps: int
    """Of those, the steps with nothing to compare (no fresh sample, or no baseline)."""
    no_baseline_steps: int
    """The steps without a baseline (a baseline trigger's first version, ...)."""
    without_data: tuple[str, ...]
    """Models it had no data for at any step."""
    without_samples: tuple[str, ...]
    """Of those, the models without a fresh sample at any step (the others lacked a
    baseline where they had samples)."""
    unseen_event: str = ""
    """For an event trigger on a kind no stored event has but close to one that has (a
    misspelling never fires): which; "" otherwise."""

    @property
    def no_data_share(self) -> float | None:
        """The share of its steps without data; None when it was not evaluated at all."""
        return self.no_data_steps / self.steps if self.steps else None

    @property
    def never_had_data(self) -> bool:
        """It was evaluated, and had no data at any step for any model."""
        return bool(self.models) and len(self.without_data) == len(self.models)

    @property
    def note(self) -> str:
        """What a team should look at before adopting the trigger, in one line ("" when
        nothing): never any data, no data for some of its models, or never evaluated."""
        if not self.models:
            return f"not evaluated: none of its {plural(self.selected, 'model')} served in the span"
        if self.never_had_data:
            return "never had data: " + self._why()
        if self.unseen_event:
            return self.unseen_event + "; check the event name"
        notes = []
        if self.without_data:
            notes.append(
                f"no data for {len(self.without_data)} of {plural(len(self.models), 'model')}: "
                + _names(self.without_data)
            )
        if self.no_baseline_steps:
            notes.append(f"no baseline at {share(self.no_baseline_steps / self.steps)} of steps")
        return "; ".join(notes)

    def _why(self) -> str:
        every = "its model" if len(self.models) == 1 else f"any of its {len(self.models)} models"
        if len(self.without_samples) == len(self.models):
            return f"no sample of '{self.metric}' for {every}; check the metric name"
        if not self.without_samples:
            return f"no baseline for {every}; check its baseline"
        return "no sample or no baseline at any step; check the metric name and baseline"


def overview(replay: Replay, known_events: Collection[str] = ()) -> list[TriggerOverview]:
    """One overview per trigger of each policy the replay evaluated (from
    ``replay.coverage``), in the policies' and their triggers' order, whether or not its
    state ever changed. ``known_events``: the event kinds stored (any model, any time), to
    name an event trigger on a kind close to one of them but not stored itself."""
    fires: dict[tuple[str, str], list[str]] = {}
    for t in replay.transitions:
        if t.to_state == "firing":
            fires.setdefault((t.policy, t.trigger), []).append(t.model)
    by_key: dict[tuple[str, str], list[Coverage]] = {}
    for pair in replay.coverage:
        by_key.setdefault((pair.policy, pair.trigger), []).append(pair)
    result = []
    for (policy, trigger), pairs in by_key.items():
        served = [p for p in pairs if p.steps]
        without = [p for p in served if p.no_data == p.steps]
        fired = fires.get((policy, trigger), [])
        result.append(
            TriggerOverview(
                policy,
                trigger,
                pairs[0].metric,
                len(pairs),
                tuple(p.model for p in served),
                len(set(fired)),
                len(fired),
                sum(p.steps for p in served),
                sum(p.no_data for p in served),
                sum(p.no_baseline for p in served),
                tuple(p.model for p in without),
                tuple(p.model for p in without if p.no_sample == p.steps),
                _unseen(pairs[0].event, known_events),
            )
        )
    return result


def _unseen(kind: str | None, known_events: Collection[str]) -> str:
    return "" if kind is None else unseen_event_kind(kind, known_events) or ""


def share(part: float | None) -> str:
    """A share as a percentage that never rounds a little to none or almost all to all
    ("-" for None)."""
    if part is None:
        return "-"
    if 0 < part < 0.01:
        return "<1%"
    if 0.99 < part < 1:
        return ">99%"
    return f"{part:.0%}"


def _names(models: Sequence[str], shown: int = 3) -> str:
    """``a, b, c`` or ``a, b, c and 4 more``."""
    named = ", ".join(models[:shown])
    return named if len(models) <= shown else f"{named} and {len(models) - shown} more"
