"""The runbook's audit records, written exactly once each.

Every record a runbook writes carries ``details.runbook`` (its id) and ``details.record`` (a
key naming the step, e.g. ``open``, ``approve:bob``, ``execute#1``). A step is committed in
three durable moves:

1. the runbook file is saved with the step's results and the record as ``pending``;
2. the record is appended to the audit log, unless the log already holds it (a process
   killed between 2 and 3 left it there) — found by scanning back to ``audit_floor``;
3. the runbook file is saved with the record's ``seq`` and no pending record.

A process that resumes first finishes a pending record the same way, so no record is lost
and none is written twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from console.audit.actions import rule_for
from console.audit.keys_model import Signer
from console.audit.log import AuditLog
from console.clock import Clock
from console.errors import MrpError
from console.runbook.crash import crashpoint
from console.runbook.model import PendingRecord, Runbook
from console.runbook.store import RunbookStore

_BLOCK = 65536


def pending(
    runbook: Runbook, key: str, action: str, signer: Signer, details: dict[str, Any]
) -> PendingRecord:
    return PendingRecord(
        key=key,
        action=action,
        signer=signer.name,
        role=signer.role,
        details={**runbook.base_details(), "record": key, **details},
    )


def find_record(path: Path, runbook_id: str, key: str, floor: int) -> int | None:
    """The seq of this runbook's record ``key`` among the records after ``floor``."""
    needle = f'"runbook":"{runbook_id}"'.encode()
    for line in _lines_backwards(path):
        try:
            record = json.loads(line)
            seq = int(record["seq"])
        except (ValueError, KeyError, TypeError):
            continue
        if seq <= floor:
            return None
        if needle in line:
            details = record.get("details") or {}
            if details.get("runbook") == runbook_id and details.get("record") == key:
                return seq
    return None


def commit(
    store: RunbookStore,
    log: AuditLog,
    clock: Clock,
    runbook: Runbook,
    record: PendingRecord,
    signer: Signer,
) -> Runbook:
    """Save ``runbook`` (the step's outcome) with ``record`` pending, then write the record."""
    staged = runbook.model_copy(update={"pending": record, "updated_at": clock.stamp()})
    store.save(staged)
    crashpoint(f"{record.key}.saved")
    return flush(store, log, clock, staged, signer)


def flush(
    store: RunbookStore, log: AuditLog, clock: Clock, runbook: Runbook, signer: Signer
) -> Runbook:
    """Write the runbook's pending record (once) and save the runbook without it."""
    record = runbook.pending
    if record is None:
        return runbook
    seq = find_record(log.path, runbook.id, record.key, runbook.audit_floor)
    if seq is None:
        if signer.name == record.signer and record.role is not None:
            signer = signer.with_role(record.role)
        elif signer.name != record.signer and rule_needs_role(record.action):
            raise MrpError(
                f"the {record.action} record of runbook {runbook.id} can only be signed by "
                f"{record.signer}; ask them to run `mrp runbook resume {runbook.id}`."
            )
        written = log.append(
            signer,
            record.action,
            runbook.model,
            record.details,
            runbook.policy_digest,
            clock.stamp(),
        )
        seq = written.seq
        crashpoint(f"{record.key}.audited")
    done = runbook.model_copy(
        update={
            "pending": None,
            "audit": {**runbook.audit, record.key: seq},
            "updated_at": clock.stamp(),
        }
    )
    store.save(done)
    crashpoint(f"{record.key}.done")
    return done


def rule_needs_role(action: str) -> bool:
    rule = rule_for(action)
    return rule is not None and rule.needs_role


def _lines_backwards(path: Path) -> Iterator[bytes]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        position = os.fstat(fd).st_size
        rest = b""
        while position > 0:
            start = max(0, position - _BLOCK)
            block = os.pread(fd, position - start, start) + rest
            position = start
            lines = block.split(b"\n")
            rest = lines[0]
            for line in reversed(lines[1:]):
                if line:
                    yield line
        if rest:
            yield rest
    finally:
        os.close(fd)
