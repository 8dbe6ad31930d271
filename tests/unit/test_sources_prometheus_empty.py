"""The empty spans a Prometheus source remembers: overlap, resumption, what is forgotten."""

from __future__ import annotations

from console.sources.prometheus_empty import STATE_KEY, EmptySpans, overlap_ms

MINUTE = 60_000
HOUR = 60 * MINUTE


def test_the_overlap_is_five_minutes_in_whole_steps_and_at_least_one_step() -> None:
    assert overlap_ms(MINUTE) == 5 * MINUTE
    assert overlap_ms(MINUTE // 2) == 5 * MINUTE
    assert overlap_ms(7 * MINUTE) == 7 * MINUTE
    assert overlap_ms(HOUR) == HOUR


def test_a_span_resumes_less_the_overlap_and_is_kept_through_a_round_trip() -> None:
    spans = EmptySpans(6 * HOUR, {"k": (0, 10 * HOUR)})
    again = EmptySpans.remembered({STATE_KEY: spans.dump()}, 6 * HOUR)
    assert again == spans
    assert again.start("k", base=4 * HOUR, end=11 * HOUR, step=MINUTE) == 10 * HOUR - 5 * MINUTE
    assert again.start("k", base=4 * HOUR, end=10 * HOUR, step=MINUTE) > 10 * HOUR  # nothing due
    assert again.start("other", base=4 * HOUR, end=11 * HOUR, step=MINUTE) == 4 * HOUR


def test_after_a_sync_spans_join_restart_stay_or_go() -> None:
    before = {"a": (0, 10 * HOUR), "b": (0, HOUR), "idle": (0, HOUR), "unplanned": (0, HOUR)}
    asked = {"a": (10 * HOUR - 5 * MINUTE, 11 * HOUR), "b": (5 * HOUR, 11 * HOUR), "c": (0, HOUR)}
    after = EmptySpans(6 * HOUR, before).after(asked, found={"c"}, planned={"a", "b", "c", "idle"})
    assert after.spans == {
        "a": (0, 11 * HOUR),  # began inside the old span: one span
        "b": (5 * HOUR, 11 * HOUR),  # began after a gap: only what was asked
        "idle": (0, HOUR),  # not asked this time: kept
    }  # c found data (its watermark takes over); unplanned is no longer asked for


def test_a_longer_backfill_or_an_unreadable_value_forgets_every_span() -> None:
    dumped = EmptySpans(6 * HOUR, {"k": (0, HOUR)}).dump()
    assert EmptySpans.remembered({STATE_KEY: dumped}, 7 * HOUR).spans == {}
    assert EmptySpans.remembered({STATE_KEY: dumped}, 2 * HOUR).spans == {"k": (0, HOUR)}
    for bad in ("not json", "[1, 2]", '{"spans": {"k": 3}}', '{"spans": {"k": ["x", 1]}}'):
        assert EmptySpans.remembered({STATE_KEY: bad}, 6 * HOUR).spans == {}
    assert EmptySpans.remembered({}, 6 * HOUR).spans == {}


def test_a_pair_starts_at_the_later_of_its_own_start_and_the_span_less_the_overlap() -> None:
    """``base`` is the step after the pair's watermark (or the backfill start)."""
    spans = EmptySpans(6 * HOUR, {"k": (2 * HOUR, 10 * HOUR)})
    assert spans.start("k", base=2 * HOUR, end=11 * HOUR, step=MINUTE) == 10 * HOUR - 5 * MINUTE
    late = 10 * HOUR - 2 * MINUTE
    assert spans.start("k", base=late, end=11 * HOUR, step=MINUTE) == late
    assert spans.start("k", base=HOUR, end=11 * HOUR, step=MINUTE) == HOUR  # the clock went back
