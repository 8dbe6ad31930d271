"""What the workspace shows the audit log held, so that a log deleted, emptied or cut
short does not pass for a new one, and is not silently started over.

A missing log is what a new workspace has, and also what deleting the log looks like; a
shorter log is a perfectly valid chain. What tells them apart is evidence beside the log
that records were written: a runbook that recorded the seq of a record it wrote (see
``RunbookStore.audit_evidence``), the mark an append leaves in the lock file
``audit.jsonl.lock`` once its record is on disk (never removed; readers do not create the
file), or a checkpoint the auditor hands in (``console.audit.checkpoint``). Gather the evidence *before* reading the log: what it
shows was written is then already in the log read after it.

``verify``, ``show``, ``export`` and ``checkpoint`` hold a verified log to the evidence
(``hold_to``); ``AuditLog.append`` holds the log's last seq to it (``refuse_short``) and
writes nothing when it falls short, so a deleted log does not restart at seq 1 and bury the
gap under new records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from console.errors import MrpError

if TYPE_CHECKING:
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


class RecordsMissing(MrpError):
    """An append refused: the log holds fewer records than the workspace shows it held."""


def lock_path(log: Path) -> Path:
    """The append lock file beside the log (``audit.jsonl.lock``)."""
    return log.with_name(log.name + ".lock")


APPENDED_MARK = b"mrp: records were appended to the audit log beside this lock file\n"


def lock_evidence(log: Path) -> Evidence | None:
    """The append lock file, if it holds the mark an append writes once its record is on
    disk. An empty lock file shows nothing: it exists from the moment a first append opens
    it to take the lock, before anything is written (and stays if that write fails)."""
    lock = lock_path(log)
    try:
        if not lock.is_file() or lock.stat().st_size == 0:
            return None
    except OSError:
        return None
    return Evidence(lock, 1, f"its lock file {lock.name} shows that records were appended to it")


def strongest(evidence: Iterable[Evidence | None]) -> Evidence | None:
    """The evidence of the most records (None entries are skipped)."""
    return max((e for e in evidence if e is not None), key=lambda e: e.seq, default=None)


def ending(log: Path, exists: bool, seq: int) -> str:
    """Where the log ends, to begin a sentence about records it should hold."""
    if not exists:
        return f"there is no audit log at {log}"
    if seq == 0:
        return f"{log.name} holds no records"
    return f"{log.name} ends at seq {seq}"


def loss(exists: bool) -> str:
    """What happened, if the log should hold more records than it does."""
    return "the log was deleted or moved" if not exists else "records were cut from the end"


def recovery(log: Path, exists: bool, seq: int) -> str:
    """What to do about a log that should reach ``seq`` but is missing or ends before it."""
    backup = f"from a backup that reaches seq {seq}"
    restore = f"restore {log.name} {backup}"
    if not exists:
        restore = f"put {log.name} back from where it was moved, or restore it {backup}"
    return (
        f"to recover, {restore}; then run `mrp audit verify` again "
        '(docs/audit.md, "Recovering a lost or cut log").'
    )


def shortfall(log: Path, exists: bool, seq: int, evidence: Iterable[Evidence | None]) -> str | None:
    """Why a log that ends at ``seq`` (0: missing or empty) holds fewer records than the
    strongest ``evidence`` shows it held, or None when it holds them all."""
    best = strongest(evidence)
    if best is None or seq >= best.seq:
        return None
    return f"{ending(log, exists, seq)}, but {best.what}: {loss(exists)}"


def refuse_short(log: Path, exists: bool, seq: int, evidence: Iterable[Evidence | None]) -> None:
    """Raise ``RecordsMissing`` (exit 2) when appending after ``seq`` would start over a log
    that the ``evidence`` shows held more."""
    reason = shortfall(log, exists, seq, evidence)
    if reason is not None:
        raise RecordsMissing(
            f"{reason}, so nothing was recorded; restore the log from a backup "
            "(`mrp audit verify` says more)."
        )


def hold_to(result: VerifyResult, evidence: Iterable[Evidence | None]) -> VerifyResult:
    """``result``, failed (with no bad record named) when the log verified but ends before
    the seq the strongest ``evidence`` shows it held."""
    if not result.ok:
        return result
    reason = shortfall(result.path, result.exists, result.head_seq, evidence)
    return result if reason is None else replace(result, ok=False, reason=reason)
