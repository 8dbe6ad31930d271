"""``mrp audit verify``: every hash, every link, every sequence number and every signature,
against ``signers.yaml``; the first bad record named by line and seq, and why.

Whole records cut from the end leave a perfectly valid shorter log: a checkpoint (a
signed head kept elsewhere) catches that, see ``console.audit.checkpoint``, and so does
what the workspace shows the log held (``console.audit.expected``): a missing log is how
deleting it looks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from console.audit import cache, expected
from console.audit.check import PHASE_HASH
from console.audit.chunk import ChunkResult, link_problem
from console.audit.keys_model import TrustedKey
from console.audit.record import ZERO_HASH
from console.audit.scan import scan_range, snapshot_size
from console.errors import MrpError
from console.text import plural


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of verifying one log. ``count`` is the number of good records before the
    first bad one (all of them when ``ok``); ``head_*`` is the last good record."""

    path: Path
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    first_bad_line: int | None = None
    first_bad_seq: int | None = None
    reason: str | None = None
    size: int = 0
    """Bytes of the log that were verified."""
    sha256: str = ""
    """SHA-256 (hex) of those bytes, when the log verified."""
    exists: bool = True
    """False when there is no log file (read as an empty log)."""

    @property
    def message(self) -> str:
        if self.ok and not self.exists:
            return f"no records yet: the first signed decision starts the log at {self.path}."
        if self.ok and self.count == 0:
            return f"{self.path.name}: no records yet (the file is empty)."
        if self.ok:
            return f"{self.path.name}: {plural(self.count, 'record')} verified; head seq {self.head_seq}."
        if self.first_bad_line is None:  # no bad record: records are missing
            return str(self.reason)
        return f"{where(self.path, self.first_bad_line, self.first_bad_seq)}: {self.reason}"

    @property
    def ending(self) -> str:
        """Where the log ends, to begin a sentence about records it should hold."""
        return expected.ending(self.path, self.exists, self.head_seq)

    @property
    def loss(self) -> str:
        """What happened, if the log should hold more records than it does."""
        return expected.loss(self.exists)

    def to_json(self) -> dict[str, object]:
        bad = None
        if not self.ok and self.first_bad_line is not None:
            bad = {"line": self.first_bad_line, "seq": self.first_bad_seq, "reason": self.reason}
        return {
            "ok": self.ok,
            "path": str(self.path),
            "records": self.count,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "first_bad": bad,
        }


def where(path: Path, line: int | None, seq: int | None) -> str:
    return f"{path.name} line {line}" + (f" (seq {seq})" if seq is not None else "")


def require_log(path: Path) -> None:
    if not path.is_file():
        raise MrpError(f"there is no audit log at {path} (nothing has been recorded yet).")


def verify_log(
    path: Path,
    signers: Sequence[TrustedKey],
    *,
    workers: int | None = None,
    missing_ok: bool = False,
) -> VerifyResult:
    """Verify the whole log at ``path`` (as it is when the call starts). No log is an
    MrpError, or with ``missing_ok`` an empty log that verifies (``exists`` False): whether
    the workspace shows it should hold records is ``console.audit.expected``'s question."""
    try:  # waits for an append in progress, which may be creating the file
        size: int | None = snapshot_size(path)
    except FileNotFoundError:
        size = None
    if size is None and missing_ok:
        empty = hashlib.sha256(b"").hexdigest()
        return VerifyResult(path, True, 0, 0, ZERO_HASH, size=0, sha256=empty, exists=False)
    require_log(path)
    size = size if size is not None else snapshot_size(path)
    digests: list[tuple[str, str]] = []
    results = scan_range(
        path,
        signers,
        0,
        size,
        all_records=False,
        workers=workers,
        meanwhile=lambda: digests.append(cache.digests(path, size, size)),
    )
    result = stitch(path, results, size)
    if not result.ok:
        result = _placed_later(result, size)
    if result.ok:
        cache.remember(path, signers, cache.Proven(size, result.count, digests[0][1], []))
        result = replace(result, sha256=digests[0][1])
    return result


def _placed_later(result: VerifyResult, size: int) -> VerifyResult:
    """``result``, its reason made exact when the record missing at the first bad line is
    further down the log (lines swapped or moved), not gone."""
    missing, line = result.head_seq + 1, result.first_bad_line
    if line is None or result.first_bad_seq is None or result.first_bad_seq <= missing:
        return result
    if not (result.reason or "").startswith("has sequence number"):
        return result
    with result.path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if handle.tell() > size:
                break
            if number > line and _seq_of(raw) == missing:
                return replace(
                    result,
                    reason=f"has sequence number {result.first_bad_seq} where {missing} was "
                    f"expected; seq {missing} is on line {number} (records are out of order)",
                )
    return result


def _seq_of(raw: bytes) -> int | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    seq = record.get("seq") if isinstance(record, dict) else None
    return seq if type(seq) is int else None


def stitch(path: Path, results: list[ChunkResult], size: int) -> VerifyResult:
    """Join chunk results in file order: check each chunk's first link against the chunk
    before, and report the first problem in reading order."""
    expected_seq, expected_prev = 1, ZERO_HASH
    line_base = good = 0
    for chunk in results:
        problem = chunk.problem
        first = chunk.first
        early = problem is not None and problem.at == 0 and problem.phase <= PHASE_HASH
        if first is not None and not early:
            link = link_problem(first, expected_seq, expected_prev)
            if link is not None:
                return _bad(path, good, expected_seq, expected_prev, line_base + 1, first.seq, link)
        if problem is not None:
            return _bad(
                path,
                good + chunk.good,
                (chunk.last_seq or expected_seq - 1) + 1 if chunk.good else expected_seq,
                chunk.last_hash if chunk.good and chunk.last_hash else expected_prev,
                line_base + problem.at + 1,
                problem.seq,
                problem.reason,
            )
        good += chunk.good
        line_base += chunk.lines
        if chunk.last_seq is not None and chunk.last_hash is not None:
            expected_seq, expected_prev = chunk.last_seq + 1, chunk.last_hash
    return VerifyResult(path, True, good, expected_seq - 1, expected_prev, size=size)


def _bad(
    path: Path,
    good: int,
    next_seq: int,
    head_hash: str,
    line: int,
    seq: int | None,
    reason: str,
) -> VerifyResult:
    return VerifyResult(path, False, good, next_seq - 1, head_hash, line, seq, reason)
