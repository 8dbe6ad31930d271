"""A private copy of exactly the bytes whose validity was checked, for DuckDB to read.

Two reasons not to let DuckDB read ``audit.jsonl`` itself for an export: records appended
while the export runs were never checked, and a reader can see a damaged line differently
from the checker (duplicate keys, invalid UTF-8, escapes). So a clean log is copied as is
(in the kernel, often as a reflink), and in a damaged one each bad line is replaced by the
checker's own reading of it, marked ``"_invalid": true``; lines that are no record at all
are left out. Every row DuckDB then sees is either a checked record or marked invalid.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from console.audit.record import canonical_json

INVALID_MARK = "_invalid"


def write_snapshot(log: Path, size: int, invalid_lines: Iterable[int]) -> Path:
    """Copy bytes ``[0, size)`` of ``log`` to a temporary file beside it; the caller deletes it."""
    handle, name = tempfile.mkstemp(prefix=".audit-export-", suffix=".jsonl", dir=log.parent)
    target = Path(name)
    try:
        with os.fdopen(handle, "wb") as out, log.open("rb") as source:
            bad = set(invalid_lines)
            if bad:
                _rewrite(source, out, size, bad)
            else:
                _copy(source, out, size)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _copy(source: BinaryIO, out: BinaryIO, size: int) -> None:
    remaining = size
    try:
        while remaining > 0:
            copied = os.copy_file_range(source.fileno(), out.fileno(), remaining)
            if copied == 0:
                break
            remaining -= copied
    except (AttributeError, OSError):  # no copy_file_range here, or not across these files
        source.seek(size - remaining)
        out.seek(size - remaining)
        while remaining > 0:
            block = source.read(min(remaining, 1 << 20))
            if not block:
                break
            out.write(block)
            remaining -= len(block)


def _rewrite(source: BinaryIO, out: BinaryIO, size: int, bad: set[int]) -> None:
    position = 0
    for number, line in enumerate(source, start=1):
        if position >= size:
            break
        raw = line[: size - position]
        position += len(raw)
        if number not in bad:
            out.write(raw)
            continue
        try:
            parsed = json.loads(raw)
            if not isinstance(parsed, dict):
                continue
            parsed[INVALID_MARK] = True
            out.write(canonical_json(parsed).encode("utf-8") + b"\n")
        except ValueError:  # not JSON, or numbers JSON cannot hold: no record to show
            continue
