"""No audit log: a new workspace (no records yet, all well) or a deleted one (runbooks, the
append lock or a checkpoint show that records were written), as `mrp audit ...` says it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.audit.log import AuditLog
from console.audit.query import CSV_COLUMNS
from console.errors import MrpError
from console.settings import Workspace
from tests.unit.audit_fixtures import ALICE, T0, audit_workspace
from tests.unit.cli_helpers import Result, run_mrp
from tests.unit.test_runbook_support import build_workspace

__all__ = ["audit_workspace"]  # a fixture used below

HEADER = ",".join(CSV_COLUMNS)
DOCS = '`mrp audit verify` again (docs/audit.md, "Recovering a lost or cut log").'


def _lines(result: Result) -> list[str]:
    return result.stderr.strip().splitlines()


def test_a_new_workspace_has_no_records_yet_and_nothing_wrong(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "fresh"
    assert run_mrp(capsys, "init", folder).exit_code == 0
    log = folder / ".mrp" / "audit.jsonl"

    verified = run_mrp(capsys, "audit", "verify", "-w", folder)
    assert verified.exit_code == 0, verified.stderr
    assert (
        verified.stdout == f"no records yet: the first signed decision starts the log at {log}.\n"
    )
    assert verified.stderr == ""
    as_json = run_mrp(capsys, "audit", "verify", "--json", "-w", folder)
    assert as_json.exit_code == 0
    assert as_json.json() == {
        "ok": True,
        "path": str(log),
        "records": 0,
        "head": {"seq": 0, "hash": "0" * 64},
        "first_bad": None,
        "evidence": [],
        "problem": None,
        "fixed_clock": None,
    }

    target = tmp_path / "audit.csv"
    exported = run_mrp(capsys, "audit", "export", "--csv", target, "-w", folder)
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout == f"exported 0 records to {target}: there are no records yet.\n"
    assert target.read_bytes() == (HEADER + "\n").encode()  # the header row, as for an empty log
    assert run_mrp(capsys, "audit", "export", "--csv", target, "--json", "-w", folder).json() == {
        "path": str(target),
        "rows": 0,
        "vouched_by_checkpoint": 0,
        "invalid_lines": [],
        "fixed_clock": None,
    }
    shown = run_mrp(capsys, "audit", "show", "--json", "-w", folder)
    assert shown.exit_code == 0 and shown.json()["verified"] is True
    assert not log.exists() and not log.with_name("audit.jsonl.lock").exists()  # readers only

    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()  # an empty file is no records yet too
    empty = run_mrp(capsys, "audit", "verify", "-w", folder)
    assert (
        empty.exit_code == 0
        and empty.stdout == "audit.jsonl: no records yet (the file is empty).\n"
    )
    run_mrp(capsys, "audit", "export", "--csv", tmp_path / "empty.csv", "-w", folder)
    assert (tmp_path / "empty.csv").read_bytes() == target.read_bytes()


def _runbook_workspace(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[Workspace, str]:
    """A workspace with one dry-run rollback runbook, closed by two signers."""
    ws = build_workspace(root)
    common = ("--dry-run", "--yes", "--reason", "accuracy 0.82", "--confirm", "fraud@2")
    opened = run_mrp(capsys, "rollback", "fraud", *common, "--as", "alice", "--json", "-w", ws.root)
    assert opened.exit_code == 0, opened.stderr
    runbook = opened.json()["id"]
    approved = run_mrp(
        capsys, "runbook", "approve", runbook, "--as", "bob", "--confirm", "fraud@2", "-w", ws.root
    )
    assert approved.exit_code == 0, approved.stderr
    assert run_mrp(capsys, "audit", "verify", "-w", ws.root).exit_code == 0
    return ws, runbook


def test_runbooks_show_that_a_deleted_log_held_records(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws, runbook = _runbook_workspace(capsys, tmp_path / "ws")
    head = len(ws.audit_path.read_bytes().splitlines())
    ws.audit_path.unlink()
    AuditLog(ws.audit_path).lock_path.unlink()  # the runbooks alone show it

    result = run_mrp(capsys, "audit", "verify", "-w", ws.root)
    assert result.exit_code == 1 and result.stdout == ""
    assert _lines(result) == [
        f"mrp: there is no audit log at {ws.audit_path}, but runbook {runbook} records that "
        f"it held seq {head}: the log was deleted or moved",
        "mrp: to recover, put audit.jsonl back from where it was moved, or restore it from a "
        f"backup that reaches seq {head}; then run {DOCS}",
    ]
    as_json = run_mrp(capsys, "audit", "verify", "--json", "-w", ws.root)
    assert as_json.exit_code == 1
    payload = as_json.json()
    assert (payload["ok"], payload["records"], payload["first_bad"]) == (False, 0, None)
    assert payload["problem"] == _lines(result)[0].removeprefix("mrp: ")
    assert payload["evidence"] == [
        {
            "path": str(ws.runbooks_dir / f"{runbook}.json"),
            "seq": head,
            "what": f"runbook {runbook} records that it held seq {head}",
        }
    ]

    target = tmp_path / "audit.csv"
    exported = run_mrp(capsys, "audit", "export", "--csv", target, "-w", ws.root)
    assert exported.exit_code == 2 and not target.exists()
    assert _lines(exported) == [_lines(result)[0] + "; nothing was exported."]
    shown = run_mrp(capsys, "audit", "show", "-w", ws.root)
    assert shown.exit_code == 0 and "the log was deleted or moved" in shown.stderr
    assert "no records yet" not in shown.stdout
    refused = run_mrp(capsys, "audit", "checkpoint", "-w", ws.root)  # not over the gap
    assert refused.exit_code == 1 and "no checkpoint taken" in refused.stderr
    assert not ws.audit_path.exists()


def test_runbooks_show_that_records_were_cut_from_the_end(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws, runbook = _runbook_workspace(capsys, tmp_path / "ws")
    lines = ws.audit_path.read_bytes().splitlines(keepends=True)
    ws.audit_path.write_bytes(b"".join(lines[:2]))  # still a valid chain
    result = run_mrp(capsys, "audit", "verify", "-w", ws.root)
    assert result.exit_code == 1
    assert _lines(result) == [
        f"mrp: audit.jsonl ends at seq 2, but runbook {runbook} records that it held seq "
        f"{len(lines)}: records were cut from the end",
        f"mrp: to recover, restore audit.jsonl from a backup that reaches seq {len(lines)}; "
        f"then run {DOCS}",
    ]
    exported = run_mrp(capsys, "audit", "export", "--csv", tmp_path / "a.csv", "-w", ws.root)
    assert exported.exit_code == 0  # export writes what there is, and says what is missing
    assert "warning: the log holds 2 lines, but runbook" in exported.stderr


def test_a_log_emptied_under_a_checkpoint_does_not_pass(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = str(audit_workspace.root)
    for n in range(3):
        assert run_mrp(capsys, "audit", "note", "fraud", f"note {n}", "-w", ws).exit_code == 0
    anchor = tmp_path / "head.json"
    assert run_mrp(capsys, "audit", "checkpoint", "-o", anchor, "-w", ws).exit_code == 0
    audit_workspace.audit_path.write_bytes(b"")  # truncated to 0 bytes

    result = run_mrp(capsys, "audit", "verify", "--checkpoint", anchor, "-w", ws)
    assert result.exit_code == 1
    assert _lines(result) == [
        "mrp: audit.jsonl holds no records, but checkpoint head.json vouches for seq 4: "
        "records were cut from the end",
        f"mrp: to recover, restore audit.jsonl from a backup that reaches seq 4; then run {DOCS}",
    ]
    as_json = run_mrp(capsys, "audit", "verify", "--checkpoint", anchor, "--json", "-w", ws)
    assert as_json.exit_code == 1 and as_json.json()["checkpoint"]["ok"] is False
    # without the checkpoint, the append lock left beside the log still shows it
    alone = run_mrp(capsys, "audit", "verify", "-w", ws)
    assert alone.exit_code == 1
    assert _lines(alone) == [
        "mrp: audit.jsonl holds no records, but its lock file audit.jsonl.lock shows that "
        "records were appended to it: records were cut from the end",
        f"mrp: to recover, restore audit.jsonl from a backup that reaches seq 1; then run {DOCS}",
    ]

    audit_workspace.audit_path.unlink()  # deleted, lock file and all: the checkpoint says so
    AuditLog(audit_workspace.audit_path).lock_path.unlink()
    deleted = run_mrp(capsys, "audit", "verify", "--checkpoint", anchor, "-w", ws)
    assert deleted.exit_code == 1
    assert _lines(deleted) == [
        f"mrp: there is no audit log at {audit_workspace.audit_path}, but checkpoint "
        "head.json vouches for seq 4: the log was deleted or moved",
        "mrp: to recover, put audit.jsonl back from where it was moved, or restore it from a "
        f"backup that reaches seq 4; then run {DOCS}",
    ]
    assert run_mrp(capsys, "audit", "verify", "-w", ws).exit_code == 0  # nothing else shows it


def test_notes_alone_leave_the_append_lock_as_evidence(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = str(audit_workspace.root)
    assert run_mrp(capsys, "audit", "note", "fraud", "hand-over", "-w", ws).exit_code == 0
    audit_workspace.audit_path.unlink()
    result = run_mrp(capsys, "audit", "verify", "--json", "-w", ws)
    assert result.exit_code == 1
    assert result.json()["problem"].endswith(
        "its lock file audit.jsonl.lock shows that records were appended to it: "
        "the log was deleted or moved"
    )


def test_a_refused_append_leaves_no_lock_file_behind(tmp_path: Path) -> None:
    """The lock file is evidence that an append was made: one refused before writing must
    not create it."""
    log = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(MrpError, match="not plain JSON"):
        log.append(ALICE, "note", "fraud\udcff", {"text": "x"}, None, T0)
    assert not log.lock_path.exists() and not log.path.exists()


def test_the_evidence_is_listed_even_when_the_log_holds_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws, runbook = _runbook_workspace(capsys, tmp_path / "ws")
    payload = run_mrp(capsys, "audit", "verify", "--json", "-w", ws.root).json()
    assert payload["ok"] is True
    assert {e["path"] for e in payload["evidence"]} == {
        str(ws.runbooks_dir / f"{runbook}.json"),
        str(AuditLog(ws.audit_path).lock_path),
    }
    assert json.loads((ws.runbooks_dir / f"{runbook}.json").read_text())["audit"]
