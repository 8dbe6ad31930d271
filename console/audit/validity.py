"""Per-record validity for export: is this record, read alone, exactly what a trusted key
signed (canonical line, matching hash, listed key valid at its time, role held, signature)?

Its place in the chain is ``verify``'s question, not this one. Results are cached per
machine (``console.audit.cache``), so a second export only checks new records. An auditor
may also hand over a checkpoint (``console.audit.checkpoint``): the prefix of the log its
signer verified is then checked by its SHA-256 alone, and only the records after it one by
one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from console.audit import cache
from console.audit.checkpoint import Checkpoint, vouched_prefix
from console.audit.chunk import ChunkResult, Invalid
from console.audit.keys_model import TrustedKey
from console.audit.scan import scan_range, snapshot_size
from console.audit.verify import require_log


@dataclass(frozen=True)
class Validity:
    lines: int
    invalid: list[Invalid]
    """Lines that are not valid records, with their 1-based line numbers."""
    checked: int
    """Lines checked in this call (the rest came from the cache or the checkpoint)."""

    size: int
    """Bytes of the log this covers (the log may have grown since)."""
    vouched: int = 0
    """Lines not checked here or before on this machine, but by the signer of the
    checkpoint handed in (their bytes unchanged since: same SHA-256)."""


_NOTHING = cache.Proven(0, 0, "", [])


def record_validity(
    path: Path,
    signers: Sequence[TrustedKey],
    *,
    workers: int | None = None,
    checkpoint: Checkpoint | None = None,
    copy: Path | None = None,
) -> Validity:
    """Validity of every line of the log at ``path``; or, given ``copy`` (a private copy of
    the log's first bytes), of exactly the bytes in ``copy``: what is hashed and checked is
    then what the caller goes on to read, even if someone rewrites the log meanwhile."""
    require_log(path)
    source = copy if copy is not None else path
    size = source.stat().st_size if copy is not None else snapshot_size(path)
    known = cache.recall(path, signers)
    vouched = vouched_prefix(source, size, checkpoint, signers) if checkpoint else None
    starts = [p for p in (known, vouched) if p is not None and 0 < p.size <= size]
    if starts:  # which of them still describes the log's bytes?
        at, digest = cache.digests_at(source, {p.size for p in starts}, size)
        good = [p for p in starts if at.get(p.size) == p.digest]
        base = max(good, key=lambda p: (p.size, p is known), default=_NOTHING)
        results = scan_range(source, signers, base.size, size, all_records=True, workers=workers)
    else:  # nothing known: hash the log while the workers check it
        base, hashed = _NOTHING, []
        results = scan_range(
            source,
            signers,
            0,
            size,
            all_records=True,
            workers=workers,
            meanwhile=lambda: hashed.append(cache.digests(source, size, size)[1]),
        )
        digest = hashed[0]
    lines, invalid = _collect(base, results)
    if base is not vouched:  # the cache holds only what this machine checked
        cache.remember(path, signers, cache.Proven(size, lines, digest, invalid))
    return Validity(
        lines,
        invalid,
        lines - base.lines,
        size,
        base.lines if base is vouched else 0,
    )


def _collect(base: cache.Proven, results: list[ChunkResult]) -> tuple[int, list[Invalid]]:
    invalid = list(base.invalid)
    lines = base.lines
    for chunk in results:
        invalid.extend(row._replace(line=lines + row.line + 1) for row in chunk.invalid)
        lines += chunk.lines
    return lines, invalid
