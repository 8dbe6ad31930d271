"""Times to and from the state database: one pair of helpers, UTC either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from console.clock import aware_utc, naive_utc

PARIS = timezone(timedelta(hours=1))


def test_aware_utc() -> None:
    assert aware_utc(None) is None
    assert aware_utc(datetime(2026, 11, 2, 12, 0)) == datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    moved = aware_utc(datetime(2026, 11, 2, 13, 0, tzinfo=PARIS))
    assert moved.tzinfo is UTC and moved.hour == 12


def test_naive_utc() -> None:
    assert naive_utc(datetime(2026, 11, 2, 13, 0, tzinfo=PARIS)) == datetime(2026, 11, 2, 12, 0)
    assert naive_utc(datetime(2026, 11, 2, 12, 0)) == datetime(2026, 11, 2, 12, 0)
