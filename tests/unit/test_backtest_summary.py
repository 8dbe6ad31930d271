"""What `mrp backtest` prints per trigger: fires, firing time, first fire after each deploy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.triggers import Transition
from console.triggers.backtest import Replay
from console.triggers.summary import Deploy, summarize

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
