"""Microseconds since the Unix epoch: the engine's unit of time inside SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    """A time as microseconds since the epoch (a time without zone is UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // _US


def span_us(span: timedelta) -> int:
    return span // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def naive(us: int) -> datetime:
    """A naive UTC datetime, as the store's TIMESTAMP columns hold."""
    return from_us(us).replace(tzinfo=None)


def floor_step(us: int, step: int) -> int:
    return (us // step) * step


def ceil_step(us: int, step: int) -> int:
    return -((-us) // step) * step
