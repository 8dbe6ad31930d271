"""Checking many records fast: split the log at line boundaries, check chunks in worker
processes (Ed25519 verification is CPU-bound and does not share a core), results in order.

Workers read their own byte range from the file, so nothing large crosses a pipe; each
returns a small summary (``console.audit.chunk.ChunkResult``). Small logs are checked in
process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import fcntl
import gc
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from console.audit.check import KeyTable, key_table
from console.audit.chunk import ChunkResult, check_chunk
from console.audit.expected import lock_path
from console.audit.keys_model import TrustedKey

PARALLEL_MIN_BYTES = 2 * 1024 * 1024
"""Below this a log is checked in process (about 3,000 records)."""
CHUNK_BYTES = 1024 * 1024
"""Chunks of at most this size (some 1,500 records, a fraction of a second each)..."""
MIN_CHUNK_BYTES = 64 * 1024
"""... shrinking to this (some 100 records) at the end, so the workers finish together."""

_WORKER_KEYS: KeyTable = {}


def _init_worker(keys: Sequence[TrustedKey]) -> None:
    global _WORKER_KEYS
    _WORKER_KEYS = key_table(list(keys))
    # A worker only checks records: trees of fresh objects freed by reference counting.
    # The cycle collector would only walk them again (a few % of a worker's time).
    gc.disable()


def _check_range(path: str, start: int, end: int, final: bool, all_records: bool) -> ChunkResult:
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    return check_chunk(data, final, _WORKER_KEYS, all_records)


def snapshot_size(path: Path) -> int:
    """The log's size with no append half-written: a shared lock on the append lock waits
    for a writer to finish (without creating the lock file for read-only auditors)."""
    lock = lock_path(path)
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
    step = (end - start) // chunks
    return _at_lines(path, start, end, [start + k * step for k in range(1, chunks)])


def plan_guided(path: Path, start: int, end: int, workers: int) -> list[tuple[int, int]]:
    """Byte ranges at line boundaries, ``CHUNK_BYTES`` at most and shrinking towards the end
    (each a share of what is left, down to ``MIN_CHUNK_BYTES``), so that no worker is left
    checking a big last chunk while the others sit idle."""
    cuts = []
    position = start
    while True:
        share = (end - position) // (2 * workers)
        position += max(MIN_CHUNK_BYTES, min(CHUNK_BYTES, share))
        if position >= end:
            break
        cuts.append(position)
    return _at_lines(path, start, end, cuts)


def _at_lines(path: Path, start: int, end: int, cuts: list[int]) -> list[tuple[int, int]]:
    """``[start, end)`` cut just after the first newline at or after each of ``cuts``."""
    bounds = [start]
    with path.open("rb") as handle:
        for cut in cuts:
            handle.seek(cut)
            position = cut
            while position < end:
                block = handle.read(65536)
                if not block:
                    position = end
                    break
                newline = block.find(b"\n")
                if newline >= 0:
                    position += newline + 1
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
    ranges = plan_guided(path, start, end, count)
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
