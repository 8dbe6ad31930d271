"""``mrp audit verify``: every hash, every link, every sequence number and every signature,
against ``signers.yaml``; the first bad record named by line and seq, and why.

Whole records cut from the end leave a perfectly valid shorter log: only a checkpoint (a
signed head kept elsewhere) can catch that, see ``console.audit.checkpoint``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from console.audit import cache
from console.audit.check import PHASE_HASH
from console.audit.chunk import ChunkResult, link_problem
from console.audit.keys_model import TrustedKey
from console.audit.record import ZERO_HASH
from console.audit.scan import scan_range, snapshot_size
from console.errors import MrpError


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

    @property
    def message(self) -> str:
        if self.ok:
            return f"{self.path.name}: {self.count} records verified; head seq {self.head_seq}."
        return f"{where(self.path, self.first_bad_line, self.first_bad_seq)}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        bad = None
        if not self.ok:
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
        raise MrpError(f"There is no audit log at {path} (nothing has been recorded yet).")


def verify_log(
    path: Path, signers: Sequence[TrustedKey], *, workers: int | None = None
) -> VerifyResult:
    """Verify the whole log at ``path`` (as it is when the call starts)."""
    require_log(path)
    size = snapshot_size(path)
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
    if result.ok:
        cache.remember(path, signers, cache.Proven(size, result.count, digests[0][1], []))
        result = replace(result, sha256=digests[0][1])
    return result


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
