"""The history screen's rows: past rollbacks and deployments, events and audit records, as
one time-ordered list with filters and a CSV writer. Plain data; the screen renders it."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.clock import format_time
from console.model_detail import EventInfo, Switch

CSV_COLUMNS = ("at", "origin", "model", "action", "actor", "version", "detail")


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    origin: str
    """Where the row comes from: ``audit``, ``deployments`` or ``events``."""
    model: str | None
    action: str
    actor: str | None
    version: str | None
    detail: str

    @property
    def about_rollback(self) -> bool:
        """A rollback seen in the deployments, or a record of a rollback runbook."""
        return self.action == "rollback" or self.action.startswith("runbook.")

    def matches(self, model: str, action: str, text: str) -> bool:
        if model and model.lower() not in (self.model or "").lower():
            return False
        wanted = action.lower()
        rollback_wanted = wanted in "rollback" and self.about_rollback
        if wanted and wanted not in self.action.lower() and not rollback_wanted:
            return False
        if text:
            haystack = " ".join(
                (self.origin, self.model or "", self.action, self.actor or "", self.detail)
            ).lower()
            return text.lower() in haystack
        return True


@dataclass(frozen=True)
class History:
    now: datetime
    rows: tuple[HistoryRow, ...]
    problem: str | None = None
    """A sentence when part of the history could not be read (an unreadable audit log)."""


def switch_row(switch: Switch) -> HistoryRow:
    action = "rollback" if switch.rollback else "deploy"
    previous = f" (was {switch.previous_version})" if switch.previous_version else ""
    how = "observed at sync" if switch.observed else "from the source's history"
    return HistoryRow(
        at=switch.at,
        origin="deployments",
        model=switch.model,
        action=action,
        actor=switch.actor,
        version=switch.version,
        detail=f"{action} to {switch.version}{previous}, {how}",
    )


def event_row(model: str, event: EventInfo) -> HistoryRow:
    severity = f"[{event.severity}] " if event.severity else ""
    return HistoryRow(
        at=event.ts,
        origin="events",
        model=model,
        action=event.kind,
        actor=None,
        version=event.version,
        detail=f"{severity}{event.summary or ''}".strip(),
    )


def audit_row(
    at: datetime, model: str | None, action: str, actor: str, details: dict[str, Any]
) -> HistoryRow:
    version = details.get("version") or details.get("target")
    reason = details.get("reason") or details.get("text") or details.get("summary")
    detail = str(reason) if reason else json.dumps(details, sort_keys=True, default=str)
    return HistoryRow(
        at=at,
        origin="audit",
        model=model,
        action=action,
        actor=actor,
        version=None if version is None else str(version),
        detail=detail,
    )


def newest_first(rows: Iterable[HistoryRow]) -> tuple[HistoryRow, ...]:
    return tuple(sorted(rows, key=lambda r: r.at, reverse=True))


def write_csv(rows: Sequence[HistoryRow], path: Path) -> int:
    """Write ``rows`` as CSV (times in UTC, RFC 3339); returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(
                (
                    format_time(row.at),
                    row.origin,
                    row.model or "",
                    row.action,
                    row.actor or "",
                    row.version or "",
                    row.detail,
                )
            )
    return len(rows)
