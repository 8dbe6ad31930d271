"""The contract every source implements, and what a sync hands it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from console.settings import Workspace
from console.sources.records import ExecutionResult, SourceBatch


@dataclass(frozen=True)
class SyncContext:
    workspace: Workspace
    now: datetime
    staging_dir: Path
    """A private temporary folder for staged response files, removed after the write."""
    watermarks: dict[tuple[str, str], datetime] = field(default_factory=dict)
    """(model, metric) -> last stored sample time, for this source."""
    known_models: tuple[str, ...] = ()
    """Models the state database knows (for sources that bring only metrics)."""
    source_state: dict[str, str] = field(default_factory=dict)
    """What this source remembered at its last successful sync (``source_state`` table)."""


class Source(Protocol):
    name: str

    async def fetch(self, context: SyncContext) -> SourceBatch:
        """Fetch everything new. Raise ``SourceError`` with one sentence on failure."""
        ...


class Executor(Protocol):
    """Moves a model's alias to a version for the rollback runbook (MLflow alias swap or the
    HTTP platform's signed webhook). Idempotent per ``idempotency_key``; confirms the move
    by reading it back; raises ``SourceError`` with one sentence when it did not happen."""

    async def current(self, model: str, alias: str | None = None) -> str | None:
        """The version ``alias`` (default: the source's serving alias) points at, or None."""
        ...

    async def move_alias(
        self,
        model: str,
        alias: str,
        version: str,
        idempotency_key: str,
        *,
        actor: str | None = None,
        reason: str | None = None,
    ) -> ExecutionResult: ...
