"""Checking many records fast: split the log at line boundaries, check chunks in worker
processes (Ed25519 verification is CPU-bound and does not share a core), stitch in order.

Workers read their own byte range from the file, so nothing large crosses a pipe; each
returns a small summary: the chunk's first and last links, its first problem (verify mode)
or every record that fails on its own (validity mode, for export). Small logs are checked in
process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import fcntl
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

from console.audit.check import (
    PHASE_CHAIN,
    PHASE_LINE,
    Checked,
    KeyTable,
    check_record,
    key_table,
)
from console.audit.keys_model import TrustedKey

PARALLEL_MIN_BYTES = 2 * 1024 * 1024
"""Below this a log is checked in process (about 3,000 records)."""
CHUNKS_PER_WORKER = 4


class Problem(NamedTuple):
    at: int
    """0-based line index within the chunk."""
    seq: int | None
    phase: int
    reason: str


class Invalid(NamedTuple):
    line: int
    """1-based line number in the file (the parent turns the chunk index into it)."""
    seq: int | None
    reason: str


class ChunkResult(NamedTuple):
    lines: int
    first: Checked | None
    last_seq: int | None
    last_hash: str | None
    good: int
    problem: Problem | None
    invalid: list[Invalid]


def seq_problem(seq: int, expected: int) -> str:
    if seq == expected - 1:
        return f"repeats sequence number {seq} (a duplicated record)"
    if seq > expected:
        return f"has sequence number {seq} where {expected} was expected (records are missing)"
    return f"has sequence number {seq} where {expected} was expected (records are out of order)"


def link_problem(checked: Checked, expected_seq: int, expected_prev: str) -> str | None:
    if checked.seq != expected_seq:
        return seq_problem(checked.seq or 0, expected_seq)
    if checked.prev_hash != expected_prev:
        return "prev_hash does not link to the record before it (a record was changed or removed)"
    return None


def _lines(data: bytes, final: bool) -> Iterator[tuple[int, bytes, str | None, str | None]]:
    """(index, raw, text, problem) per line; ``text`` is None when the line cannot be read."""
    pieces = data.split(b"\n")
    tail = pieces.pop()
    for index, raw in enumerate(pieces):
        if not raw:
            yield index, raw, None, "is empty"
            continue
        try:
            yield index, raw, raw.decode("utf-8"), None
        except UnicodeDecodeError:
            yield index, raw, None, "is not valid UTF-8"
    if tail and final:
        torn = "is torn: the log does not end with a newline (a cut-short append)"
        yield len(pieces), tail, None, torn


def check_chunk(data: bytes, final: bool, keys: KeyTable, all_records: bool) -> ChunkResult:
    """Check the lines in ``data``. With ``all_records`` every line is checked on its own
    (for per-record validity); otherwise checking stops at the first problem, links included."""
    first: Checked | None = None
    last: Checked | None = None
    good = 0
    invalid: list[Invalid] = []
    count = 0
    for index, raw, text, unreadable in _lines(data, final):
        count = index + 1
        checked = check_record(text, keys, raw) if text is not None else None
        if all_records:
            if checked is None:
                invalid.append(Invalid(index, None, unreadable or ""))
            elif checked.phase is not None:
                invalid.append(Invalid(index, checked.seq, checked.reason or ""))
            continue
        if checked is None or checked.reason is not None:
            reason = unreadable or (checked.reason if checked else "") or ""
            phase = checked.phase if checked and checked.phase is not None else PHASE_LINE
            if index == 0:
                first = checked
            problem = Problem(index, checked.seq if checked else None, phase, reason)
            return ChunkResult(count, first, _seq(last), _hash(last), good, problem, invalid)
        if last is None:
            first = checked
        elif checked.seq != (last.seq or 0) + 1 or checked.prev_hash != last.hash:
            link = link_problem(checked, (last.seq or 0) + 1, last.hash or "")
            if link is not None:
                problem = Problem(index, checked.seq, PHASE_CHAIN, link)
                return ChunkResult(count, first, _seq(last), _hash(last), good, problem, invalid)
        last = checked
        good += 1
    return ChunkResult(count, first, _seq(last), _hash(last), good, None, invalid)


def _seq(checked: Checked | None) -> int | None:
    return checked.seq if checked else None


def _hash(checked: Checked | None) -> str | None:
    return checked.hash if checked else None


# -- worker processes ------------------------------------------------------------------

_WORKER_KEYS: KeyTable = {}


def _init_worker(keys: Sequence[TrustedKey]) -> None:
    global _WORKER_KEYS
    _WORKER_KEYS = key_table(list(keys))


def _check_range(path: str, start: int, end: int, final: bool, all_records: bool) -> ChunkResult:
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    return check_chunk(data, final, _WORKER_KEYS, all_records)


def snapshot_size(path: Path) -> int:
    """The log's size with no append half-written: a shared lock on the append lock waits
    for a writer to finish (without creating the lock file for read-only auditors)."""
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return path.stat().st_size
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        return path.stat().st_size
    finally:
        os.close(fd)


def plan_chunks(path: Path, start: int, end: int, chunks: int) -> list[tuple[int, int]]:
    """Byte ranges of about equal size that start and end at line boundaries."""
    if chunks <= 1 or end - start < 2:
        return [(start, end)]
    bounds = [start]
    step = (end - start) // chunks
    with path.open("rb") as handle:
        for k in range(1, chunks):
            handle.seek(start + k * step)
            position = start + k * step
            while position < end:
                block = handle.read(65536)
                if not block:
                    position = end
                    break
                cut = block.find(b"\n")
                if cut >= 0:
                    position += cut + 1
                    break
                position += len(block)
            if bounds[-1] < position < end:
                bounds.append(position)
    bounds.append(end)
    return list(itertools.pairwise(bounds))


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def scan_range(
    path: Path,
    keys: Sequence[TrustedKey],
    start: int,
    end: int,
    *,
    all_records: bool,
    workers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[ChunkResult]:
    """Check bytes ``[start, end)`` of the log, in worker processes when it is big.

    ``meanwhile`` runs in this process while the workers check (or before checking, when
    there are none): work that would otherwise leave a core idle.
    """
    count = workers or default_workers()
    if count <= 1 or end - start < PARALLEL_MIN_BYTES:
        if meanwhile is not None:
            meanwhile()
        with path.open("rb") as handle:
            handle.seek(start)
            data = handle.read(end - start)
        return [check_chunk(data, True, key_table(list(keys)), all_records)]
    ranges = plan_chunks(path, start, end, count * CHUNKS_PER_WORKER)
    context = multiprocessing.get_context(_start_method())
    with ProcessPoolExecutor(count, context, _init_worker, (list(keys),)) as pool:
        futures = [
            pool.submit(_check_range, str(path), a, b, b == end, all_records) for a, b in ranges
        ]
        if meanwhile is not None:
            meanwhile()
        return [future.result() for future in futures]


def _start_method() -> str:
    """``fork`` when this process runs no other thread: workers start in milliseconds and
    inherit the loaded modules. With threads (the TUI), forking can copy a lock some other
    thread holds and deadlock the child, so then ``forkserver`` (or ``spawn``)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"
