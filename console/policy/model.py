"""The ``RollbackPolicy`` document (DESIGN.md: Policy, concretely) as pydantic models.

Durations are written ``90s``, ``5m``, ``1h30m``; a relative degradation is ``25%``, an
absolute one a plain number. Unknown keys are errors.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from console.clock import format_duration, parse_duration


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration like 90s, 5m or 1h30m is required")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError("a duration like 90s, 5m or 1h30m is required")


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str),
    Field(json_schema_extra={"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"}),
]

Op = Literal["<", "<=", ">", ">="]
Aggregate = Literal["avg", "min", "max", "last", "p50", "p95", "p99"]
Severity = Literal["info", "low", "medium", "high", "critical"]
Action = Literal["rollback", "page", "block_promotion"]
NoData = Literal["no_data", "ok", "firing"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Selector(_Strict):
    models: list[str] = Field(default_factory=lambda: ["*"])
    """Model name globs (fnmatch)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Every tag listed must match."""
    risk_tiers: list[str] = Field(default_factory=list)
    """Empty means any tier."""


class Evaluation(_Strict):
    step: Duration = timedelta(minutes=1)
    staleness: Duration = timedelta(minutes=5)


class Trigger(_Strict):
    """A metric trigger (``metric`` + ``op`` + ``threshold`` or ``baseline``) or an event
    trigger (``event`` + ``min_severity``)."""

    name: str
    metric: str | None = None
    event: str | None = None
    op: Op | None = None
    threshold: float | None = None
    aggregate: Aggregate = "last"
    window: Duration | None = None
    baseline: Literal["previous_version", "registered"] | float | None = None
    degradation: float | str | None = None
    """Relative (``25%``) or absolute (a plain number) worsening against the baseline."""
    for_: Duration = Field(default=timedelta(0), alias="for")
    severity: Severity = "high"
    action: Action = "page"
    min_severity: Severity = "low"
    on_no_data: NoData | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Trigger:
        if (self.metric is None) == (self.event is None):
            raise ValueError("a trigger needs exactly one of 'metric' or 'event'")
        if self.metric is not None:
            if self.op is None:
                raise ValueError("a metric trigger needs 'op' (<, <=, > or >=)")
            if (self.threshold is None) == (self.baseline is None):
                raise ValueError("a metric trigger needs exactly one of 'threshold' or 'baseline'")
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
    required: int = Field(default=1, ge=1, le=10)
    roles: list[str] = Field(default_factory=list)
    """Roles that may approve; empty means any trusted signer."""
    break_glass: bool = False
    """Allow one signer to override with a written reason."""


class Verify(_Strict):
    window: Duration = timedelta(minutes=15)


class FreezeWindow(_Strict):
    start: str
    end: str
    reason: str = ""


class Rollback(_Strict):
    target: str = "previous_approved"
    """``previous_approved`` or a pinned version."""
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


class RollbackPolicy(_Strict):
    api_version: Literal["mrp/v1"] = Field(alias="apiVersion")
    kind: Literal["RollbackPolicy"]
    metadata: Metadata
    spec: Spec
