"""Verification across worker processes names the same first bad record as in process."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from console.audit import scan
from console.audit.log import AuditLog
from console.audit.verify import VerifyResult, verify_log
from console.errors import MrpError
from tests.unit.audit_fixtures import ALICE, BOB, T0, TRUSTED, build_log, parse, rewrite

STEPS = [(ALICE if i % 3 else BOB, "note", f"m{i % 4}", {"i": i}) for i in range(80)]


@pytest.fixture
def long_log(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    build_log(path, STEPS)
    return path


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[VerifyResult, VerifyResult]:
    alone = verify_log(path, TRUSTED, workers=1)
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    parallel = verify_log(path, TRUSTED, workers=2)
    monkeypatch.undo()
    return alone, parallel


def test_an_intact_log_verifies_the_same_in_parallel(
    long_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone, parallel = _both(long_log, monkeypatch)
    assert alone == parallel
    assert alone.ok and alone.count == len(STEPS)


@pytest.mark.parametrize("index", [0, 1, 9, 10, 11, 39, 40, 41, 70, 79])
@pytest.mark.parametrize("kind", ["edit", "resign", "delete", "duplicate", "swap", "torn"])
def test_the_first_bad_record_is_the_same_in_parallel(
    long_log: Path, monkeypatch: pytest.MonkeyPatch, index: int, kind: str
) -> None:
    lines = long_log.read_bytes().splitlines(keepends=True)
    record = parse(lines[index])
    if kind == "edit":
        record["model"] = "edited"
        lines[index] = rewrite(record)
    elif kind == "resign":
        record["model"] = "edited"
        lines[index] = rewrite(record, signer=BOB if record["actor"] == "alice" else ALICE)
    elif kind == "delete":
        del lines[index]
    elif kind == "duplicate":
        lines.insert(index, lines[index])
    elif kind == "swap":
        other = (index + 7) % len(lines)
        lines[index], lines[other] = lines[other], lines[index]
    else:
        lines = lines[: index + 1]
        lines[-1] = lines[-1][:-5]
    long_log.write_bytes(b"".join(lines))
    alone, parallel = _both(long_log, monkeypatch)
    assert alone == parallel
    if kind == "delete" and index == len(STEPS) - 1:
        assert alone.ok
    else:
        assert not alone.ok


def test_verify_names_the_problem_in_one_sentence(long_log: Path) -> None:
    lines = long_log.read_bytes().splitlines(keepends=True)
    record = parse(lines[16])
    record["details"] = {"i": 999}
    lines[16] = rewrite(record)
    long_log.write_bytes(b"".join(lines))
    result = verify_log(long_log, TRUSTED)
    assert result.message == "audit.jsonl line 17 (seq 17): hash does not match its contents"
    assert result.to_json()["first_bad"] == {
        "line": 17,
        "seq": 17,
        "reason": "hash does not match its contents",
    }
    assert result.count == 16 and result.head_seq == 16


def test_wrong_actor_role_and_validity_are_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    build_log(path, [(ALICE, "note", "m", {})], start=T0 - timedelta(days=2))
    result = verify_log(path, TRUSTED)
    assert "before it became valid" in (result.reason or "")
    path.unlink()  # started over deliberately: the lock file goes too (else appends refuse)
    AuditLog(path).lock_path.unlink()
    build_log(path, [(ALICE, "note", "m", {})])
    record = parse(path.read_bytes())
    record["actor"] = "bob"
    path.write_bytes(rewrite(record, signer=ALICE))
    assert "does not own key" in (verify_log(path, TRUSTED).reason or "")
    record = parse(path.read_bytes())
    record["actor"], record["role"] = "alice", "admin"
    path.write_bytes(rewrite(record, signer=ALICE))
    assert "which key" in (verify_log(path, TRUSTED).reason or "")
    record["role"], record["action"] = None, "runbook.approve"
    path.write_bytes(rewrite(record, signer=ALICE))
    assert "needs one" in (verify_log(path, TRUSTED).reason or "")


def test_a_missing_log_cannot_be_verified(tmp_path: Path) -> None:
    with pytest.raises(MrpError) as caught:
        verify_log(tmp_path / "audit.jsonl", TRUSTED)
    assert caught.value.exit_code == 2


def test_an_empty_log_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"")
    result = verify_log(path, TRUSTED)
    assert result.ok and result.count == 0


def test_chunks_split_at_line_boundaries(long_log: Path) -> None:
    data = long_log.read_bytes()
    ranges = scan.plan_chunks(long_log, 0, len(data), 8)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    for start, end in ranges:
        assert start == 0 or data[start - 1 : start] == b"\n"
        assert data[end - 1 : end] == b"\n"
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))


def test_a_process_with_threads_verifies_through_a_forkserver(
    long_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI runs threads; forking it could deadlock a worker, so workers come from a
    forkserver there, with the same result."""
    import threading

    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    waiter.start()
    try:
        assert scan._start_method() == "forkserver"
        monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
        result = verify_log(long_log, TRUSTED, workers=2)
    finally:
        stop.set()
        waiter.join()
    assert result.ok and result.count == len(STEPS)


def test_moved_records_are_named_out_of_order_and_deleted_ones_missing(long_log: Path) -> None:
    original = long_log.read_bytes().splitlines(keepends=True)
    swapped = list(original)
    swapped[3], swapped[4] = swapped[4], swapped[3]
    long_log.write_bytes(b"".join(swapped))
    assert verify_log(long_log, TRUSTED).message == (
        "audit.jsonl line 4 (seq 5): has sequence number 5 where 4 was expected; "
        "seq 4 is on line 5 (records are out of order)"
    )
    moved = list(original)
    moved.append(moved.pop(6))
    long_log.write_bytes(b"".join(moved))
    assert verify_log(long_log, TRUSTED).reason == (
        f"has sequence number 8 where 7 was expected; seq 7 is on line {len(moved)} "
        "(records are out of order)"
    )
    deleted = original[:6] + original[7:]
    long_log.write_bytes(b"".join(deleted))
    assert verify_log(long_log, TRUSTED).reason == (
        "has sequence number 8 where 7 was expected (records are missing)"
    )
