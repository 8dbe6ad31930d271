"""A small, obviously correct evaluator of one trigger of one model, step by step.

It states the engine's semantics in plain Python: the tests hold the SQL engine to it on
random histories, and ``docs/triggers.md`` describes the same rules. It is far too slow for
real use (every step rescans every sample). Times are integer microseconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from console.policy.model import SEVERITY_RANK, Trigger
from console.triggers.timeutil import span_us

_EVER = 1 << 62


@dataclass(frozen=True)
class Sample:
    ts: int
    value: float
    version: str | None = None


@dataclass(frozen=True)
class Switch:
    at: int
    version: str
    previous: str | None = None


@dataclass(frozen=True)
class Event:
    ts: int
    kind: str
    severity: str | None = None
    version: str | None = None
    resolved_at: int | None = None


@dataclass(frozen=True)
class Period:
    version: str | None
    start: int
    end: int
    previous: str | None


@dataclass(frozen=True)
class Step:
    t: int
    state: str
    value: float | None


def periods(switches: Sequence[Switch]) -> list[Period]:
    """Serving periods from alias switches; without any, one period of any version."""
    if not switches:
        return [Period(None, 0, _EVER, None)]
    kept: list[Switch] = []
    for switch in sorted(switches, key=lambda s: (s.at, s.version)):
        if kept and kept[-1].version == switch.version:
            continue
        kept.append(switch)
    result = []
    first = kept[0]
    if first.previous is not None and first.previous != first.version and first.at > 0:
        result.append(Period(first.previous, 0, first.at, None))  # it served until then
    for index, switch in enumerate(kept):
        end = kept[index + 1].at if index + 1 < len(kept) else _EVER
        previous = switch.previous
        if previous is None and index > 0:
            previous = kept[index - 1].version
        result.append(Period(switch.version, switch.at, end, previous))
    return result


def aggregate(kind: str, samples: Sequence[Sample]) -> float:
    values = sorted(s.value for s in samples)
    if kind == "avg":
        return sum(values) / len(values)
    if kind == "min":
        return values[0]
    if kind == "max":
        return values[-1]
    if kind == "last":
        return max(samples, key=lambda s: (s.ts, s.value)).value
    q = {"p50": 0.5, "p95": 0.95, "p99": 0.99}[kind]
    position = q * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def compare(value: float, op: str, threshold: float) -> bool:
    return {
        "<": value < threshold,
        "<=": value <= threshold,
        ">": value > threshold,
        ">=": value >= threshold,
    }[op]


def _matches(sample_version: str | None, period: Period) -> bool:
    return sample_version is None or period.version is None or sample_version == period.version


def threshold_for(
    trigger: Trigger,
    period: Period,
    samples: Sequence[Sample],
    staleness: int,
    registered: Mapping[str, float],
) -> float | None:
    """The threshold in force during ``period``; None when the baseline is missing."""
    if trigger.threshold is not None:
        return trigger.threshold
    baseline: float | None
    if isinstance(trigger.baseline, float | int):
        baseline = float(trigger.baseline)
    elif trigger.baseline == "registered":
        baseline = None if period.version is None else registered.get(period.version)
    else:
        if period.previous is None:
            return None
        span = span_us(trigger.window) if trigger.window is not None else staleness
        before = [
            s
            for s in samples
            if s.version == period.previous and period.start - span <= s.ts < period.start
        ]
        baseline = aggregate(trigger.aggregate, before) if before else None
    if baseline is None:
        return None
    d = trigger.degradation_amount
    worse_up = trigger.op in (">", ">=")
    if trigger.degradation_is_relative:
        return baseline * (1 + d) if worse_up else baseline * (1 - d)
    return baseline + d if worse_up else baseline - d


def observe(
    trigger: Trigger, t: int, period: Period, samples: Sequence[Sample], staleness: int
) -> float | None:
    """The value a metric trigger sees at step ``t``; None when there is no data."""
    pool = [s for s in samples if period.start <= s.ts <= t and _matches(s.version, period)]
    if not pool:
        return None
    window = span_us(trigger.window) if trigger.window is not None else None
    fresh_from = t - staleness
    if trigger.aggregate == "last" and window is not None:
        fresh_from = max(fresh_from, t - window + 1)
    latest = max(pool, key=lambda s: (s.ts, s.value))
    if latest.ts < fresh_from:
        return None
    if window is None or trigger.aggregate == "last":
        return latest.value
    inside = [s for s in pool if s.ts > t - window]
    return aggregate(trigger.aggregate, inside) if inside else None


def event_holds(trigger: Trigger, t: int, period: Period, events: Sequence[Event]) -> bool:
    wanted = SEVERITY_RANK[trigger.min_severity]
    for e in events:
        rank = SEVERITY_RANK.get((e.severity or "").lower(), 99)
        if (
            e.kind == trigger.event
            and rank >= wanted
            and _matches(e.version, period)
            and period.start <= e.ts <= t
            and (e.resolved_at is None or t < e.resolved_at)
        ):
            return True
    return False


def evaluate(
    trigger: Trigger,
    *,
    step: int,
    staleness: int,
    no_data: str,
    start: int,
    end: int,
    samples: Sequence[Sample] = (),
    switches: Sequence[Switch] = (),
    events: Sequence[Event] = (),
    registered: Mapping[str, float] | None = None,
) -> list[Step]:
    """The state at every step (multiples of ``step``) in ``[start, end]`` while a version
    serves."""
    served = periods(switches)
    steps: list[Step] = []
    active_at: int | None = None
    previous_period: Period | None = None
    first = -(-start // step) * step
    for t in range(first, end + 1, step):
        period = next((p for p in served if p.start <= t < p.end), None)
        if period is None:
            continue
        if period is not previous_period:
            active_at = None
            previous_period = period
        value: float | None = None
        if trigger.event is not None:
            holds: bool | None = event_holds(trigger, t, period, events)
        else:
            threshold = threshold_for(trigger, period, samples, staleness, registered or {})
            value = observe(trigger, t, period, samples, staleness)
            if threshold is None:
                holds = None
            elif value is None:
                holds = {"no_data": None, "ok": False, "firing": True}[no_data]
            else:
                assert trigger.op is not None
                holds = compare(value, trigger.op, threshold)
        if holds:
            active_at = t if active_at is None else active_at
            held = t - active_at
            state = "firing" if held >= span_us(trigger.for_) else "pending"
        else:
            active_at = None
            state = "ok" if holds is False else "no_data"
        steps.append(Step(t, state, value))
    return steps


def transitions(steps: Sequence[Step]) -> list[tuple[int, str, str, float | None]]:
    """(at, from, to, value) wherever the state changes. The state before the first step
    is ok, except that a first step without data is no change: nothing was known before."""
    changes = []
    before = "no_data" if steps and steps[0].state == "no_data" else "ok"
    for step in steps:
        if step.state != before:
            changes.append((step.t, before, step.state, step.value))
        before = step.state
    return changes
