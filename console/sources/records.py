"""What a source brings back: the project's own records, never transport types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb


@dataclass(frozen=True)
class ModelRecord:
    name: str
    team: str | None = None
    risk_tier: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VersionRecord:
    model: str
    version: str
    created_at: datetime | None = None
    status: str | None = None
    run_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineRecord:
    model: str
    version: str
    metric: str
    value: float


@dataclass(frozen=True)
class AliasRecord:
    model: str
    alias: str
    version: str
    since: datetime | None = None


@dataclass(frozen=True)
class DeploymentRecord:
    """An alias switch the source itself knows about (with its own time and actor)."""

    model: str
    alias: str
    version: str
    previous_version: str | None
    switched_at: datetime
    actor: str | None = None


@dataclass(frozen=True)
class EventRecord:
    ts: datetime
    model: str
    kind: str
    version: str | None = None
    severity: str | None = None
    summary: str | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class SyncWarning:
    """A source answered, but something it brought (or did not) needs the user's eye: one
    sentence, lower-case first, for ``warning: SOURCE: METRIC: …``."""

    message: str
    metric: str | None = None

    def about(self, source: str) -> str:
        """``SOURCE: METRIC: message`` (no metric: ``SOURCE: message``), as `mrp sync` and
        the console's status bar say it."""
        return f"{source}: {f'{self.metric}: ' if self.metric else ''}{self.message}"


MetricLoader = Callable[[duckdb.DuckDBPyConnection, str], int]
"""Inserts a source's metric points inside the write transaction (bulk, through DuckDB's
own readers); receives the connection and the source name, returns the points written."""


@dataclass
class SourceBatch:
    """Everything one source fetched in one sync, written in one transaction.

    ``snapshot`` sources (files, mlflow, http) replace their models, versions, baselines,
    aliases and events on every sync; metrics are replaced (``replace_metrics``) or
    appended past each series' watermark.
    """

    source: str
    models: list[ModelRecord] = field(default_factory=list)
    versions: list[VersionRecord] = field(default_factory=list)
    baselines: list[BaselineRecord] = field(default_factory=list)
    aliases: list[AliasRecord] = field(default_factory=list)
    deployments: list[DeploymentRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    snapshot: bool = True
    metric_loader: MetricLoader | None = None
    replace_metrics: bool = False
    metric_names: frozenset[str] | None = None
    """The metrics the source is configured to bring, when it names them (a Prometheus
    source's templates): what it stored under other names before is not its current data."""
    staged_files: list[Path] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    warnings: list[SyncWarning] = field(default_factory=list)


@dataclass(frozen=True)
class ExecutionResult:
    """What an executor did for one rollback step (failures raise ``SourceError`` instead)."""

    mechanism: str
    """``alias_swap`` (MLflow), ``webhook`` or ``traffic_shift`` (HTTP platform)."""
    model: str
    alias: str
    version: str
    previous_version: str | None
    """What served before (None when nothing did, it is unknown, or traffic was split)."""
    already_done: bool
    """True when an earlier call with the same idempotency key had done it: nothing was sent."""
    detail: str
    """One sentence for the runbook and the audit record."""
    reference: str | None = None
    """The platform's own reference for the change, when it gives one."""
