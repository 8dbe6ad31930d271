"""What this machine already proved about a log, so exporting a million records does not
re-check a million signatures every time.

After a full pass the results are kept in the user's cache folder (not in the workspace, so
whoever can edit the workspace cannot forge them), keyed by the log's real path and bound
to the SHA-256 of the bytes that were checked and to what ``signers.yaml`` trusted. A later
pass reuses them only if the log still starts with exactly those bytes and the trusted keys
are unchanged, and checks just the records appended since. A cache that cannot be read or
written is ignored: it only saves time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from console.audit.chunk import Invalid
from console.audit.keys_model import TrustedKey
from console.audit.signers_file import signers_digest

_VERSION = 1
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Proven:
    """Bytes ``[0, size)`` of the log hold ``lines`` lines; ``invalid`` failed on their own."""

    size: int
    lines: int
    digest: str
    invalid: list[Invalid]


def _cache_file(log: Path) -> Path:
    key = hashlib.sha256(str(log.resolve()).encode("utf-8")).hexdigest()[:32]
    return Path(platformdirs.user_cache_dir("mrp")) / "audit-verified" / f"{key}.json"


def digests(log: Path, cut: int, size: int) -> tuple[str, str]:
    """SHA-256 of bytes ``[0, cut)`` and of ``[0, size)``, in one read."""
    at, full = digests_at(log, {cut}, size)
    return at.get(cut, full), full


def digests_at(log: Path, cuts: set[int], size: int) -> tuple[dict[int, str], str]:
    """SHA-256 of bytes ``[0, cut)`` for each cut up to ``size``, and of ``[0, size)``, in
    one read."""
    hasher = hashlib.sha256()
    found: dict[int, str] = {}
    stops = sorted(cut for cut in cuts if 0 <= cut < size)
    position = 0
    with log.open("rb") as handle:
        while position < size:
            if stops and position == stops[0]:
                found[stops.pop(0)] = hasher.hexdigest()
                continue
            step = min(_BLOCK, size - position)
            if stops and position < stops[0] < position + step:
                step = stops[0] - position
            block = handle.read(step)
            if not block:
                break
            hasher.update(block)
            position += len(block)
    full = hasher.hexdigest()
    if size in cuts:
        found[size] = full
    return found, full


def recall(log: Path, keys: Sequence[TrustedKey]) -> Proven | None:
    """The proven prefix, if the cache holds one for this log and these keys (unchecked
    against the file's bytes: the caller compares ``digest`` with ``digests``)."""
    try:
        data: Any = json.loads(_cache_file(log).read_text(encoding="utf-8"))
        if data.get("version") != _VERSION or data.get("signers") != signers_digest(keys):
            return None
        invalid = [Invalid(int(line), seq, str(reason)) for line, seq, reason in data["invalid"]]
        return Proven(int(data["size"]), int(data["lines"]), str(data["digest"]), invalid)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def remember(log: Path, keys: Sequence[TrustedKey], proven: Proven) -> None:
    payload = {
        "version": _VERSION,
        "log": str(log.resolve()),
        "signers": signers_digest(keys),
        "size": proven.size,
        "lines": proven.lines,
        "digest": proven.digest,
        "invalid": [list(row) for row in proven.invalid],
    }
    target = _cache_file(log)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        return
