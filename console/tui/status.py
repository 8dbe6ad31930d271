"""What the status bar shows, as one immutable value the app publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.fleet import SourceHealth


@dataclass(frozen=True)
class StatusInfo:
    sources: tuple[SourceHealth, ...] = ()
    problems: tuple[str, ...] = ()
    refresh_error: str | None = None
    """Why the last live refresh failed (cleared by the next good one)."""
    refreshed_at: datetime | None = None
    """Wall-clock time of the last good refresh."""
    busy: str | None = None
    """What a running worker is doing ("syncing", "evaluating")."""
    stale_models: int = 0
