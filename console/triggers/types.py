"""What the trigger engine answers: trigger states at an instant, and transitions over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

State = Literal["ok", "pending", "firing", "no_data"]
Kind = Literal["threshold", "baseline", "event"]

STATES: tuple[State, ...] = ("ok", "no_data", "pending", "firing")
STATE_RANK: dict[str, int] = {"ok": 0, "no_data": 1, "pending": 2, "firing": 3}
"""How bad a state is: the worst state of a model is the one with the highest rank."""


class TriggerState(NamedTuple):
    """One trigger of one model as evaluated at ``at`` (the last evaluation step at or
    before the instant asked about). A named tuple: a current-state evaluation builds 8,000
    of these, 3 ms this way against 13 ms as a frozen dataclass."""

    model: str
    policy: str
    trigger: str
    kind: Kind
    metric: str | None
    """The metric a metric trigger watches; the event kind for an event trigger."""
    state: State
    since: datetime | None
    """When the current state began. For ``firing`` that is when it started firing; for
    ``pending`` when the condition first held. Exact unless ``since_exact`` is false: then
    the state already held at the first step looked at, and it began at or before this."""
    value: float | None
    """The value compared (latest sample or window aggregate); None without data and for
    event triggers."""
    threshold: float | None
    """The threshold in force (for a baseline trigger: derived from the baseline)."""
    baseline: float | None
    severity: str
    action: str
    for_: timedelta
    held_for: timedelta | None
    """How long the condition has held (pending and firing), else None."""
    last_sample_ts: datetime | None
    """The latest sample of the serving version among the data looked at."""
    reason: str | None
    """Why the state is what it is when that is not obvious (no data, missing baseline)."""
    at: datetime
    version: str | None = None
    """The version serving at ``at`` (None when unknown)."""
    op: str | None = None
    since_exact: bool = True

    @classmethod
    def from_fields(cls, values: tuple[Any, ...]) -> TriggerState:
        """A state from all its fields in declaration order."""
        assert len(values) == len(cls._fields)
        return tuple.__new__(cls, values)


@dataclass(frozen=True)
class Transition:
    """A change of one trigger's state at an evaluation step."""

    model: str
    trigger: str
    at: datetime
    from_state: State
    to_state: State
    value: float | None
    policy: str = ""
