"""Reading the log with DuckDB: filters, the CSV contract, per-record validity and its cache."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from console.audit import cache
from console.audit.log import AuditLog
from console.audit.query import CSV_COLUMNS, Filters, export_csv, read_records
from console.audit.snapshot import write_snapshot
from tests.unit.audit_fixtures import ALICE, STEPS, T0, TRUSTED, build_log, parse, rewrite


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "audit.jsonl"
    path.parent.mkdir()
    build_log(path)
    return path


def _rows(target: Path) -> list[dict[str, str]]:
    with target.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_show_filters_by_model_action_and_time(log_path: Path) -> None:
    everything = read_records(log_path, Filters())
    assert [r["seq"] for r in everything] == list(range(1, len(STEPS) + 1))
    assert isinstance(everything[0]["details"], dict)
    churn = read_records(log_path, Filters(model="churn"))
    assert {r["model"] for r in churn} == {"churn"} and len(churn) == 3
    approvals = read_records(log_path, Filters(action="runbook.approve"))
    assert [r["actor"] for r in approvals] == ["alice", "bob"]
    assert len(read_records(log_path, Filters(action="runbook.*"))) == 10
    window = read_records(
        log_path, Filters(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=4))
    )
    assert [r["seq"] for r in window] == [3, 4, 5]
    assert read_records(log_path, Filters(model="fr*d")) == read_records(
        log_path, Filters(model="fraud")
    )


def test_export_writes_the_documented_columns(log_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    result = export_csv(log_path, TRUSTED, target, Filters())
    assert result.rows == len(STEPS)
    text = target.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _rows(target)
    assert [int(r["seq"]) for r in rows] == list(range(1, len(STEPS) + 1))
    assert all(r["signature_valid"] == "true" for r in rows)
    assert all(r["ts"].endswith("Z") and "T" in r["ts"] for r in rows)
    target_row = rows[2]
    assert (target_row["from_version"], target_row["to_version"]) == ("7", "6")
    assert rows[6]["dry_run"] == "false" and rows[6]["break_glass"] == ""
    note = rows[9]
    assert note["reason"] == ""
    opened = rows[1]
    assert opened["reason"] == "accuracy < 0.90 for 5m"
    assert rows[0]["policy_digest"] == "sha256:" + "ab" * 32


def test_export_carries_the_runbook_a_notes_text_and_every_detail(
    log_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "audit.csv"
    export_csv(log_path, TRUSTED, target, Filters())
    rows = _rows(target)
    assert [r["runbook"] for r in rows[1:9]] == ["rb-1"] * 8
    assert rows[0]["runbook"] == "" and rows[0]["text"] == "hand-over: accuracy dipping since 02:40"
    assert rows[9]["text"] == 'ünïcödé, "quotes", commas\nand newlines 🚀'
    for row, (_, _, _, details) in zip(rows, STEPS, strict=True):
        assert json.loads(row["details"]) == details
    assert json.loads(rows[8]["details"])["outcome"] == "recovered"


def test_quoting_survives_commas_quotes_newlines_and_unicode(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    reason = 'drift, "severe"\nsee ticket — ünïcödé 🚀'
    AuditLog(path).append(ALICE, "runbook.abort", "m,1", {"reason": reason}, None, T0)
    target = tmp_path / "out.csv"
    export_csv(path, TRUSTED, target, Filters())
    parsed = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert parsed[0]["reason"] == reason and parsed[0]["model"] == "m,1"


def test_export_applies_the_same_filters(log_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "approvals.csv"
    result = export_csv(log_path, TRUSTED, target, Filters(action="runbook.approve"))
    assert result.rows == 2
    assert [r["role"] for r in _rows(target)] == ["model-owner", "oncall"]


def test_invalid_records_are_marked_and_unreadable_lines_left_out(
    log_path: Path, tmp_path: Path
) -> None:
    lines = log_path.read_bytes().splitlines(keepends=True)
    edited = parse(lines[3])
    edited["details"] = {"checks": []}
    lines[3] = rewrite(edited)
    # a reader-confusing line: the same record with a duplicate "model" key up front
    lines.insert(5, lines[4].replace(b'{"action"', b'{"model":"evil","action"', 1))
    lines.append(b'{"seq": 99, "ts"')  # torn
    log_path.write_bytes(b"".join(lines))
    target = tmp_path / "audit.csv"
    result = export_csv(log_path, TRUSTED, target, Filters())
    rows = _rows(target)
    assert result.rows == len(rows) == len(STEPS) + 1
    flags = {(r["seq"], r["model"], r["signature_valid"]) for r in rows}
    assert ("4", "fraud", "false") in flags
    assert ("5", "fraud", "true") in flags, "the genuine record stays valid"
    assert ("5", "fraud", "false") in flags, "its confusing copy is read as Python reads it"
    assert not any(r["model"] == "evil" for r in rows)
    assert sorted(r.line for r in result.validity.invalid) == [4, 6, len(STEPS) + 2]


def test_a_second_export_only_checks_new_records(log_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    first = export_csv(log_path, TRUSTED, target, Filters())
    assert first.validity.checked == len(STEPS)
    again = export_csv(log_path, TRUSTED, target, Filters())
    assert again.validity.checked == 0 and again.rows == len(STEPS)
    AuditLog(log_path).append(
        ALICE, "note", "fraud", {"text": "later"}, None, T0 + timedelta(hours=1)
    )
    grown = export_csv(log_path, TRUSTED, target, Filters())
    assert grown.validity.checked == 1 and grown.rows == len(STEPS) + 1


def test_the_cache_is_dropped_when_checked_bytes_or_trusted_keys_change(
    log_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "audit.csv"
    export_csv(log_path, TRUSTED, target, Filters())
    data = log_path.read_bytes()
    log_path.write_bytes(data.replace(b"hand-over", b"hand-under"))
    tampered = export_csv(log_path, TRUSTED, target, Filters())
    assert tampered.validity.checked == len(STEPS)
    assert [r.line for r in tampered.validity.invalid] == [1]
    fewer = export_csv(log_path, TRUSTED[:1], target, Filters())
    assert fewer.validity.checked == len(STEPS)
    assert cache.recall(log_path, TRUSTED[:1]) is not None


def test_the_snapshot_holds_only_the_checked_bytes(log_path: Path) -> None:
    data = log_path.read_bytes()
    cut = data.index(b"\n") + 1
    snapshot = write_snapshot(log_path, cut, [])
    try:
        assert snapshot.read_bytes() == data[:cut]
        assert snapshot.parent == log_path.parent
    finally:
        snapshot.unlink()


def test_an_export_checks_and_reads_one_private_copy_and_leaves_none(
    log_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "audit.csv"
    export_csv(log_path, TRUSTED, target, Filters())
    lines = log_path.read_bytes().splitlines(keepends=True)
    record = parse(lines[1])
    record["model"] = "evil"
    lines[1] = rewrite(record, rehash=True)
    log_path.write_bytes(b"".join(lines))
    result = export_csv(log_path, TRUSTED, target, Filters())
    assert [row.line for row in result.validity.invalid] == [2]
    assert sorted(p.name for p in log_path.parent.iterdir()) == ["audit.jsonl", "audit.jsonl.lock"]
