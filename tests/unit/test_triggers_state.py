"""Stored trigger states: refresh_states continues from the previous refresh (only the steps
since are evaluated) and agrees with a fresh evaluation over the whole history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_triggers_property import cases
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

from console.triggers import engine, evaluate_at
from console.triggers.reference import Switch
from console.triggers.state import current_states, refresh_states, stored_states
from console.triggers.timeutil import from_us

SECOND = 1_000_000


def floor_rule() -> Any:
    return policy([{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.9, "for": "5m"}])


def test_refresh_carries_since_over_and_evaluates_only_new_steps() -> None:
    con = store()
    add_model(con, "m1")
    add_samples(con, "m1", "acc", samples_every_minute([0.95] * 10 + [0.5] * 100))
    assert refresh_states(con, [floor_rule()], at(12)) == 1
    first = current_states(con, [floor_rule()], at(12))[0]
    assert (first.state, first.since, first.since_exact) == ("pending", at(10), True)
    stored = stored_states(con)
    assert [(s.state, s.since, s.evaluated_at) for s in stored] == [("pending", at(10), at(12))]
    # two hours later the condition has held all along: firing since 10 + 5
    refresh_states(con, [floor_rule()], at(100))
    later = current_states(con, [floor_rule()], at(100))[0]
    assert (later.state, later.since, later.since_exact) == ("firing", at(15), True)
    assert later.held_for == timedelta(minutes=90)
    # read-only callers (mrp evaluate) continue from the store the same way
    assert current_states(con, [floor_rule()], at(101))[0].since == at(15)


def test_a_stored_state_that_no_longer_matches_is_not_continued() -> None:
    con = store()
    add_model(con, "m1")
    add_samples(con, "m1", "acc", samples_every_minute([0.5] * 30))
    refresh_states(con, [floor_rule()], at(20))
    con.execute("UPDATE trigger_states SET state = 'ok'")  # as if written by other data
    state = current_states(con, [floor_rule()], at(25))[0]
    assert (state.state, state.since_exact) == ("firing", False)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return store()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    case=cases(), gaps=st.lists(st.integers(0, 40).map(lambda n: n * 30), min_size=1, max_size=5)
)
def test_incremental_refreshes_agree_with_a_fresh_evaluation(
    con: duckdb.DuckDBPyConnection, case: dict[str, Any], gaps: list[int]
) -> None:
    for table in ("models", "metrics", "deployment_events", "aliases", "events", "baselines"):
        con.execute(f"DELETE FROM {table}")
    con.execute("DELETE FROM trigger_states")
    con.execute("DELETE FROM source_state")
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
    moment = at(30)
    for gap in gaps:
        moment += timedelta(seconds=gap)
        stored_count = refresh_states(con, [pol], moment)
        stored = stored_states(con)
        refreshed = current_states(con, [pol], moment)
        fresh = evaluate_at(con, [pol], moment, look_back=timedelta(hours=4))
        assert stored_count == len(stored) == len(fresh)
        assert [(s.state, s.threshold) for s in stored] == [(f.state, f.threshold) for f in fresh]
        assert [(s.at, s.state) for s in refreshed] == [(s.at, s.state) for s in fresh]
        for r, f in zip(refreshed, fresh, strict=True):
            assert r.value == f.value or abs((r.value or 0) - (f.value or 0)) < 1e-9, (r, f)
            assert r.threshold == f.threshold, (r, f)
            if f.since_exact:
                assert (r.since, r.since_exact) == (f.since, True), (r, f, from_us(0))


@pytest.fixture
def continued(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each seeded evaluation took its serving periods and thresholds from the
    stored states (``engine._stored_rules``) or recomputed them."""
    answers: list[bool] = []
    original = engine._stored_rules

    def spy(*args: Any) -> bool:
        answers.append(original(*args))
        return answers[-1]

    monkeypatch.setattr(engine, "_stored_rules", spy)
    return answers


def registered_rule(degradation: str = "10%") -> Any:
    return policy(
        [
            {
                "name": "acc-drop",
                "metric": "acc",
                "op": "<",
                "baseline": "registered",
                "degradation": degradation,
            }
        ]
    )


def serving_v2() -> duckdb.DuckDBPyConnection:
    con = store()
    add_model(con, "m1")
    add_switches(con, "m1", [Switch(us(0), "v1"), Switch(us(5), "v2", "v1")])
    add_samples(con, "m1", "acc", samples_every_minute([0.8] * 100, start=5, version="v2"))
    add_baseline(con, "m1", "v2", "acc", 0.9)
    return con


def test_a_refresh_with_nothing_changed_continues_from_the_stored_rules(
    continued: list[bool],
) -> None:
    con = serving_v2()
    refresh_states(con, [registered_rule()], at(60))
    refresh_states(con, [registered_rule()], at(61))
    state = current_states(con, [registered_rule()], at(62))[0]
    assert continued == [True, True]  # the first refresh had nothing stored to continue
    assert (state.state, state.version, state.threshold) == ("firing", "v2", pytest.approx(0.81))


def test_a_changed_rule_baseline_or_serving_version_is_recomputed(
    continued: list[bool],
) -> None:
    con = serving_v2()
    refresh_states(con, [registered_rule()], at(60))
    # the trigger's definition changed: its digest no longer matches
    state = current_states(con, [registered_rule("20%")], at(61))[0]
    assert continued[-1] is False
    assert state.threshold == pytest.approx(0.72)
    # the registered baseline changed
    con.execute("UPDATE baselines SET value = 0.95")
    state = current_states(con, [registered_rule()], at(61))[0]
    assert continued[-1] is False
    assert state.threshold == pytest.approx(0.855)
    # the alias switched to another version after the stored period began
    refresh_states(con, [registered_rule()], at(61))
    con.execute("DELETE FROM aliases")
    add_switches(con, "m1", [Switch(us(61.5), "v3", "v2")])
    add_baseline(con, "m1", "v3", "acc", 0.5)
    add_samples(con, "m1", "acc", samples_every_minute([0.8] * 3, start=61.5, version="v3"))
    state = current_states(con, [registered_rule()], at(62))[0]
    assert continued[-1] is False
    assert (state.state, state.version, state.threshold) == ("ok", "v3", pytest.approx(0.45))


def test_a_failed_evaluation_leaves_no_working_tables_and_its_own_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con = serving_v2()
    original = engine._execute

    def failing(con_: duckdb.DuckDBPyConnection, name: str, params: Any = None) -> None:
        if name == "triggers/rules":
            con_.execute("SELECT no_such_column FROM mrp_pair")
        original(con_, name, params)

    monkeypatch.setattr(engine, "_execute", failing)
    with pytest.raises(duckdb.BinderException, match="no_such_column"):
        refresh_states(con, [registered_rule()], at(60))
    assert stored_states(con) == []
    tables = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'mrp_%'"
    ).fetchone()
    assert tables == (0,)
    monkeypatch.setattr(engine, "_execute", original)
    assert refresh_states(con, [registered_rule()], at(60)) == 1


def test_a_switch_stored_before_it_happened_ends_the_stored_period(
    continued: list[bool],
) -> None:
    con = serving_v2()
    con.execute("DELETE FROM aliases")
    add_switches(con, "m1", [Switch(us(61.5), "v3", "v2")])  # scheduled: known at 60 already
    add_baseline(con, "m1", "v3", "acc", 0.5)
    add_samples(con, "m1", "acc", samples_every_minute([0.8] * 3, start=61.5, version="v3"))
    refresh_states(con, [registered_rule()], at(60))
    assert stored_states(con)[0].threshold == pytest.approx(0.81)
    refresh_states(con, [registered_rule()], at(63))
    assert continued[-1] is False
    state = current_states(con, [registered_rule()], at(63))[0]
    assert (state.state, state.version, state.threshold) == ("ok", "v3", pytest.approx(0.45))


def test_two_policies_naming_a_trigger_alike_store_the_first_one() -> None:
    con = store()
    add_model(con, "m1")
    add_samples(con, "m1", "acc", samples_every_minute([0.5] * 30))
    first = policy([{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.9}], name="a")
    second = policy([{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.1}], name="b")
    for minute in (20, 21, 22):
        assert refresh_states(con, [first, second], at(minute)) == 1
        assert [(s.policy, s.state) for s in stored_states(con)] == [("a", "firing")]
    assert refresh_states(con, [second, first], at(23)) == 1
    assert [(s.policy, s.state) for s in stored_states(con)] == [("b", "ok")]


def test_a_refresh_forgets_models_no_longer_selected_and_adds_new_ones() -> None:
    con = store()
    for name in ("m1", "m2", "m3"):
        add_model(con, name)
        add_samples(con, name, "acc", samples_every_minute([0.5] * 30))
    rule = [{"name": "floor", "metric": "acc", "op": "<", "threshold": 0.9}]
    assert refresh_states(con, [policy(rule, models=["m1", "m2"])], at(20)) == 2
    assert refresh_states(con, [policy(rule, models=["m2", "m3"])], at(21)) == 2
    stored = stored_states(con)
    assert [(s.model, s.evaluated_at) for s in stored] == [("m2", at(21)), ("m3", at(21))]


def test_states_stored_for_another_alias_are_not_continued(continued: list[bool]) -> None:
    con = serving_v2()
    add_switches(con, "m1", [Switch(us(0), "v3")], alias="challenger")
    add_baseline(con, "m1", "v3", "acc", 0.5)
    add_samples(con, "m1", "acc", samples_every_minute([0.8] * 100, start=5, version="v3"))
    refresh_states(con, [registered_rule()], at(60))
    refresh_states(con, [registered_rule()], at(61), alias="challenger")
    assert continued[-1] is False
    assert stored_states(con)[0].threshold == pytest.approx(0.45)
    refresh_states(con, [registered_rule()], at(62))
    assert continued[-1] is False
    state = current_states(con, [registered_rule()], at(62))[0]
    assert (state.state, state.version, state.threshold) == ("firing", "v2", pytest.approx(0.81))


def test_continued_evaluations_run_on_one_thread_and_fresh_ones_on_the_default() -> None:
    """The thread count is the database's: an evaluation that continues from stored states
    (a few steps) leaves it at one (a second thread costs it more than it brings); one that
    starts afresh (previous versions' history read for baselines) and a backtest put
    DuckDB's default back."""
    from console.triggers.backtest import backtest

    con = store()
    con.execute("RESET threads")
    threads = "SELECT current_setting('threads')"
    default = con.execute(threads).fetchone()
    add_model(con, "m1")
    add_samples(con, "m1", "acc", samples_every_minute([0.95] * 10 + [0.5] * 20))
    con.execute("SET threads = 1")
    evaluate_at(con, [floor_rule()], at(20))  # nothing stored: afresh
    assert con.execute(threads).fetchone() == default
    refresh_states(con, [floor_rule()], at(25))  # the first looks six hours back
    assert con.execute(threads).fetchone() == default
    refresh_states(con, [floor_rule()], at(26))  # continues from the first: two steps
    assert con.execute(threads).fetchone() == (1,)
    current_states(con, [floor_rule()], at(27))
    assert con.execute(threads).fetchone() == (1,)
    assert [t.to_state for t in backtest(con, [floor_rule()])] == ["pending", "firing"]
    assert con.execute(threads).fetchone() == default
