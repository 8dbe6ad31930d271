"""The ``RollbackPolicy`` document (DESIGN.md: Policy, concretely) as pydantic models.

Durations are written ``90s``, ``5m``, ``1h30m``; a relative degradation is ``25%``, an
absolute one a plain number. Unknown keys are errors.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from console.clock import format_duration, parse_duration, parse_time


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, bool):
        raise ValueError("a duration like 90s, 5m or 1h30m is required")
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("a duration like 90s, 5m or 1h30m is required")
        if value < 0:
            raise ValueError(f"a duration cannot be negative (got {value:g})")
        if value != 0:
            raise ValueError(
                f"{value:g} has no unit: write {value:g}s, {value:g}m or {value:g}h "
                "(a duration like 90s, 5m or 1h30m)"
            )
        span = timedelta(0)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("-"):
            raise ValueError(f"a duration cannot be negative (got '{value}')")
        try:
            span = parse_duration(text)
        except OverflowError:
            raise ValueError(f"'{value}' is too long a duration") from None
        except ValueError as error:
            raise ValueError(f"{error}{_spelled_out(text)}") from None
    else:
        raise ValueError("a duration like 90s, 5m or 1h30m is required")
    if span < timedelta(0):
        raise ValueError(f"a duration cannot be negative (got '{value}')")
    return span


_SPELLED_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]+)$", re.IGNORECASE)
_UNIT_WORDS = {
    "ms": ("msec", "msecs", "millisecond", "milliseconds"),
    "s": ("sec", "secs", "second", "seconds"),
    "m": ("min", "mins", "minute", "minutes"),
    "h": ("hr", "hrs", "hour", "hours"),
    "d": ("day", "days"),
    "w": ("wk", "wks", "week", "weeks"),
}


def _spelled_out(text: str) -> str:
    """``(write 5m)`` for ``5 minutes``, ``5 min`` or ``5M``; "" when no unit is recognised."""
    match = _SPELLED_DURATION.match(text)
    if match is None:
        return ""
    amount, word = match.group(1), match.group(2).lower()
    for unit, words in _UNIT_WORDS.items():
        if word == unit or word in words:
            return f" (write {amount}{unit})"
    return ""


def _positive(span: timedelta | None) -> timedelta | None:
    if span is not None and span <= timedelta(0):
        raise ValueError("must be longer than 0s")
    return span


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str),
    Field(json_schema_extra={"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"}),
]

Number = Annotated[float, Field(strict=True)]
"""A number written as one: ``"0.9"`` (quoted) is text, as the JSON Schema says."""

Op = Literal["<", "<=", ">", ">="]
Aggregate = Literal["avg", "min", "max", "last", "p50", "p95", "p99"]
Severity = Literal["info", "low", "medium", "high", "critical"]
Action = Literal["rollback", "page", "block_promotion"]
NoData = Literal["no_data", "ok", "firing"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )


class Selector(_Strict):
    models: list[str] = Field(default_factory=lambda: ["*"])
    """Model name globs (fnmatch, case-sensitive)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Every tag listed must match (the value may be a glob)."""
    risk_tiers: list[str] = Field(default_factory=list)
    """Empty means any tier."""
    teams: list[str] = Field(default_factory=list)
    """Owning teams; empty means any team."""

    @field_validator("models")
    @classmethod
    def _some_models(cls, models: list[str]) -> list[str]:
        if not models:
            raise ValueError("an empty list selects no model (leave 'models' out for all)")
        return models


class Evaluation(_Strict):
    step: Duration = timedelta(minutes=1)
    staleness: Duration = timedelta(minutes=5)

    _check_positive = field_validator("step", "staleness")(_positive)


class Trigger(_Strict):
    """A metric trigger (``metric`` + ``op`` + ``threshold`` or ``baseline``) or an event
    trigger (``event`` + ``min_severity``)."""

    name: str
    metric: str | None = None
    event: str | None = None
    op: Op | None = None
    threshold: Number | None = None
    aggregate: Aggregate = "last"
    window: Duration | None = None
    baseline: Literal["previous_version", "registered"] | Number | None = None
    degradation: float | str | None = None
    """Relative (``25%``) or absolute (a plain number) worsening against the baseline."""
    for_: Duration = Field(default=timedelta(0), alias="for")
    severity: Severity = "high"
    action: Action = "page"
    min_severity: Severity = "low"
    on_no_data: NoData | None = None

    _check_name = field_validator("name")(_not_blank)
    _check_finite = field_validator("threshold")(_finite)
    _check_window = field_validator("window")(_positive)

    @field_validator("baseline")
    @classmethod
    def _check_baseline(cls, value: str | float | None) -> str | float | None:
        if isinstance(value, float):
            _finite(value)
        return value

    @field_validator("degradation")
    @classmethod
    def _check_degradation(cls, value: float | str | None) -> float | str | None:
        amount = relative_degradation(value) if isinstance(value, str) else value
        if amount is not None and not math.isfinite(amount):
            raise ValueError("must be a finite number")
        if amount is not None and amount < 0:
            raise ValueError(
                f"a degradation cannot be negative (got '{value}'); 'op' says which way is worse"
            )
        return value

    @model_validator(mode="after")
    def _check_shape(self) -> Trigger:
        if (self.metric is None) == (self.event is None):
            raise ValueError("a trigger needs exactly one of 'metric' or 'event'")
        if self.event is not None:
            given = self.model_fields_set
            for key in ("op", "threshold", "baseline", "degradation", "window", "aggregate"):
                if key in given:
                    raise ValueError(f"'{key}' does not apply to an event trigger")
        elif "min_severity" in self.model_fields_set:
            raise ValueError("'min_severity' only applies to an event trigger")
        if self.metric is not None:
            if self.op is None:
                raise ValueError("a metric trigger needs 'op' (<, <=, > or >=)")
            if self.threshold is None and self.baseline is None:
                if self.degradation is not None:
                    raise ValueError(
                        "'degradation' needs a 'baseline' to be measured from (previous_version, "
                        "registered or a number); for a fixed limit write 'threshold' instead"
                    )
                raise ValueError(
                    "a metric trigger needs exactly one of 'threshold' (a fixed limit) or "
                    "'baseline' (with 'degradation')"
                )
            if self.threshold is not None and self.baseline is not None:
                raise ValueError(
                    "a metric trigger needs exactly one of 'threshold' or 'baseline', not both"
                )
            if self.baseline is not None and self.degradation is None:
                raise ValueError("a baseline trigger needs 'degradation' (e.g. 25% or 0.02)")
            if self.threshold is not None and self.degradation is not None:
                raise ValueError("'degradation' only applies with 'baseline', not 'threshold'")
            if self.aggregate != "last" and self.window is None:
                raise ValueError(f"aggregate '{self.aggregate}' needs a 'window'")
        if isinstance(self.degradation, str):
            relative_degradation(self.degradation)
        return self

    @property
    def kind(self) -> Literal["threshold", "baseline", "event"]:
        if self.event is not None:
            return "event"
        return "baseline" if self.baseline is not None else "threshold"

    @property
    def degradation_is_relative(self) -> bool:
        return isinstance(self.degradation, str) and self.degradation.strip().endswith("%")

    @property
    def degradation_amount(self) -> float:
        """The degradation as a fraction (relative) or in the metric's unit (absolute)."""
        if self.degradation is None:
            return 0.0
        if isinstance(self.degradation, str):
            return relative_degradation(self.degradation)
        return float(self.degradation)


def relative_degradation(text: str) -> float:
    value = text.strip()
    try:
        if value.endswith("%"):
            return float(value[:-1]) / 100.0
        return float(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a degradation like 25% or 0.02") from None


class Approvals(_Strict):
    required: int = Field(default=1, ge=1, le=10, strict=True)
    roles: list[str] = Field(default_factory=list)
    """Roles that may approve; empty means any trusted signer."""
    break_glass: bool = False
    """Allow one signer to override with a written reason."""


class Verify(_Strict):
    window: Duration = timedelta(minutes=15)

    _check_window = field_validator("window")(_positive)


class FreezeWindow(_Strict):
    """A change freeze: no rollback between ``start`` and ``end`` (RFC 3339; UTC if no zone)
    without break-glass."""

    start: str
    end: str
    reason: str = ""

    @field_validator("start", "end")
    @classmethod
    def _check_time(cls, value: str) -> str:
        try:
            parse_time(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a time like 2026-12-24T00:00:00Z") from None
        return value

    @model_validator(mode="after")
    def _check_order(self) -> FreezeWindow:
        if self.ends_at <= self.starts_at:
            raise ValueError("a freeze window's 'end' must be after its 'start'")
        return self

    @property
    def starts_at(self) -> datetime:
        return parse_time(self.start)

    @property
    def ends_at(self) -> datetime:
        return parse_time(self.end)


class Rollback(_Strict):
    target: str = "previous_approved"
    """``previous_approved`` or a pinned version."""

    _check_target = field_validator("target")(_not_blank)
    mechanism: Literal["alias_swap", "traffic_shift", "webhook"] = "alias_swap"
    approvals: Approvals = Approvals()
    verify: Verify = Verify()
    cooldown: Duration = timedelta(hours=1)
    freeze: list[FreezeWindow] = Field(default_factory=list)


class Spec(_Strict):
    selector: Selector = Selector()
    evaluation: Evaluation = Evaluation()
    triggers: list[Trigger] = Field(default_factory=list)
    on_no_data: NoData = "no_data"
    rollback: Rollback | None = None


class Metadata(_Strict):
    name: str
    owner: str | None = None
    description: str | None = None

    _check_name = field_validator("name")(_not_blank)


class RollbackPolicy(_Strict):
    api_version: Literal["mrp/v1"] = Field(alias="apiVersion")
    kind: Literal["RollbackPolicy"]
    metadata: Metadata
    spec: Spec
