"""What the workspace shows the audit log held, so that a log deleted, emptied or cut
short does not pass for a new one.

A missing log is what a new workspace has, and also what deleting the log looks like; a
shorter log is a perfectly valid chain. What tells them apart is evidence beside the log
that records were written: a runbook that recorded the seq of a record it wrote (see
``RunbookStore.audit_evidence``), the append lock file ``audit.jsonl.lock`` (created by the
first append and never removed; readers do not create it), or a checkpoint the auditor hands
in (``console.audit.checkpoint``). Gather the evidence *before* reading the log: what it
shows was written is then already in the log read after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from console.audit.log import AuditLog
from console.audit.verify import VerifyResult


@dataclass(frozen=True)
class Evidence:
    """``path`` shows that the log once held at least ``seq`` records; ``what`` says how,
    as the end of a sentence about the log (``runbook rb-... records that it held seq 4``)."""

    path: Path
    seq: int
    what: str

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.path), "seq": self.seq, "what": self.what}


def lock_evidence(log: Path) -> Evidence | None:
    """The append lock file, if it exists: an append was made (only appends create it)."""
    lock = AuditLog(log).lock_path
    if not lock.is_file():
        return None
    return Evidence(lock, 1, f"its lock file {lock.name} shows that records were appended to it")


def strongest(evidence: Iterable[Evidence]) -> Evidence | None:
    """The evidence of the most records."""
    return max(evidence, key=lambda e: e.seq, default=None)


def hold_to(result: VerifyResult, evidence: Iterable[Evidence]) -> VerifyResult:
    """``result``, failed (with no bad record named) when the log verified but ends before
    the seq the strongest ``evidence`` shows it held."""
    best = strongest(evidence)
    if not result.ok or best is None or result.head_seq >= best.seq:
        return result
    return replace(result, ok=False, reason=f"{result.ending}, but {best.what}: {result.loss}")
