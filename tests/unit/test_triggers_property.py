"""The SQL engine agrees with the reference evaluator (console.triggers.reference) on random
histories: gaps, near-threshold values, version switches, baselines, events, no-data rules."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_triggers_support import (
    T0_US,
    add_baseline,
    add_events,
    add_model,
    add_samples,
    add_switches,
    policy,
    store,
)

from console.triggers import engine, evaluate_at, sample_search
from console.triggers.backtest import Coverage, replay
from console.triggers.reference import (
    Event,
    Period,
    Sample,
    Step,
    Switch,
    evaluate,
    periods,
    threshold_for,
    transitions,
)
from console.triggers.timeutil import from_us

SECOND = 1_000_000
SPAN = 5400  # seconds of history
VALUES = [0.0, 1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0]
VERSIONS = ["1", "2", "3"]


@st.composite
def switches(draw: st.DrawFn) -> list[Switch]:
    count = draw(st.integers(0, 3))
    times = sorted(draw(st.sets(st.integers(0, SPAN // 30), min_size=count, max_size=count)))
    result = []
    previous: str | None = None
    for moment in times:
        version = draw(st.sampled_from(VERSIONS))
        # the first may name what it replaced (history that began with an alias move)
        told = draw(st.sampled_from([previous, None] if result else [*VERSIONS, None]))
        result.append(Switch(T0_US + moment * 30 * SECOND, version, told))
        previous = version
    return result


def _serving(served: list[Switch], ts: int) -> str | None:
    current = None
    for s in served:
        if s.at <= ts:
            current = s.version
    return current


@st.composite
def samples(draw: st.DrawFn, served: list[Switch]) -> list[Sample]:
    unit = draw(st.sampled_from([15, 120]))  # 120s: never two samples in one step
    times = sorted(draw(st.sets(st.integers(-600 // unit, SPAN // unit), max_size=70)))
    result = []
    for moment in times:
        ts = T0_US + moment * unit * SECOND
        version = _serving(served, ts)
        if draw(st.integers(0, 9)) == 0:
            version = draw(st.sampled_from([*VERSIONS, None]))
        result.append(Sample(ts, draw(st.sampled_from(VALUES)), version))
    return result


@st.composite
def events(draw: st.DrawFn) -> list[Event]:
    result = []
    for _ in range(draw(st.integers(0, 3))):
        ts = T0_US + draw(st.integers(-10, SPAN // 30)) * 30 * SECOND
        resolved = draw(st.one_of(st.none(), st.integers(0, 100).map(lambda n: n * 30)))
        result.append(
            Event(
                ts,
                draw(st.sampled_from(["security_finding", "deploy"])),
                draw(st.sampled_from(["low", "medium", "high", "critical", None, "weird"])),
                draw(st.sampled_from([*VERSIONS, None])),
                None if resolved is None else ts + resolved * SECOND,
            )
        )
    return result


@st.composite
def triggers(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["threshold", "window", "baseline", "event"]))
    trigger: dict[str, Any] = {
        "name": "t",
        "for": draw(st.sampled_from(["0s", "30s", "1m", "90s", "2m", "5m", "10m"])),
    }
    if draw(st.booleans()):
        trigger["on_no_data"] = draw(st.sampled_from(["no_data", "ok", "firing"]))
    if kind == "event":
        trigger["event"] = "security_finding"
        trigger["min_severity"] = draw(st.sampled_from(["low", "medium", "high", "critical"]))
        return trigger
    trigger["metric"] = "m"
    trigger["op"] = draw(st.sampled_from(["<", "<=", ">", ">="]))
    if kind in ("window", "baseline") and draw(st.booleans()):
        trigger["aggregate"] = draw(
            st.sampled_from(["avg", "min", "max", "last", "p50", "p95", "p99"])
        )
        trigger["window"] = draw(st.sampled_from(["1m", "150s", "5m", "10m"]))
    if kind == "baseline":
        trigger["baseline"] = draw(st.sampled_from(["previous_version", "registered", 2.0]))
        trigger["degradation"] = draw(st.sampled_from(["25%", "10%", 0.5, 1]))
    else:
        trigger["threshold"] = draw(st.sampled_from([1.0, 2.5, 3.0, 2.75]))
    return trigger


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    served = draw(switches())
    return {
        "trigger": draw(triggers()),
        "step": draw(st.sampled_from(["30s", "1m", "2m"])),
        "staleness": draw(st.sampled_from(["30s", "1m", "90s", "3m", "5m"])),
        "on_no_data": draw(st.sampled_from(["no_data", "ok", "firing"])),
        "switches": served,
        "samples": draw(samples(served)),
        "events": draw(events()),
        "registered": {
            v: draw(st.sampled_from([2.0, 3.0])) for v in VERSIONS if draw(st.booleans())
        },
        "start": draw(st.integers(0, 40)) * 30,
        "end": draw(st.integers(SPAN - 1200, SPAN + 900)),
    }


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return store()


def _reset(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("models", "metrics", "deployment_events", "aliases", "events", "baselines"):
        con.execute(f"DELETE FROM {table}")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_sql_engine_matches_reference(con: duckdb.DuckDBPyConnection, case: dict[str, Any]) -> None:
    _reset(con)
    add_model(con, "m1")
    add_samples(con, "m1", "m", case["samples"])
    add_switches(con, "m1", case["switches"])
    add_events(con, "m1", case["events"])
    for version, value in case["registered"].items():
        add_baseline(con, "m1", version, "m", value)
    pol = policy(
        [case["trigger"]],
        step=case["step"],
        staleness=case["staleness"],
        on_no_data=case["on_no_data"],
    )
    spec = pol.spec
    start = T0_US + case["start"] * SECOND
    end = T0_US + case["end"] * SECOND
    replayed = replay(con, [pol], from_us(start), from_us(end))
    got = [(t.at, t.from_state, t.to_state, t.value) for t in replayed.transitions]
    engine.ONE_PASS = False
    try:
        two_pass = replay(con, [pol], from_us(start), from_us(end))
    finally:
        engine.ONE_PASS = True
    assert two_pass == replayed  # the same transitions and counts of steps without data
    trigger = spec.triggers[0]
    expected_steps = evaluate(
        trigger,
        step=spec.evaluation.step // _us(),
        staleness=spec.evaluation.staleness // _us(),
        no_data=trigger.on_no_data or spec.on_no_data,
        start=start,
        end=end,
        samples=case["samples"],
        switches=case["switches"],
        events=case["events"],
        registered=case["registered"],
    )
    expected = [(from_us(t), a, b, v) for t, a, b, v in transitions(expected_steps)]
    assert [g[:3] for g in got] == [e[:3] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert _same(g[3], e[3]), (g, e)
    assert replayed.coverage == (_coverage(pol, case, expected_steps),)
    _check_current_state(con, pol, case, end)
    packed_bits = sample_search.PACKED_BITS
    sample_search.PACKED_BITS = 0  # search keys as records instead of packed integers
    try:
        _check_current_state(con, pol, case, end)
    finally:
        sample_search.PACKED_BITS = packed_bits
    few_steps = engine.FEW_STEPS
    engine.FEW_STEPS = -1  # the same through the runs of the backtest pipeline
    try:
        _check_current_state(con, pol, case, end)
    finally:
        engine.FEW_STEPS = few_steps


def _coverage(pol: Any, case: dict[str, Any], steps: list[Step]) -> Coverage:
    """What the replay should say about data per step, from the reference evaluator: no
    sample where it saw no value, no baseline where it found no threshold (metric triggers
    only: an event trigger always has data)."""
    trigger = pol.spec.triggers[0]
    staleness = pol.spec.evaluation.staleness // _us()
    served = periods(case["switches"])
    no_sample = no_baseline = no_data = 0
    for step in steps if trigger.event is None else []:
        period = next(p for p in served if p.start <= step.t < p.end)
        threshold = threshold_for(trigger, period, case["samples"], staleness, case["registered"])
        no_sample += step.value is None
        no_baseline += threshold is None
        no_data += step.value is None or threshold is None
    name = pol.metadata.name
    metric = trigger.metric
    return Coverage(
        "m1", name, trigger.name, metric, len(steps), no_sample, no_baseline, no_data, trigger.event
    )


def _same(got: float | None, expected: float | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


def _us() -> timedelta:
    return timedelta(microseconds=1)


def _check_current_state(
    con: duckdb.DuckDBPyConnection, pol: Any, case: dict[str, Any], end: int
) -> None:
    """evaluate_at (its own few-steps SQL) agrees with the reference at the last step."""
    spec = pol.spec
    trigger = spec.triggers[0]
    step = spec.evaluation.step // _us()
    hold = -(-(trigger.for_ // _us()) // step) * step
    look_back = 20 * 60 * SECOND
    last = end // step * step
    first = (last - hold - step - look_back) // step * step
    states = evaluate_at(con, [pol], from_us(end), look_back=timedelta(microseconds=look_back))
    steps = evaluate(
        trigger,
        step=step,
        staleness=spec.evaluation.staleness // _us(),
        no_data=trigger.on_no_data or spec.on_no_data,
        start=first,
        end=end,
        samples=case["samples"],
        switches=case["switches"],
        events=case["events"],
        registered=case["registered"],
    )
    if not steps:
        assert states == [] or states[0].at < from_us(first)
        return
    assert len(states) == 1
    state = states[0]
    tail = steps[-1]
    assert (state.at, state.state) == (from_us(tail.t), tail.state)
    assert _same(state.value, tail.value), (state, tail)
    served = periods(case["switches"])

    def period_of(t: int) -> Period | None:
        return next((p for p in served if p.start <= t < p.end), None)

    held = tail.state in ("pending", "firing")
    run_start = tail.t
    for earlier in reversed(steps[:-1]):
        same = (earlier.state in ("pending", "firing")) if held else earlier.state == tail.state
        if (
            not same
            or period_of(earlier.t) is not period_of(tail.t)
            or earlier.t != run_start - step
        ):
            break
        run_start = earlier.t
    exact = run_start != steps[0].t or steps[0].t > first
    assert state.since_exact == exact, (state, run_start, steps[0].t, first)
    if exact:
        since = run_start + hold if tail.state == "firing" else run_start
        assert state.since == from_us(since), (state, from_us(run_start))
