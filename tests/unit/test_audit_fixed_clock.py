"""A workspace whose clock is fixed stamps every record with one instant: `mrp audit show`,
`verify` and `export` say which records carry it, so an auditor does not read it as when
they were written. And `verify` on a log that lost records says how to recover it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from console.audit.query import CSV_COLUMNS
from console.settings import Workspace
from tests.unit.audit_fixtures import audit_workspace
from tests.unit.cli_helpers import run_mrp
from tests.unit.test_runbook_support import build_workspace

__all__ = ["audit_workspace"]  # a fixture used below

PINNED = "2026-11-02T12:00:00Z"
"""build_workspace's [clock] fixed."""
FROM_TOML = {"at": PINNED, "source": "[clock] fixed in mrp.toml"}


def _note(stamped: int, total: int, at: str = PINNED, source: str = FROM_TOML["source"]) -> str:
    verb, it = ("is", "it was") if stamped == 1 else ("are", "they were")
    records = "record" if total == 1 else "records"
    return (
        f"note: {stamped} of {total} {records} {verb} stamped {at}, the fixed clock's time "
        f"({source}), not when {it} written."
    )


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _two_signers_approve(capsys: pytest.CaptureFixture[str], root: Path) -> Workspace:
    """A pinned workspace whose log holds a dry-run rollback approved by alice and bob."""
    ws = build_workspace(root)
    common = ("--dry-run", "--yes", "--reason", "accuracy 0.82", "--confirm", "fraud@2")
    opened = run_mrp(capsys, "rollback", "fraud", *common, "--as", "alice", "--json", "-w", ws.root)
    assert opened.exit_code == 0, opened.stderr
    approved = run_mrp(
        capsys, "runbook", "approve", opened.json()["id"], "--as", "bob", "--confirm", "fraud@2",
        "-w", ws.root,
    )  # fmt: skip
    assert approved.exit_code == 0, approved.stderr
    return ws


def test_show_verify_and_export_name_the_fixed_clock(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = _two_signers_approve(capsys, tmp_path / "ws")
    n = len(ws.audit_path.read_bytes().splitlines())

    shown = run_mrp(capsys, "audit", "show", "-w", ws.root)
    assert shown.exit_code == 0 and shown.stderr == ""
    *table, last = shown.stdout.splitlines()
    assert last == _note(n, n)
    rows = [line.split() for line in table[1:] if line[:1].isdigit()]
    assert {row[1] for row in rows} == {PINNED}  # alice's and bob's approvals alike
    assert {"alice", "bob"} <= {row[2] for row in rows}
    assert run_mrp(capsys, "audit", "show", "--json", "-w", ws.root).json()["fixed_clock"] == {
        **FROM_TOML,
        "stamped": n,
    }

    verified = run_mrp(capsys, "audit", "verify", "-w", ws.root)
    assert verified.exit_code == 0 and verified.stderr == ""
    assert verified.stdout == f"audit.jsonl: {n} records verified; head seq {n}.\n{_note(n, n)}\n"
    as_json = run_mrp(capsys, "audit", "verify", "--json", "-w", ws.root)
    assert as_json.exit_code == 0 and as_json.json()["fixed_clock"] == {**FROM_TOML, "stamped": n}

    target = tmp_path / "audit.csv"
    exported = run_mrp(capsys, "audit", "export", "--csv", target, "-w", ws.root)
    assert exported.exit_code == 0 and exported.stderr == ""
    assert exported.stdout == (
        f"exported {n} records to {target}.\n"
        f"{_note(n, n).removesuffix('.')} (fixed_clock is true in their rows).\n"
    )
    written = _csv_rows(target)
    assert list(written[0]) == list(CSV_COLUMNS)
    assert {(row["ts"], row["fixed_clock"]) for row in written} == {
        ("2026-11-02T12:00:00.000Z", "true")
    }
    again = run_mrp(capsys, "audit", "export", "--csv", target, "--json", "-w", ws.root)
    assert again.json()["fixed_clock"] == {**FROM_TOML, "stamped": n}


def test_only_records_carrying_the_instant_are_counted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws")
    monkeypatch.setenv("MRP_NOW", "2026-11-02T12:05:00Z")
    assert run_mrp(capsys, "audit", "note", "fraud", "at 12:05", "-w", ws.root).exit_code == 0
    monkeypatch.delenv("MRP_NOW")
    assert run_mrp(capsys, "audit", "note", "fraud", "pinned", "-w", ws.root).exit_code == 0

    shown = run_mrp(capsys, "audit", "show", "-w", ws.root)
    assert shown.stdout.splitlines()[-1] == _note(1, 2)
    only_first = run_mrp(capsys, "audit", "show", "--until", "2026-11-02T12:01:00Z", "-w", ws.root)
    assert only_first.stdout.splitlines()[-1] == _note(1, 1)
    later = run_mrp(capsys, "audit", "show", "--since", "2026-11-02T12:01:00Z", "-w", ws.root)
    assert later.exit_code == 0 and "note:" not in later.stdout  # none of those carry it
    verified = run_mrp(capsys, "audit", "verify", "-w", ws.root)
    assert verified.stdout.splitlines()[-1] == _note(1, 2)
    target = tmp_path / "audit.csv"
    run_mrp(capsys, "audit", "export", "--csv", target, "-w", ws.root)
    assert [row["fixed_clock"] for row in _csv_rows(target)] == ["false", "true"]

    monkeypatch.setenv("MRP_NOW", "2026-11-02T12:05:00Z")  # pinned elsewhere: named so
    pinned = run_mrp(capsys, "audit", "show", "-w", ws.root)
    assert pinned.stdout.splitlines()[-1] == _note(1, 2, "2026-11-02T12:05:00Z", "MRP_NOW")
    as_json = run_mrp(capsys, "audit", "verify", "--json", "-w", ws.root).json()
    assert as_json["fixed_clock"] == {
        "at": "2026-11-02T12:05:00Z",
        "source": "MRP_NOW",
        "stamped": 1,
    }


def test_a_running_clock_adds_nothing(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = str(audit_workspace.root)
    assert run_mrp(capsys, "audit", "note", "fraud", "hand-over", "-w", ws).exit_code == 0
    verified = run_mrp(capsys, "audit", "verify", "-w", ws)
    assert verified.stdout == "audit.jsonl: 1 record verified; head seq 1.\n"
    assert run_mrp(capsys, "audit", "verify", "--json", "-w", ws).json()["fixed_clock"] is None
    shown = run_mrp(capsys, "audit", "show", "-w", ws)
    assert shown.exit_code == 0 and "note:" not in shown.stdout and "fixed" not in shown.stdout
    assert run_mrp(capsys, "audit", "show", "--json", "-w", ws).json()["fixed_clock"] is None
    target = tmp_path / "audit.csv"
    exported = run_mrp(capsys, "audit", "export", "--csv", target, "-w", ws)
    assert exported.stdout == f"exported 1 record to {target}.\n"
    assert [row["fixed_clock"] for row in _csv_rows(target)] == ["false"]


def test_a_pinned_time_that_is_no_time_is_one_sentence(
    capsys: pytest.CaptureFixture[str],
    audit_workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The sentence every command says for it (tests/unit/test_bad_input.py: sync, status,
    evaluate), the audit log's readers too."""
    monkeypatch.setenv("MRP_NOW", "yesterday")
    target = tmp_path / "audit.csv"
    for command in (("verify",), ("show",), ("export", "--csv", target), ("note", "fraud", "x")):
        result = run_mrp(capsys, "audit", *command, "-w", audit_workspace.root)
        assert result.exit_code == 2 and result.stdout == "", command
        assert result.stderr == "mrp: MRP_NOW 'yesterday' is not an RFC 3339 time.\n"
    assert not target.exists()
    assert not audit_workspace.audit_path.exists()  # the note was not written


def test_recovery_advice_only_where_records_are_missing(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    """A checkpoint that is not to be trusted says only that, even over a shorter log: it
    cannot tell how far the log should reach."""
    ws = str(audit_workspace.root)
    for n in range(3):
        assert run_mrp(capsys, "audit", "note", "fraud", f"note {n}", "-w", ws).exit_code == 0
    anchor = tmp_path / "head.json"
    assert run_mrp(capsys, "audit", "checkpoint", "-o", anchor, "-w", ws).exit_code == 0
    path = audit_workspace.audit_path
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:2]))

    cut = run_mrp(capsys, "audit", "verify", "--checkpoint", anchor, "-w", ws)
    assert cut.exit_code == 1 and cut.stdout == ""
    assert cut.stderr.splitlines() == [
        "mrp: audit.jsonl ends at seq 2, but checkpoint head.json vouches for seq 4: records "
        "were cut from the end",
        "mrp: to recover, restore audit.jsonl from a backup that reaches seq 4; then run "
        '`mrp audit verify` again (docs/audit.md, "Recovering a lost or cut log").',
    ]

    head = json.loads(anchor.read_text())
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**head, "signature": head["signature"][::-1]}))
    distrusted = run_mrp(capsys, "audit", "verify", "--checkpoint", forged, "-w", ws)
    assert distrusted.exit_code == 1
    assert distrusted.stderr == (
        f"mrp: checkpoint forged.json: signature does not verify against key {head['key_id']}\n"
    )
