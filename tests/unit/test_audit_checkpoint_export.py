"""An export handed a checkpoint checks the prefix its signer verified by SHA-256 alone, and
falls back to checking every record whenever the checkpoint cannot vouch for it."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from console.audit import cache
from console.audit.checkpoint import Checkpoint, take_checkpoint, vouched_prefix
from console.audit.log import AuditLog
from console.audit.query import Filters, export_csv
from tests.unit.audit_fixtures import (
    ALICE_KEY,
    BOB,
    MALLORY,
    MALLORY_KEY,
    STEPS,
    T0,
    TRUSTED,
    build_log,
    parse,
    rewrite,
)


def _checkpointed(folder: Path) -> tuple[Path, Checkpoint]:
    """A log, a checkpoint taken on it, three records after it, and a cold cache."""
    log = AuditLog(folder / "audit.jsonl")
    build_log(log.path)
    result, head = take_checkpoint(log, BOB, TRUSTED, T0 + timedelta(hours=1))
    assert result.ok and head is not None
    build_log(log.path, STEPS[:3], T0 + timedelta(hours=2))
    cache._cache_file(log.path).unlink()  # the auditor's machine has checked nothing
    return log.path, head


def test_a_checkpoint_record_says_what_was_verified(tmp_path: Path) -> None:
    path, head = _checkpointed(tmp_path)
    data = path.read_bytes()
    record = parse(data.splitlines()[head.seq - 1])
    details = record["details"]
    assert details["verified_records"] == len(STEPS)
    assert details["verified_bytes"] == len(b"".join(data.splitlines(True)[: len(STEPS)]))
    prefix = cache.digests(path, details["verified_bytes"], len(data))[0]
    assert details["verified_sha256"] == prefix
    assert len(details["signers_digest"]) == 64


def test_records_under_a_checkpoint_are_vouched_for_not_rechecked(tmp_path: Path) -> None:
    path, head = _checkpointed(tmp_path)
    target = tmp_path / "audit.csv"
    result = export_csv(path, TRUSTED, target, Filters(), checkpoint=head)
    total = len(STEPS) + 1 + 3
    assert result.rows == total and not result.validity.invalid
    assert result.validity.vouched == len(STEPS)
    assert result.validity.checked == 4  # the checkpoint record and the three after it
    assert cache.recall(path, TRUSTED) is None, "vouched-for records are not cached as checked"
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == total
    assert all((r["signature_valid"], r["fixed_clock"]) == ("true", "false") for r in rows)


def test_a_changed_byte_under_the_checkpoint_means_checking_everything(tmp_path: Path) -> None:
    path, head = _checkpointed(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    record = parse(lines[2])
    record["model"] = "churn"  # a field edit with the hash recomputed: only the signature fails
    lines[2] = rewrite(record, rehash=True)
    path.write_bytes(b"".join(lines))
    result = export_csv(path, TRUSTED, tmp_path / "audit.csv", Filters(), checkpoint=head)
    assert result.validity.vouched == 0 and result.validity.checked == len(lines)
    assert [row.line for row in result.validity.invalid] == [3]


def test_a_checkpoint_that_cannot_vouch_is_ignored(tmp_path: Path) -> None:
    path, head = _checkpointed(tmp_path)
    size = path.stat().st_size
    assert vouched_prefix(path, size, head, TRUSTED) is not None
    # another trust set than the checkpoint's signer verified against
    assert vouched_prefix(path, size, head, [*TRUSTED, MALLORY_KEY]) is None
    # a checkpoint signer the auditor does not trust
    assert vouched_prefix(path, size, head, [ALICE_KEY]) is None
    # a checkpoint for another log, or beyond the bytes in question
    assert vouched_prefix(path, size, Checkpoint(head.seq, "ab" * 32, head.ts, head.key_id, head.signature), TRUSTED) is None  # fmt: skip
    assert vouched_prefix(path, path.read_bytes().index(b'"checkpoint"'), head, TRUSTED) is None
    result = export_csv(
        path, [*TRUSTED, MALLORY_KEY], tmp_path / "audit.csv", Filters(), checkpoint=head
    )
    assert result.validity.vouched == 0 and result.validity.checked == len(STEPS) + 4


def test_an_untrusted_signer_cannot_vouch_for_forged_records(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    build_log(log.path)
    lines = log.path.read_bytes().splitlines(keepends=True)
    record = parse(lines[4])
    record["details"] = {"runbook": "rb-1", "forged": True}
    lines[4] = rewrite(record, rehash=True)  # alice's signature no longer matches
    log.path.write_bytes(b"".join(lines))
    # mallory "verifies" with a signers.yaml of her own and checkpoints the forgery
    result, head = take_checkpoint(log, MALLORY, [ALICE_KEY, MALLORY_KEY], T0)
    assert not result.ok and head is None
    export = export_csv(log.path, TRUSTED, tmp_path / "a.csv", Filters())
    assert [row.line for row in export.validity.invalid] == [5]


def test_an_older_checkpoint_without_a_verified_prefix_is_ignored(tmp_path: Path) -> None:
    path, head = _checkpointed(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    record = parse(lines[head.seq - 1])
    record["details"] = {k: record["details"][k] for k in ("verified_records", "verified_head")}
    lines[head.seq - 1] = rewrite(record, signer=BOB)
    path.write_bytes(b"".join(lines))
    old = Checkpoint(head.seq, parse(lines[head.seq - 1])["hash"], head.ts, head.key_id, "")
    assert vouched_prefix(path, path.stat().st_size, old, TRUSTED) is None
