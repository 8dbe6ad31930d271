"""Checkpoints catch what a log alone cannot show: whole records cut from the end."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.audit.checkpoint import Checkpoint, check_checkpoint, take_checkpoint
from console.audit.log import AuditLog
from console.audit.verify import verify_log
from console.errors import MrpError
from tests.unit.audit_fixtures import (
    ALICE,
    BOB,
    MALLORY,
    STEPS,
    T0,
    TRUSTED,
    build_log,
    parse,
    rewrite,
)


def _checkpointed(folder: Path) -> tuple[AuditLog, Checkpoint, Path]:
    log = AuditLog(folder / "audit.jsonl")
    build_log(log.path)
    result, head = take_checkpoint(log, BOB, TRUSTED, T0 + timedelta(hours=1))
    assert result.ok and head is not None
    anchor = folder / "checkpoint.json"
    anchor.write_text(json.dumps(head.to_json()))
    build_log(log.path, STEPS[:3], T0 + timedelta(hours=2))  # life goes on after it
    return log, head, anchor


def _problem(log: AuditLog, anchor: Path) -> str | None:
    result = verify_log(log.path, TRUSTED)
    assert result.ok, result.message
    return check_checkpoint(result, Checkpoint.load(anchor), anchor, TRUSTED)


def test_a_checkpoint_is_a_signed_record_in_the_log(tmp_path: Path) -> None:
    log, head, anchor = _checkpointed(tmp_path)
    record = next(r for r in log.records() if r.seq == head.seq)
    assert record.action == "checkpoint"
    assert record.details["verified_records"] == len(STEPS)
    assert record.details["verified_head"] == record.prev_hash
    assert set(record.details) == {
        "verified_records",
        "verified_head",
        "verified_bytes",
        "verified_sha256",
        "signers_digest",
    }
    assert (record.hash, record.signature, record.ts) == (head.hash, head.signature, head.ts)
    assert set(json.loads(anchor.read_text())) == {"seq", "hash", "ts", "key_id", "signature"}
    assert _problem(log, anchor) is None


@settings(max_examples=25, deadline=None)
@given(st.integers(1, len(STEPS) + 4))
def test_records_cut_from_the_end_are_caught_by_a_checkpoint(cut: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        log, head, anchor = _checkpointed(Path(scratch))
        lines = log.path.read_bytes().splitlines(keepends=True)
        log.path.write_bytes(b"".join(lines[: len(lines) - cut]))
        verified = verify_log(log.path, TRUSTED)
        assert verified.ok, "a cut log is still a valid log on its own"
        problem = _problem(log, anchor)
        if len(lines) - cut >= head.seq:
            assert problem is None
        else:
            assert problem is not None and "records were cut from the end" in problem
            assert f"vouches for seq {head.seq}" in problem


def test_a_replaced_head_is_caught(tmp_path: Path) -> None:
    """Someone with a trusted key rewrites history from the checkpoint on."""
    log, head, anchor = _checkpointed(tmp_path)
    lines = log.path.read_bytes().splitlines(keepends=True)
    kept = lines[: head.seq - 1]
    log.path.write_bytes(b"".join(kept))
    build_log(log.path, STEPS[:5], T0 + timedelta(hours=3))
    problem = _problem(log, anchor)
    assert problem is not None
    assert problem.endswith("differs from checkpoint checkpoint.json (the record was replaced)")


def test_a_forged_or_foreign_checkpoint_is_refused(tmp_path: Path) -> None:
    log, head, anchor = _checkpointed(tmp_path)
    forged = head.to_json() | {"signature": head.signature[:-3] + "AA=="}
    anchor.write_text(json.dumps(forged))
    assert "signature does not verify" in (_problem(log, anchor) or "")
    record = parse(log.path.read_bytes().splitlines(keepends=True)[head.seq - 1])
    foreign = parse(rewrite(record, signer=MALLORY))
    anchor.write_text(
        json.dumps({k: foreign[k] for k in ("seq", "hash", "ts", "key_id", "signature")})
    )
    assert "not listed in signers.yaml" in (_problem(log, anchor) or "")


def test_no_checkpoint_of_a_damaged_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    build_log(log.path)
    data = log.path.read_bytes().replace(b"hand-over", b"hand-under")
    log.path.write_bytes(data)
    result, head = take_checkpoint(log, ALICE, TRUSTED, T0 + timedelta(hours=1))
    assert head is None and not result.ok
    assert log.path.read_bytes() == data


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"seq": 1}', '{"seq": "1", "hash": "", "ts": "", "key_id": "", "signature": ""}'],
)
def test_a_file_that_is_no_checkpoint_is_a_usage_error(tmp_path: Path, text: str) -> None:
    anchor = tmp_path / "cp.json"
    anchor.write_text(text)
    with pytest.raises(MrpError) as caught:
        Checkpoint.load(anchor)
    assert caught.value.exit_code == 2
