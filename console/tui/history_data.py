"""The history screen's rows: past rollbacks and deployments, events and audit records, as
one time-ordered list with filters and a CSV writer. Plain data; the screen renders it."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from console.audit.record import AuditRecord
from console.clock import format_time
from console.inferred_history import INFERRED_ACTOR
from console.model_detail import EventInfo, Switch
from console.text import plural

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
    record: str | None = None
    """The whole audit record as indented JSON (audit rows only), shown on request."""
    seq: int | None = None
    """The audit record's place in the log: of records stamped alike, the later is newer."""
    closes_dry_run: bool = False
    """The record that closed a dry-run runbook (a rehearsal: nothing was rolled back)."""

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
    if switch.actor == INFERRED_ACTOR:
        how = "inferred from the metrics' version labels (no history before mrp's first sync)"
    elif switch.observed:
        how = "observed at sync"
    else:
        how = "from the source's history"
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


DEPLOY_EVENT_KINDS = frozenset({"deploy", "rollback"})
SAME_SWITCH = timedelta(minutes=15)
"""How far apart a deploy event and an alias switch of the same model and version may be
and still tell of the same deploy (a CI job's event and the registry's stamp differ)."""


def merge_deploys(switches: Iterable[HistoryRow], events: Iterable[HistoryRow]) -> list[HistoryRow]:
    """Switch rows and event rows, each deploy once: a deploy event that tells of a switch
    (same model and version, at most ``SAME_SWITCH`` apart, the nearest) is folded into the
    switch's row, which already has the actor, the previous version and the rollback mark;
    the event's words are kept in its detail. Other events stay rows of their own."""
    rows = list(switches)
    by_deploy: dict[tuple[str | None, str | None], list[int]] = {}
    for index, row in enumerate(rows):
        by_deploy.setdefault((row.model, row.version), []).append(index)
    told: set[int] = set()
    result_events = []
    for event in events:
        candidates = [
            i
            for i in by_deploy.get((event.model, event.version), [])
            if i not in told and abs(rows[i].at - event.at) <= SAME_SWITCH
        ]
        if event.action not in DEPLOY_EVENT_KINDS or not candidates:
            result_events.append(event)
            continue
        index = min(candidates, key=lambda i: abs(rows[i].at - event.at))
        told.add(index)
        if event.detail:
            rows[index] = replace(
                rows[index], detail=f"{rows[index].detail} · event: {event.detail}"
            )
    return rows + result_events


def audit_row(
    at: datetime,
    model: str | None,
    action: str,
    actor: str,
    details: dict[str, Any],
    record: str | None = None,
    seq: int | None = None,
) -> HistoryRow:
    return HistoryRow(
        at=at,
        origin="audit",
        model=model,
        action=action,
        actor=actor,
        version=record_versions(details),
        detail=record_summary(action, details),
        record=record,
        seq=seq,
        closes_dry_run=action == "runbook.close" and details.get("outcome") == "dry_run_complete",
    )


def full_record(record: AuditRecord) -> str:
    """The record exactly as the log holds it, indented for reading."""
    whole = {**record.body(), "hash": record.hash, "signature": record.signature}
    return json.dumps(whole, indent=2, ensure_ascii=False)


def record_versions(details: dict[str, Any]) -> str | None:
    """``12 → 11`` for a runbook record, else the version a record names."""
    before, after = details.get("from_version"), details.get("to_version")
    if before is not None or after is not None:
        return f"{before or '?'} → {after or '?'}"
    version = details.get("version") or details.get("target")
    return None if version is None else str(version)


REHEARSAL_WORDS = {"recovered": "would recover", "not_recovered": "would not recover"}


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _precheck(d: dict[str, Any]) -> str:
    """``pre-checks failed: cooldown (back to target)``; a freeze and the data's age judged
    again at approvals read ``re-judged at approvals: change_freeze failed (...)``."""
    checks = d.get("checks") or []
    failed = [str(c.get("name")) for c in checks if not c.get("ok")]
    if not d.get("passed"):
        verdict = "back to target"
    elif d.get("only_break_glass", True):  # records before the key existed: break-glass
        verdict = "only break-glass may proceed"
    else:
        verdict = "approvals wait; the policy allows no break-glass"
    if d.get("at_step") == "approvals":
        if not failed:
            judged = ", ".join(str(c.get("name")) for c in checks)
            return f"re-judged at approvals: {judged} passed"
        return f"re-judged at approvals: {', '.join(failed)} failed ({verdict})"
    if not failed:
        return "pre-checks passed"
    return f"pre-checks failed: {', '.join(failed)} ({verdict})"


def _summary(action: str, d: dict[str, Any]) -> str | None:
    step = action.removeprefix("runbook.")
    if step == "open":
        dry = " (dry run)" if d.get("dry_run") else ""
        return f"opened{dry}: {d.get('reason') or '-'}"
    if step == "target":
        return (
            f"chose {d.get('to_version') or '?'} ({d.get('rule')} suggested {d.get('suggested')})"
        )
    if step == "precheck":
        return _precheck(d)
    if step == "approve":
        enough = ", enough" if d.get("satisfied") else ""
        return f"approved ({d.get('approval')} of {d.get('required')}{enough})"
    if step == "break_glass":
        unjudged = " (checks not re-judged)" if d.get("rejudged") is False else ""
        return f"BREAK-GLASS: {d.get('reason') or '-'}{unjudged}"
    if step == "execute":
        if d.get("outcome") == "failed":
            return f"failed: {d.get('error') or '-'}"
        return str(d.get("detail") or _words(d.get("outcome") or "executed"))
    if step == "verify":
        return str(d.get("summary") or _words(d.get("outcome") or "-"))
    if step == "close":
        outcome = d.get("outcome")
        if outcome == "dry_run_complete":
            verdict = REHEARSAL_WORDS.get(str(d.get("rehearsal")), _words(d.get("rehearsal")))
            said = f"; rehearsal: {verdict}" if d.get("rehearsal") else ""
            text = f"closed: dry run complete, nothing changed{said}"
        else:
            text = f"closed: {_words(outcome or '-')}"
        return text + (f" · notes: {d['notes']}" if d.get("notes") else "")
    if step == "abort":
        return f"aborted at {d.get('at_step') or '?'}: {d.get('reason') or '-'}"
    return None


def record_summary(action: str, details: dict[str, Any]) -> str:
    """One readable line for an audit record (the whole record is one keystroke away). A
    dry run says so where it matters: when opened, executed, verified and closed."""
    said = _summary(action, details) if action.startswith("runbook.") else None
    if said is None:
        text = details.get("reason") or details.get("text") or details.get("summary")
        said = str(text) if text else _plain(details)
    return said


def _plain(details: dict[str, Any]) -> str:
    """``key value`` pairs of the simple values, for a record mrp has no words for."""
    simple = {k: v for k, v in sorted(details.items()) if isinstance(v, str | int | float | bool)}
    return " · ".join(f"{_words(k)} {v}" for k, v in simple.items()) or "(no details)"


def newest_first(rows: Iterable[HistoryRow]) -> tuple[HistoryRow, ...]:
    """By time, newest first; audit records stamped alike (a fixed clock) by seq, the last
    written first."""
    return tuple(sorted(rows, key=lambda r: (r.at, -1 if r.seq is None else r.seq), reverse=True))


def rollback_counts(rows: Iterable[HistoryRow]) -> str:
    """``↩ 2 rollbacks`` (the alias moved back to an older version), and the dry runs closed
    beside them when there are any: a rehearsal moved nothing, so it is not a rollback."""
    rows = list(rows)
    moved = sum(1 for r in rows if r.action == "rollback")
    rehearsed = sum(1 for r in rows if r.closes_dry_run)
    said = f"↩ {plural(moved, 'rollback')}"
    return f"{said}, {plural(rehearsed, 'dry run')}" if rehearsed else said


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
