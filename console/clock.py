"""The one source of "now": real, fixed (pinned workspaces, tests) or replayed (demo drill).

Everything inside mrp is UTC. Times are ``datetime`` objects with ``tzinfo=UTC``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import overload


def parse_time(text: str) -> datetime:
    """Parse RFC 3339 / ISO 8601; a time without zone is UTC. Raises ValueError."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, second precision."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@overload
def aware_utc(moment: datetime) -> datetime: ...
@overload
def aware_utc(moment: None) -> None: ...
def aware_utc(moment: datetime | None) -> datetime | None:
    """A time read from the state database (a ``TIMESTAMP`` comes back without zone and
    means UTC) as UTC with ``tzinfo``; ``None`` (SQL NULL) stays ``None``."""
    return None if moment is None else to_utc(moment)


def naive_utc(moment: datetime) -> datetime:
    """A time as the state database's ``TIMESTAMP`` columns take it: UTC, without zone."""
    return to_utc(moment).replace(tzinfo=None)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``, ``5m``, ``1h30m``, ``14d``. Raises ValueError with a readable message."""
    value = text.strip()
    if not value:
        raise ValueError("empty duration")
    position = 0
    seconds = 0.0
    for match in _DURATION.finditer(value):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(value) or position == 0:
        raise ValueError(f"'{text}' is not a duration like 90s, 5m, 1h30m or 14d")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """Compact human form: ``2d3h``, ``5m``, ``42s``."""
    total = int(span.total_seconds())
    if total < 0:
        return "-" + format_duration(-span)
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
        if len(parts) == 2:
            break
    return "".join(parts)


@dataclass
class Clock:
    """``fixed`` pins now; ``replay_from`` + ``speed`` replays history from a start instant."""

    fixed: datetime | None = None
    replay_from: datetime | None = None
    speed: float = 1.0
    replay_until: datetime | None = None
    _started: float = field(default_factory=time.monotonic, repr=False)

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        if self.replay_from is not None:
            elapsed = (time.monotonic() - self._started) * self.speed
            moment = self.replay_from + timedelta(seconds=elapsed)
            if self.replay_until is not None and moment > self.replay_until:
                return self.replay_until
            return moment
        return datetime.now(UTC)

    def stamp(self) -> datetime:
        """The instant to record a decision at (audit records, runbook steps): ``now()``,
        except that a replay held at the end of its history keeps counting real seconds
        past it, so what is decided there still reads in order and with its real spacing
        (``now()`` stays at the end: the data stops there)."""
        if self.fixed is None and self.replay_from is not None:
            return self.replay_from + timedelta(seconds=self._replayed(self._run()))
        return self.now()

    def _run(self) -> float:
        """Real seconds since the replay started."""
        return time.monotonic() - self._started

    def _replayed(self, run: float) -> float:
        """Seconds past ``replay_from`` that the replay stamps ``run`` real seconds after it
        started: ``speed`` to one up to the end of its history, one to one past it."""
        assert self.replay_from is not None
        moved = run * self.speed
        if self.replay_until is not None:
            history = (self.replay_until - self.replay_from).total_seconds()
            if moved > history:
                return history + (run - history / self.speed)
        return moved

    @property
    def is_replay(self) -> bool:
        return self.replay_from is not None

    @property
    def is_real(self) -> bool:
        return self.fixed is None and self.replay_from is None
