"""What `mrp backtest` prints per trigger: fires, firing time, first fire after each deploy;
and per trigger of a policy across its models, how much of the replay it had data for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.triggers import Transition
from console.triggers.backtest import Coverage, Replay
from console.triggers.summary import Deploy, Fire, fires, overview, share, summarize

T0 = datetime(2026, 11, 14, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def change(minutes: int, before: str, after: str, trigger: str = "floor") -> Transition:
    return Transition("m1", trigger, at(minutes), before, after, None, "p")  # type: ignore[arg-type]


def test_fires_firing_time_and_first_fire_after_each_deploy() -> None:
    replay = Replay(
        at(0),
        at(100),
        (
            change(10, "ok", "pending"),
            change(15, "pending", "firing"),
            change(30, "firing", "ok"),
            change(50, "ok", "no_data"),
            change(60, "no_data", "firing"),  # for: 0s after the data came back
            change(5, "ok", "pending", "other"),
        ),
    )
    deploys = [Deploy("m1", "6", at(0)), Deploy("m1", "7", at(40)), Deploy("m1", "8", at(90))]
    floor, other = summarize(replay, deploys)
    assert (floor.trigger, floor.fired, floor.pending, floor.no_data) == ("floor", 2, 1, 1)
    assert floor.firing_time == timedelta(minutes=15 + 40)  # 15..30, then 60..100 (the end)
    assert [(a.version, a.delay) for a in floor.after_deploys] == [
        ("6", timedelta(minutes=15)),
        ("7", timedelta(minutes=20)),
        ("8", None),
    ]
    assert (other.trigger, other.fired, other.firing_time) == ("other", 0, timedelta(0))


def test_no_transitions_no_summaries() -> None:
    assert summarize(Replay(at(0), at(10), ()), []) == []


def test_a_replay_that_begins_without_data_counts_that_stretch() -> None:
    """A trigger that starts in no_data has no transition into it, only out of it."""
    replay = Replay(
        at(0),
        at(60),
        (
            change(10, "no_data", "pending"),
            change(15, "pending", "firing"),
            change(20, "firing", "no_data"),
            change(30, "no_data", "ok"),
            change(40, "no_data", "ok", "late"),
        ),
    )
    floor, late = summarize(replay, [])
    assert (floor.fired, floor.pending, floor.no_data) == (1, 1, 2)
    assert floor.firing_time == timedelta(minutes=5)
    assert (late.trigger, late.fired, late.pending, late.no_data) == ("late", 0, 0, 1)


def test_two_policies_naming_a_trigger_alike_are_summarized_apart() -> None:
    fired = Transition("m1", "floor", at(5), "ok", "firing", None, "p")
    held = Transition("m1", "floor", at(6), "ok", "pending", None, "q")
    got = summarize(Replay(at(0), at(10), (fired, held)))
    assert [(s.policy, s.fired, s.pending) for s in got] == [("p", 1, 0), ("q", 0, 1)]


def covered(
    model: str, trigger: str, steps: int, no_data: int = 0, *, no_baseline: int = 0
) -> Coverage:
    """A pair of policy p on metric m: ``no_data`` steps without data, of which
    ``no_baseline`` for want of a baseline (the rest without a sample)."""
    return Coverage(model, "p", trigger, "m", steps, no_data - no_baseline, no_baseline, no_data)


def test_every_trigger_is_listed_with_its_no_data_share_even_without_transitions() -> None:
    replay = Replay(
        at(0),
        at(100),
        (change(10, "ok", "firing"), change(20, "firing", "ok"), change(30, "ok", "firing")),
        (
            covered("m1", "floor", 100),
            covered("m2", "floor", 100, 25),
            covered("m1", "typo", 100, 100),  # never had data: no transition at all
            covered("m2", "typo", 100, 100),
        ),
    )
    floor, typo = overview(replay)
    assert (floor.trigger, floor.models, floor.fired_in, floor.fires) == (
        "floor",
        ("m1", "m2"),
        1,
        2,
    )
    assert (floor.no_data_share, floor.never_had_data, floor.note) == (0.125, False, "")
    assert (typo.trigger, typo.fires, typo.no_data_share, typo.never_had_data) == (
        "typo",
        0,
        1.0,
        True,
    )
    assert typo.note == (
        "never had data: no sample of 'm' for any of its 2 models; check the metric name"
    )


def test_a_trigger_without_data_for_some_models_says_how_many_and_which() -> None:
    pairs = [covered(f"m{n}", "floor", 60, 60 if n in (2, 3, 5, 6) else 6) for n in range(1, 8)]
    (floor,) = overview(Replay(at(0), at(60), (), tuple(pairs)))
    assert not floor.never_had_data
    assert floor.without_data == ("m2", "m3", "m5", "m6")
    assert floor.note == "no data for 4 of 7 models: m2, m3, m5 and 1 more"
    assert share(floor.no_data_share) == f"{(4 * 60 + 3 * 6) / (7 * 60):.0%}"


def test_missing_baselines_and_models_that_never_served_are_told_apart() -> None:
    baseline = (covered("m1", "drift", 60, 60, no_baseline=60),)
    assert overview(Replay(at(0), at(60), (), baseline))[0].note == (
        "never had data: no baseline for its model; check its baseline"
    )
    partly = (covered("m1", "drift", 60, 30, no_baseline=15), covered("m2", "drift", 60))
    assert overview(Replay(at(0), at(60), (), partly))[0].note == "no baseline at 12% of steps"
    unserved = (covered("m1", "drift", 0), covered("m2", "drift", 0))
    (drift,) = overview(Replay(at(0), at(60), (), unserved))
    assert (drift.models, drift.no_data_share, drift.never_had_data) == ((), None, False)
    assert drift.note == "not evaluated: none of its 2 models served in the span"


@pytest.mark.parametrize(
    ("part", "text"),
    [(None, "-"), (0.0, "0%"), (0.004, "<1%"), (0.125, "12%"), (0.996, ">99%"), (1.0, "100%")],
)
def test_a_share_never_rounds_a_little_to_none_or_almost_all_to_all(
    part: float | None, text: str
) -> None:
    assert share(part) == text


def test_every_fire_with_how_long_it_lasted_and_its_value() -> None:
    """A flapping trigger shows as many short fires; one still firing lasts to the end."""
    replay = Replay(
        at(0),
        at(100),
        (
            Transition("m1", "floor", at(10), "pending", "firing", 0.8, "p"),
            Transition("m1", "floor", at(11), "firing", "ok", 0.95, "p"),
            Transition("m2", "floor", at(20), "ok", "firing", None, "q"),
            Transition("m1", "floor", at(30), "pending", "firing", 0.7, "p"),
            Transition("m1", "floor", at(31), "firing", "no_data", None, "p"),
            Transition("m1", "floor", at(50), "no_data", "firing", 0.6, "p"),
        ),
    )
    assert fires(replay) == [
        Fire("m1", "p", "floor", at(10), timedelta(minutes=1), False, 0.8),
        Fire("m2", "q", "floor", at(20), timedelta(minutes=80), True, None),
        Fire("m1", "p", "floor", at(30), timedelta(minutes=1), False, 0.7),
        Fire("m1", "p", "floor", at(50), timedelta(minutes=50), True, 0.6),
    ]
