"""Checking a run of lines: each record on its own (``check_record``), and each one's link
to the record before it. Pure functions over bytes, so worker processes can run them.

Two modes: stop at the first problem, links included (``verify``), or check every line on
its own and list the ones that fail (per-record validity, for export).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from console.audit.check import (
    PHASE_CHAIN,
    PHASE_LINE,
    Checked,
    KeyTable,
    prepare_record,
    verify_pending,
)

BATCH = 256
"""Records whose Python checks run before their signatures are checked in one tight loop."""


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


_TORN = "is torn: the log does not end with a newline (a cut-short append)"
_UNREAD: tuple[None, None] = (None, None)


def _checked(data: bytes, final: bool, keys: KeyTable) -> Iterator[tuple[Checked | None, str]]:
    """(checked, why) per line, in order: ``checked`` is None when the line cannot be read
    (``why`` says why). The Python checks run for a batch of lines, then the batch's
    signatures in one tight loop."""
    pieces = data.split(b"\n")
    tail = pieces.pop()
    for at in range(0, len(pieces), BATCH):
        prepared = [
            prepare_record(None, keys, raw) if raw else _UNREAD for raw in pieces[at : at + BATCH]
        ]
        verified = [
            checked if pending is None or checked is None else verify_pending(checked, pending)
            for checked, pending in prepared
        ]
        for checked in verified:
            yield checked, "" if checked is not None else "is empty"
    if tail and final:
        yield None, _TORN


def check_chunk(data: bytes, final: bool, keys: KeyTable, all_records: bool) -> ChunkResult:
    """Check the lines in ``data``. With ``all_records`` every line is checked on its own
    (for per-record validity); otherwise checking stops at the first problem, links included."""
    first: Checked | None = None
    last: Checked | None = None
    good = 0
    invalid: list[Invalid] = []
    index = -1
    for index, (checked, unreadable) in enumerate(_checked(data, final, keys)):
        if all_records:
            if checked is None:
                invalid.append(Invalid(index, None, unreadable))
            elif checked.phase is not None:
                invalid.append(Invalid(index, checked.seq, checked.reason or ""))
            continue
        if checked is None or checked.reason is not None:
            reason = unreadable or (checked.reason if checked else "") or ""
            phase = checked.phase if checked and checked.phase is not None else PHASE_LINE
            if index == 0:
                first = checked
            problem = Problem(index, checked.seq if checked else None, phase, reason)
            return ChunkResult(index + 1, first, _seq(last), _hash(last), good, problem, invalid)
        if last is None:
            first = checked
        elif checked.seq != (last.seq or 0) + 1 or checked.prev_hash != last.hash:
            link = link_problem(checked, (last.seq or 0) + 1, last.hash or "")
            if link is not None:
                problem = Problem(index, checked.seq, PHASE_CHAIN, link)
                return ChunkResult(
                    index + 1, first, _seq(last), _hash(last), good, problem, invalid
                )
        last = checked
        good += 1
    return ChunkResult(index + 1, first, _seq(last), _hash(last), good, None, invalid)


def _seq(checked: Checked | None) -> int | None:
    return checked.seq if checked else None


def _hash(checked: Checked | None) -> str | None:
    return checked.hash if checked else None
