"""Per-record validity for export: is this record, read alone, exactly what a trusted key
signed (canonical line, matching hash, listed key valid at its time, role held, signature)?

Its place in the chain is ``verify``'s question, not this one. Results are cached per
machine (``console.audit.cache``), so a second export only checks new records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from console.audit import cache
from console.audit.chunk import Invalid
from console.audit.keys_model import TrustedKey
from console.audit.scan import scan_range, snapshot_size
from console.audit.verify import require_log


@dataclass(frozen=True)
class Validity:
    lines: int
    invalid: list[Invalid]
    """Lines that are not valid records, with their 1-based line numbers."""
    checked: int
    """Lines checked in this call (the rest came from the cache)."""

    size: int
    """Bytes of the log this covers (the log may have grown since)."""


def record_validity(
    path: Path, signers: Sequence[TrustedKey], *, workers: int | None = None
) -> Validity:
    require_log(path)
    size = snapshot_size(path)
    known = cache.recall(path, signers)
    cut = known.size if known is not None and known.size <= size else 0
    prefix, digest = cache.digests(path, cut, size)
    if known is None or cut == 0 or prefix != known.digest:
        known = cache.Proven(0, 0, "", [])
    results = scan_range(path, signers, known.size, size, all_records=True, workers=workers)
    invalid = list(known.invalid)
    lines = known.lines
    for chunk in results:
        invalid.extend(row._replace(line=lines + row.line + 1) for row in chunk.invalid)
        lines += chunk.lines
    cache.remember(path, signers, cache.Proven(size, lines, digest, invalid))
    return Validity(lines, invalid, lines - known.lines, size)
