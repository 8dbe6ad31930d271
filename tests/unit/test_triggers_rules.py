"""One test per rule of the trigger engine (docs/triggers.md), on small hand-made histories."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from test_triggers_support import (
    add_baseline,
    add_events,
    add_model,
    add_samples,
    add_switches,
    at,
    policy,
    samples_every_minute,
    store,
    us,
)

from console.triggers import backtest, evaluate_at
from console.triggers.reference import Event, Sample, Switch


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = store()
    add_model(connection, "m1")
    return connection


def changes(
    con: duckdb.DuckDBPyConnection, pol: Any, start: float = 0, end: float = 60
) -> list[tuple[float, str]]:
    """(minute, new state) of every transition between T0+start and T0+end minutes."""
    return [
        ((t.at - at(0)).total_seconds() / 60, t.to_state)
        for t in backtest(con, [pol], at(start), at(end))
    ]


def floor_rule(**extra: Any) -> Any:
    return policy(
        [{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.9, "for": "5m", **extra}]
    )


def test_exactly_at_the_threshold_does_not_hold_for_strict_comparisons(
    con: duckdb.DuckDBPyConnection,
) -> None:
    add_samples(con, "m1", "acc", samples_every_minute([0.9] * 30))
    assert changes(con, floor_rule(), end=29) == []
    at_most = policy(
        [{"name": "floor", "metric": "acc", "op": "<=", "threshold": 0.9, "for": "5m"}]
    )
    assert changes(con, at_most, end=29) == [(0, "pending"), (5, "firing")]


def test_flapping_under_for_stays_pending_and_never_fires(con: duckdb.DuckDBPyConnection) -> None:
    values = ([0.8] * 3 + [0.95] * 2) * 8  # 3 minutes bad, 2 good
    add_samples(con, "m1", "acc", samples_every_minute(values))
    got = changes(con, floor_rule(), end=len(values) - 1)
    assert "firing" not in [state for _m, state in got]
    assert got[:4] == [(0, "pending"), (3, "ok"), (5, "pending"), (8, "ok")]
    instant = floor_rule(**{"for": "0s"})
    assert [s for _m, s in changes(con, instant, end=len(values) - 1)].count("firing") == 8


def test_a_gap_shorter_than_the_staleness_does_not_reset_the_for_clock(
    con: duckdb.DuckDBPyConnection,
) -> None:
    values = [0.8, 0.8, None, None, None, None, 0.8, 0.8, 0.8, 0.8]  # 4 minutes without samples
    add_samples(con, "m1", "acc", samples_every_minute(values))
    assert changes(con, floor_rule(), end=9) == [(0, "pending"), (5, "firing")]


def test_a_gap_longer_than_the_staleness_is_no_data_and_resets(
    con: duckdb.DuckDBPyConnection,
) -> None:
    values = [0.8, 0.8, 0.8] + [None] * 7 + [0.8] * 8  # last sample at 2, back at 10
    add_samples(con, "m1", "acc", samples_every_minute(values))
    # the sample at minute 2 still counts at minute 7 (5m staleness, inclusive), not at 8
    assert changes(con, floor_rule(), end=17) == [
        (0, "pending"),
        (5, "firing"),
        (8, "no_data"),
        (10, "pending"),
        (15, "firing"),
    ]


def test_steps_are_multiples_of_the_step_since_the_epoch(con: duckdb.DuckDBPyConnection) -> None:
    add_samples(con, "m1", "acc", [Sample(us(3), 0.5), Sample(us(4.5), 0.5)])
    rule = policy([{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.9}], step="5m")
    # no data at 0 (no change from the start), seen first at 5 (the step after 4.5), stale
    # at 10 (5.5 minutes old)
    assert changes(con, rule, end=12) == [(5, "firing"), (10, "no_data")]


def test_for_not_a_whole_number_of_steps_rounds_up(con: duckdb.DuckDBPyConnection) -> None:
    add_samples(con, "m1", "acc", samples_every_minute([0.5] * 10))
    assert changes(con, floor_rule(**{"for": "90s"}), end=9) == [(0, "pending"), (2, "firing")]


def test_no_data_at_all(con: duckdb.DuckDBPyConnection) -> None:
    add_samples(con, "m1", "other", samples_every_minute([1.0] * 10))
    assert changes(con, floor_rule(), end=9) == []  # no data at any step: no change either
    assert changes(con, floor_rule(on_no_data="ok"), end=9) == []
    assert changes(con, floor_rule(on_no_data="firing"), end=9) == [(0, "pending"), (5, "firing")]
    state = evaluate_at(con, [floor_rule()], at(9))[0]
    assert (state.state, state.value, state.last_sample_ts) == ("no_data", None, None)
    assert state.reason == "no acc sample in the 11m looked at"


def moves(
    con: duckdb.DuckDBPyConnection, pol: Any, start: float = 0, end: float = 60
) -> list[tuple[float, str, str]]:
    """(minute, from, to) of every transition between T0+start and T0+end minutes."""
    return [
        ((t.at - at(0)).total_seconds() / 60, t.from_state, t.to_state)
        for t in backtest(con, [pol], at(start), at(end))
    ]


def test_samples_that_begin_after_the_history_starts_are_no_change_at_the_start(
    con: duckdb.DuckDBPyConnection,
) -> None:
    add_samples(con, "m1", "other", samples_every_minute([1.0] * 30))  # history from 0
    values = [0.8] * 8 + [None] * 7 + [0.95] * 5  # acc from minute 10 to 29
    add_samples(con, "m1", "acc", samples_every_minute(values, start=10))
    # the whole stored history (0 to 29): no ok -> no_data at 0, nothing was known before
    replayed = backtest(con, [floor_rule()])
    assert [(t.at, t.from_state, t.to_state) for t in replayed][:1] == [
        (at(10), "no_data", "pending")
    ]
    assert moves(con, floor_rule(), end=29) == [
        (10, "no_data", "pending"),
        (15, "pending", "firing"),
        (23, "firing", "no_data"),  # last sample at 17, stale after 22
        (25, "no_data", "ok"),
    ]
    # the same without data at the first step, but the condition holding there with on_no_data
    assert moves(con, floor_rule(on_no_data="firing"), end=12) == [
        (0, "ok", "pending"),
        (5, "pending", "firing"),
    ]
    # starting pending or firing is still a change from ok, as Prometheus shows the alert
    assert moves(con, floor_rule(), start=12, end=18) == [
        (12, "ok", "pending"),
        (17, "pending", "firing"),  # the for clock starts with the span
    ]
    assert moves(con, floor_rule(**{"for": "0s"}), start=12, end=14) == [(12, "ok", "firing")]


def test_a_trigger_without_data_in_the_whole_span_shows_no_transition(
    con: duckdb.DuckDBPyConnection,
) -> None:
    add_samples(con, "m1", "acc", samples_every_minute([0.8] * 5))
    add_samples(con, "m1", "acc", samples_every_minute([0.8] * 5, start=30))
    assert moves(con, floor_rule(), start=12, end=28) == []  # between the two runs of samples
    assert moves(con, floor_rule(), start=12, end=30) == [(30, "no_data", "pending")]
    assert moves(con, floor_rule(on_no_data="ok"), start=12, end=28) == []


def test_trigger_on_no_data_overrides_the_policy(con: duckdb.DuckDBPyConnection) -> None:
    add_samples(con, "m1", "other", samples_every_minute([1.0] * 10))
    pol = policy(
        [{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.9, "on_no_data": "ok"}],
        on_no_data="firing",
    )
    assert changes(con, pol, end=9) == []


def test_a_window_never_mixes_versions(con: duckdb.DuckDBPyConnection) -> None:
    add_switches(con, "m1", [Switch(us(-60), "1"), Switch(us(30), "2", "1")])
    add_samples(
        con, "m1", "lat", samples_every_minute([1.0] * 40, version="1")
    )  # v1 keeps reporting
    add_samples(con, "m1", "lat", samples_every_minute([3.0] * 10, start=30, version="2"))
    rule = policy(
        [
            {
                "name": "lat",
                "metric": "lat",
                "aggregate": "avg",
                "window": "15m",
                "op": ">",
                "threshold": 2.0,
            }
        ]
    )
    before, after = evaluate_at(con, [rule], at(29)), evaluate_at(con, [rule], at(35))
    assert (before[0].value, before[0].version) == (1.0, "1")
    assert (after[0].value, after[0].version, after[0].state) == (3.0, "2", "firing")
    assert changes(con, rule, end=39) == [(30, "firing")]


def test_a_version_switch_restarts_the_for_clock(con: duckdb.DuckDBPyConnection) -> None:
    add_switches(con, "m1", [Switch(us(-60), "1"), Switch(us(10), "2", "1")])
    add_samples(con, "m1", "acc", samples_every_minute([0.5] * 10, version="1"))
    add_samples(con, "m1", "acc", samples_every_minute([0.5] * 10, start=10, version="2"))
    assert changes(con, floor_rule(), end=19) == [
        (0, "pending"),
        (5, "firing"),
        (10, "pending"),
        (15, "firing"),
    ]


def test_previous_version_baseline_relative_degradation(con: duckdb.DuckDBPyConnection) -> None:
    add_switches(con, "m1", [Switch(us(-60), "1"), Switch(us(30), "2", "1")])
    add_samples(con, "m1", "lat", samples_every_minute([1.0] * 15 + [2.0] * 15, version="1"))
    add_samples(
        con, "m1", "lat", samples_every_minute([2.4] * 5 + [2.6] * 20, start=30, version="2")
    )
    regression = {
        "name": "regression",
        "metric": "lat",
        "aggregate": "max",
        "window": "10m",
        "baseline": "previous_version",
        "op": ">",
        "degradation": "25%",
        "for": "2m",
    }
    rule = policy([regression])
    state = evaluate_at(con, [rule], at(40), look_back=at(30) - at(0))[0]
    assert state.baseline == 2.0  # max of version 1 over [20m, 30m): the window before the switch
    assert state.threshold == 2.0 * 1.25
    assert (state.state, state.value, state.since) == ("firing", 2.6, at(37))
    absolute = policy([{**regression, "degradation": 0.5}])
    assert evaluate_at(con, [absolute], at(40))[0].threshold == 2.5


def test_missing_baselines_are_no_data_with_a_reason(con: duckdb.DuckDBPyConnection) -> None:
    add_switches(con, "m1", [Switch(us(-60), "1")])
    add_samples(con, "m1", "lat", samples_every_minute([5.0] * 10, version="1"))
    for baseline, said in (
        ("previous_version", "no previous version"),
        ("registered", "no registered lat baseline"),
    ):
        rule = policy(
            [{"name": "b", "metric": "lat", "baseline": baseline, "op": ">", "degradation": "10%"}],
            on_no_data="firing",
        )
        state = evaluate_at(con, [rule], at(9))[0]
        assert state.state == "no_data" and state.threshold is None
        assert state.reason is not None and said in state.reason
    add_baseline(con, "m1", "1", "lat", 4.0)
    rule = policy(
        [{"name": "b", "metric": "lat", "baseline": "registered", "op": ">", "degradation": "10%"}]
    )
    state = evaluate_at(con, [rule], at(9))[0]
    assert (state.state, state.baseline, state.threshold) == ("firing", 4.0, 4.0 * 1.1)


def test_event_triggers(con: duckdb.DuckDBPyConnection) -> None:
    add_switches(con, "m1", [Switch(us(-60), "1"), Switch(us(40), "2", "1")])
    add_events(
        con,
        "m1",
        [
            Event(us(4.5), "security_finding", "medium", "1"),  # below min_severity
            Event(us(5.5), "security_finding", "high", "1"),  # fires from 6 until the switch
            Event(us(10), "security_finding", "critical", "9"),  # another version: ignored
            Event(us(42), "security_finding", "high", None, resolved_at=us(50)),  # any version
        ],
    )
    rule = policy([{"name": "sec", "event": "security_finding", "min_severity": "high"}])
    assert changes(con, rule, end=59) == [(6, "firing"), (40, "ok"), (42, "firing"), (50, "ok")]
    state = evaluate_at(con, [rule], at(45), look_back=at(10) - at(0))[0]
    assert (state.state, state.since, state.kind, state.metric) == (
        "firing",
        at(42),
        "event",
        "security_finding",
    )


def test_current_state_reads_only_the_evaluation_window(con: duckdb.DuckDBPyConnection) -> None:
    add_samples(con, "m1", "acc", samples_every_minute([0.5] * 120))
    state = evaluate_at(con, [floor_rule()], at(119))[0]
    assert state.state == "firing" and not state.since_exact  # began before the steps looked at
    assert state.since is not None and state.since <= at(118)
    exact = evaluate_at(con, [floor_rule()], at(119), look_back=at(120) - at(0))[0]
    assert (exact.since, exact.since_exact, exact.held_for) == (at(5), True, at(119) - at(0))
