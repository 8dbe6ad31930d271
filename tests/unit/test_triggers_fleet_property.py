"""The trigger engine's current state over small fleets: several models and several triggers
of mixed kinds in one policy, on random histories (gaps, near-threshold values, samples
sharing a timestamp, samples with another version or none, version switches, events).

The few-steps path (``last_steps``, on arrays) and the runs path (``last_from_runs``) give
the same states, each pair agrees with the reference evaluator, and refreshes one step apart
with samples arriving in between agree with a fresh evaluation. The single-pair property is
``test_triggers_property``; this one checks that pairs do not leak into each other (series,
periods, rules and events are found by pair) and that the stored states continue per pair.
Last, what both paths make of NaN: the average of opposite infinities, a NaN baseline, and
quantiles of infinite samples."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_triggers_property import SECOND, SPAN, VALUES, VERSIONS, events, samples, switches
from test_triggers_property import triggers as one_trigger
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

from console.store import sql
from console.triggers import engine, evaluate_at
from console.triggers.reference import Event, Period, Sample, Switch, evaluate, periods
from console.triggers.state import current_states, refresh_states, stored_states
from console.triggers.timeutil import floor_step, from_us
from console.triggers.types import TriggerState

MODELS = ["m1", "m2", "m3", "m4"]
METRICS = ["m", "n"]
EVENT_KINDS = ["security_finding", "deploy"]
US = timedelta(microseconds=1)


@dataclass
class Model:
    """One model's history: samples per metric, switches, events, registered baselines."""

    name: str
    switches: list[Switch]
    samples: dict[str, list[Sample]]
    events: list[Event]
    registered: dict[str, dict[str, float]] = field(default_factory=dict)
    """metric -> version -> registered baseline."""


@st.composite
def series(draw: st.DrawFn, served: list[Switch]) -> list[Sample]:
    """Random samples (``test_triggers_property.samples``) plus some that share a timestamp
    with another one: another value, of the same version, another one, or none."""
    drawn = draw(samples(served))
    shared = [
        Sample(
            s.ts,
            draw(st.sampled_from(VALUES)),
            draw(st.sampled_from([s.version, s.version, None, *VERSIONS])),
        )
        for s in drawn
        if draw(st.integers(0, 6)) == 0
    ]
    return sorted(drawn + shared, key=lambda s: (s.ts, s.value))


@st.composite
def models(draw: st.DrawFn, name: str) -> Model:
    served = draw(switches())
    return Model(
        name,
        served,
        {metric: draw(series(served)) for metric in METRICS},
        draw(events()),
        {
            metric: {v: draw(st.sampled_from([2.0, 3.0])) for v in VERSIONS if draw(st.booleans())}
            for metric in METRICS
        },
    )


@st.composite
def fleet_triggers(draw: st.DrawFn, index: int) -> dict[str, Any]:
    trigger = draw(one_trigger())
    trigger["name"] = f"t{index}"
    if "metric" in trigger:
        trigger["metric"] = draw(st.sampled_from(METRICS))
    else:
        trigger["event"] = draw(st.sampled_from(EVENT_KINDS))
    return trigger


@st.composite
def fleets(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(2, 4))
    return {
        "models": [draw(models(name)) for name in MODELS[:count]],
        "triggers": [draw(fleet_triggers(i)) for i in range(draw(st.integers(2, 5)))],
        "step": draw(st.sampled_from(["30s", "1m", "2m"])),
        "staleness": draw(st.sampled_from(["30s", "1m", "90s", "3m", "5m"])),
        "on_no_data": draw(st.sampled_from(["no_data", "ok", "firing"])),
    }


def _store_fleet(con: duckdb.DuckDBPyConnection, fleet: dict[str, Any]) -> Any:
    """Write the fleet (every sample) and return its policy."""
    for table in (
        "models",
        "metrics",
        "deployment_events",
        "aliases",
        "events",
        "baselines",
        "trigger_states",
        "source_state",
    ):
        con.execute(f"DELETE FROM {table}")
    for model in fleet["models"]:
        add_model(con, model.name)
        for metric, points in model.samples.items():
            add_samples(con, model.name, metric, points)
        add_switches(con, model.name, model.switches)
        add_events(con, model.name, model.events)
        for metric, registered in model.registered.items():
            for version, value in registered.items():
                add_baseline(con, model.name, version, metric, value)
    return _policy(fleet)


def _policy(fleet: dict[str, Any]) -> Any:
    return policy(
        fleet["triggers"],
        step=fleet["step"],
        staleness=fleet["staleness"],
        on_no_data=fleet["on_no_data"],
    )


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return store()


def _close(got: float | None, expected: float | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)


def _through_runs(
    con: duckdb.DuckDBPyConnection, pol: Any, at_us: int, look_back: timedelta | None
) -> list[TriggerState]:
    few_steps = engine.FEW_STEPS
    engine.FEW_STEPS = -1  # every current state through the backtest pipeline's runs
    try:
        return evaluate_at(con, [pol], from_us(at_us), look_back=look_back)
    finally:
        engine.FEW_STEPS = few_steps


def _assert_same_states(few: list[TriggerState], runs: list[TriggerState]) -> None:
    """Every field equal (NaN to NaN), the value compared and the baseline within 1e-9 (an
    average summed in another order)."""
    assert [(s.model, s.trigger) for s in few] == [(s.model, s.trigger) for s in runs]
    for a, b in zip(few, runs, strict=True):
        assert _close(a.value, b.value), (a, b)
        assert _close(a.baseline, b.baseline), (a, b)
        assert a.threshold == b.threshold or _close(a.threshold, b.threshold), (a, b)
        blank = {"value": None, "baseline": None, "threshold": None}
        assert a._replace(**blank) == b._replace(**blank), (a, b)


def _assert_matches_reference(
    pol: Any,
    fleet: dict[str, Any],
    states: list[TriggerState],
    at_us: int,
    look_back: timedelta | None,
) -> None:
    """Each pair's state, value and since (where exact) as the reference evaluator has them
    at the last step, over the steps ``evaluate_at`` looks at (``current._grid``)."""
    spec = pol.spec
    step = spec.evaluation.step // US
    staleness = spec.evaluation.staleness // US
    extra = 0 if look_back is None else look_back // US
    by_pair = {(s.model, s.trigger): s for s in states}
    for model in fleet["models"]:
        served = periods(model.switches)
        for trigger in spec.triggers:
            hold = -(-(trigger.for_ // US) // step) * step
            last = floor_step(at_us, step)
            first = max(floor_step(last - hold - step - extra, step), 0)
            steps = evaluate(
                trigger,
                step=step,
                staleness=staleness,
                no_data=trigger.on_no_data or spec.on_no_data,
                start=first,
                end=at_us,
                samples=model.samples[trigger.metric] if trigger.metric else (),
                switches=model.switches,
                events=model.events,
                registered=model.registered[trigger.metric] if trigger.metric else {},
            )
            state = by_pair.get((model.name, trigger.name))
            if not steps:
                assert state is None or state.at < from_us(first), state
                continue
            assert state is not None, (model.name, trigger.name)
            tail = steps[-1]
            assert (state.at, state.state) == (from_us(tail.t), tail.state), (state, tail)
            assert _close(state.value, tail.value), (state, tail)

            def period_of(t: int, served: list[Period] = served) -> Period | None:
                return next((p for p in served if p.start <= t < p.end), None)

            held = tail.state in ("pending", "firing")
            run_start = tail.t
            for earlier in reversed(steps[:-1]):
                same = (
                    earlier.state in ("pending", "firing") if held else earlier.state == tail.state
                )
                if not same or period_of(earlier.t) is not period_of(tail.t):
                    break
                if earlier.t != run_start - step:
                    break
                run_start = earlier.t
            exact = run_start != steps[0].t or steps[0].t > first
            assert state.since_exact == exact, (state, from_us(run_start), from_us(first))
            if exact:
                since = run_start + hold if tail.state == "firing" else run_start
                assert state.since == from_us(since), (state, from_us(run_start))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fleet=fleets(),
    moment=st.integers(0, SPAN + 900),
    fraction=st.integers(0, SECOND - 1),
    look_back=st.sampled_from([None, timedelta(minutes=20)]),
)
def test_few_steps_and_runs_agree_with_each_other_and_the_reference(
    con: duckdb.DuckDBPyConnection,
    fleet: dict[str, Any],
    moment: int,
    fraction: int,
    look_back: timedelta | None,
) -> None:
    pol = _store_fleet(con, fleet)
    at_us = T0_US + moment * SECOND + fraction
    few = evaluate_at(con, [pol], from_us(at_us), look_back=look_back)
    _assert_same_states(few, _through_runs(con, pol, at_us, look_back))
    _assert_matches_reference(pol, fleet, few, at_us, look_back)


def _arrived(
    fleet: dict[str, Any], lags: dict[tuple[str, str], int], after_us: int | None, upto_us: int
) -> dict[tuple[str, str], list[Sample]]:
    """The samples a sync at ``upto_us`` brings when the previous one ran at ``after_us``
    (None: the first): those that have arrived, each series' samples ``lags`` after their
    time. A lag of at most a step changes no step before the previous refresh's, which a
    refresh evaluates again."""
    return {
        (model.name, metric): [
            s
            for s in points
            if (after_us is None or s.ts + lags[model.name, metric] > after_us)
            and s.ts + lags[model.name, metric] <= upto_us
        ]
        for model in fleet["models"]
        for metric, points in model.samples.items()
    }


def _store_without_samples(con: duckdb.DuckDBPyConnection, fleet: dict[str, Any]) -> Any:
    empty = [Model(m.name, m.switches, {}, m.events, m.registered) for m in fleet["models"]]
    return _store_fleet(con, {**fleet, "models": empty})


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fleet=fleets(),
    start=st.integers(0, SPAN),
    fraction=st.integers(0, SECOND - 1),
    count=st.integers(2, 5),
    data=st.data(),
)
def test_refreshes_one_step_apart_with_arriving_samples_agree_with_a_fresh_evaluation(
    con: duckdb.DuckDBPyConnection,
    fleet: dict[str, Any],
    start: int,
    fraction: int,
    count: int,
    data: st.DataObject,
) -> None:
    pol = _store_without_samples(con, fleet)
    step = pol.spec.evaluation.step // US
    lags = {
        (model.name, metric): data.draw(st.sampled_from([0, step // 2, step]))
        for model in fleet["models"]
        for metric in METRICS
    }
    times = sorted({s.ts for m in fleet["models"] for points in m.samples.values() for s in points})
    if times and data.draw(st.booleans()):  # refreshes around a sample: it may arrive late
        first = data.draw(st.sampled_from(times)) - data.draw(st.integers(0, count)) * step
    else:
        first = T0_US + start * SECOND
    moments = [first + fraction + k * step for k in range(count + 1)]
    previous: int | None = None
    late: set[tuple[str, str]] = set()
    for index, moment in enumerate(moments):
        for (model, metric), points in _arrived(fleet, lags, previous, moment).items():
            add_samples(con, model, metric, points)
            if previous is not None and any(s.ts <= floor_step(previous, step) for s in points):
                late.add((model, metric))
        previous = moment
        fresh = evaluate_at(con, [pol], from_us(moment), look_back=timedelta(hours=6))
        if index == len(moments) - 1:  # the last: read, as mrp evaluate does
            got = current_states(con, [pol], from_us(moment))
            _assert_continued(got, fresh, late)
            continue
        assert refresh_states(con, [pol], from_us(moment)) == len(fresh)
        stored = stored_states(con)
        assert [(s.model, s.trigger, s.state) for s in stored] == [
            (f.model, f.trigger, f.state) for f in fresh
        ]
        got = current_states(con, [pol], from_us(moment))
        exact = [row[-1] for row in con.execute(sql("model_trigger_states")).fetchall()]
        for s, g, f, e in zip(stored, got, fresh, exact, strict=True):
            assert s.evaluated_at == f.at, (s, f)
            assert s.threshold == f.threshold, (s, f)
            assert _close(s.value, f.value), (s, f)
            assert (s.since, e) == (g.since, g.since_exact), (s, g)  # the read takes it over
        _assert_continued(got, fresh, late)


def _assert_continued(
    got: list[TriggerState], fresh: list[TriggerState], late: set[tuple[str, str]]
) -> None:
    """A seeded evaluation gives the fresh one's states, and its since where that is exact.
    Where a sample arrived late, at or before the stored step (``late``: model and metric),
    the stored state can disagree with the step evaluated again, and the seeded evaluation
    then does not take its since: it may say inexact what the fresh one knows exactly, and
    so do the evaluations that continue from it."""
    assert [(s.model, s.trigger, s.at, s.state) for s in got] == [
        (s.model, s.trigger, s.at, s.state) for s in fresh
    ]
    for g, f in zip(got, fresh, strict=True):
        assert _close(g.value, f.value), (g, f)
        assert g.threshold == f.threshold, (g, f)
        if (g.model, g.metric) in late and not g.since_exact:
            # inexact: the state began at or before since
            assert not f.since_exact or f.since <= g.since, (g, f)
            continue
        # both look back past the first sample: a state older than that is inexact in both
        assert g.since_exact == f.since_exact, (g, f)
        if f.since_exact:
            assert g.since == f.since, (g, f)


# NaN never reaches the metrics table: the files source, the Prometheus loader and the Parquet
# loader drop it (test_files_walkthrough, test_prometheus_sync). Infinities are kept (a
# histogram_quantile of the +Inf bucket, "inf" in a CSV), and a window of them can aggregate
# to NaN; a registered baseline can be NaN (deployments.json, MLflow). Both paths compare NaN
# as DuckDB orders it, above every number (the reference evaluator's Python comparisons would
# say false).


def _add_points(
    con: duckdb.DuckDBPyConnection, model: str, points: list[tuple[float, float]]
) -> None:
    """Samples of metric m at T0 plus minutes, values that JSON cannot carry."""
    for minutes, value in points:
        con.execute(
            "INSERT INTO metrics VALUES (?, NULL, 'm', ?, ?, 'test')",
            [model, from_us(T0_US + round(minutes * 60 * SECOND)).replace(tzinfo=None), value],
        )


def _both_paths(con: duckdb.DuckDBPyConnection, pol: Any, at_us: int) -> list[TriggerState]:
    few = evaluate_at(con, [pol], from_us(at_us))
    _assert_same_states(few, _through_runs(con, pol, at_us, None))
    return few


def _window(name: str, aggregate: str, op: str) -> dict[str, Any]:
    return {
        "name": name,
        "metric": "m",
        "aggregate": aggregate,
        "window": "5m",
        "op": op,
        "threshold": 1.0,
    }


def test_an_average_of_opposite_infinities_is_nan_above_every_threshold() -> None:
    con = store()
    add_model(con, "m1")
    _add_points(con, "m1", [(1, math.inf), (2, -math.inf)])
    pol = policy([_window("above", "avg", ">"), _window("below", "avg", "<")])
    states = _both_paths(con, pol, T0_US + 3 * 60 * SECOND)
    assert [(s.trigger, s.state) for s in states] == [("above", "firing"), ("below", "ok")]
    assert all(s.value is None or math.isnan(s.value) for s in states)  # no number to show


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([math.inf, math.inf], math.inf),
        ([-math.inf, -math.inf], -math.inf),
        ([-math.inf, 1.0], -math.inf),
        ([1.0, math.inf], math.inf),
    ],
)
def test_quantiles_of_infinite_samples_are_duckdbs_in_both_paths(
    points: list[float], expected: float
) -> None:
    """quantile_cont interpolates doubles as lo * (1 - d) + hi * d: an infinite sample gives
    an infinite quantile, not the NaN of inf - inf."""
    con = store()
    add_model(con, "m1")
    _add_points(con, "m1", [(1 + i, value) for i, value in enumerate(points)])
    pol = policy([_window("p50", "p50", ">"), _window("p95", "p95", ">")])
    states = _both_paths(con, pol, T0_US + 3 * 60 * SECOND)
    assert [s.value for s in states] == [expected, expected]


def test_a_nan_registered_baseline_is_a_nan_threshold_above_every_value() -> None:
    con = store()
    add_model(con, "m1")
    add_switches(con, "m1", [Switch(T0_US, "1")])
    add_baseline(con, "m1", "1", "m", math.nan)
    _add_points(con, "m1", [(1, 0.5), (2, 0.5)])
    rule = {"metric": "m", "baseline": "registered", "degradation": 0.1}
    pol = policy([{"name": "below", "op": "<", **rule}, {"name": "above", "op": ">", **rule}])
    states = _both_paths(con, pol, T0_US + 3 * 60 * SECOND)
    assert [(s.trigger, s.state) for s in states] == [("below", "firing"), ("above", "ok")]
    assert all(s.threshold is not None and math.isnan(s.threshold) for s in states)
