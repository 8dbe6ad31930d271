"""Appends to a log that was deleted or cut short are refused: `mrp audit note`, every
runbook step (before it decides or acts) and `mrp rollback` stop with exit 2 and one
sentence naming what shows the records, and write nothing (no line, no lock file, no
runbook change). A new workspace's first record, and a restored log, still append."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.audit.expected import Evidence, RecordsMissing
from console.audit.log import AuditLog
from console.runbook.approving import approve
from console.runbook.execute import execute
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.settings import Workspace
from tests.unit.audit_fixtures import ALICE, T0, audit_workspace, build_log
from tests.unit.cli_helpers import Result, run_mrp
from tests.unit.test_runbook_support import build_workspace, make_env, runbook_files, signer

__all__ = ["audit_workspace"]  # a fixture used below

ADVICE = "so nothing was recorded; restore the log from a backup (`mrp audit verify` says more)."


def _note(capsys: pytest.CaptureFixture[str], ws: Workspace, text: str) -> Result:
    return run_mrp(capsys, "audit", "note", "fraud", text, "-w", ws.root)


DRY_RUN = ("--dry-run", "--yes", "--reason", "accuracy 0.82", "--confirm", "fraud@2")


def _dry_run_by_alice(capsys: pytest.CaptureFixture[str], ws: Workspace) -> str:
    """`mrp rollback --dry-run` by alice: a runbook at approvals, waiting for a second signer."""
    opened = run_mrp(
        capsys, "rollback", "fraud", *DRY_RUN, "--as", "alice", "--json", "-w", ws.root
    )
    assert opened.exit_code == 0, opened.stderr
    assert opened.json()["state"] == "approvals"
    runbook: str = opened.json()["id"]
    return runbook


def _stamp(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def test_a_note_after_the_log_was_deleted_is_refused(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = audit_workspace
    for n in range(3):
        assert _note(capsys, ws, f"hand-over {n}").exit_code == 0
    lock = AuditLog(ws.audit_path).lock_path
    before = _stamp(lock)
    ws.audit_path.unlink()

    refused = _note(capsys, ws, "written over the gap?")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr == (
        f"mrp: there is no audit log at {ws.audit_path}, but its lock file audit.jsonl.lock "
        f"shows that records were appended to it: the log was deleted or moved, {ADVICE}\n"
    )
    assert "Traceback" not in refused.stderr
    assert not ws.audit_path.exists()  # not recreated
    assert _stamp(lock) == before  # the lock file untouched
    assert run_mrp(capsys, "audit", "note", "fraud", "x", "--json", "-w", ws.root).exit_code == 2


def test_a_note_after_the_log_was_truncated_is_refused(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = audit_workspace
    assert _note(capsys, ws, "hand-over").exit_code == 0
    ws.audit_path.write_bytes(b"")  # cut to 0 bytes
    refused = _note(capsys, ws, "after the cut")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "mrp: audit.jsonl holds no records, but its lock file audit.jsonl.lock shows that "
        f"records were appended to it: records were cut from the end, {ADVICE}\n"
    )
    assert ws.audit_path.read_bytes() == b""


def test_a_new_workspace_records_its_first_note_and_a_restored_log_appends_again(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = audit_workspace
    lock = AuditLog(ws.audit_path).lock_path
    assert not ws.audit_path.exists() and not lock.exists()  # nothing shows records yet
    first = _note(capsys, ws, "first words")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("recorded note seq 1 ")
    assert lock.exists()

    backup = ws.audit_path.read_bytes()
    ws.audit_path.unlink()
    assert _note(capsys, ws, "refused").exit_code == 2
    ws.audit_path.write_bytes(backup)  # restored from a backup
    again = _note(capsys, ws, "after the restore")
    assert again.exit_code == 0 and again.stdout.startswith("recorded note seq 2 ")
    assert run_mrp(capsys, "audit", "verify", "-w", ws.root).exit_code == 0


def test_given_evidence_refuses_a_shorter_log_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    build_log(path)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    shows = Evidence(
        tmp_path / "rb.json", len(lines), f"runbook rb-1 records that it held seq {len(lines)}"
    )
    log = AuditLog(path, evidence=lambda: shows)
    with pytest.raises(RecordsMissing) as caught:
        log.append(ALICE, "note", "fraud", {"text": "x"}, None, T0)
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        f"audit.jsonl ends at seq 3, but runbook rb-1 records that it held seq {len(lines)}: "
        f"records were cut from the end, {ADVICE}"
    )
    with pytest.raises(RecordsMissing):
        log.check()
    assert path.read_bytes() == b"".join(lines[:3])
    alone = AuditLog(path)  # without the runbook's word, the lock file alone: seq 1
    assert alone.append(ALICE, "note", "fraud", {"text": "x"}, None, T0).seq == 4


def test_a_log_deleted_with_its_lock_file_is_refused_without_making_a_lock_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Runbooks alone show it: no lock file is created by the refused append."""
    ws = build_workspace(tmp_path / "ws")
    runbook = _dry_run_by_alice(capsys, ws)
    held = len(ws.audit_path.read_bytes().splitlines())
    ws.audit_path.unlink()
    lock = AuditLog(ws.audit_path).lock_path
    lock.unlink()

    refused = _note(capsys, ws, "over the gap")
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"mrp: there is no audit log at {ws.audit_path}, but runbook {runbook} records that "
        f"it held seq {held}: the log was deleted or moved, {ADVICE}\n"
    )
    assert not ws.audit_path.exists() and not lock.exists()


def test_runbook_steps_after_the_log_was_deleted_are_refused_and_nothing_is_executed(
    tmp_path: Path,
) -> None:
    ws = build_workspace(tmp_path / "ws")
    env, fake = make_env(ws)
    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    runbook = open_runbook(env, plan(env, "fraud"), "accuracy fell to 0.82", alice, False)
    runbook = choose_target(env, runbook.id, alice)
    runbook = run_prechecks(env, runbook.id, alice)
    approve(env, runbook.id, alice, "fraud@2")
    runbook = approve(env, runbook.id, bob, "fraud@2")
    assert runbook.state == "execute"  # every approval recorded; the move comes next
    document = env.store.path(runbook.id).read_bytes()
    ws.audit_path.unlink()
    AuditLog(ws.audit_path).lock_path.unlink()  # the runbook's recorded seqs alone show it

    with pytest.raises(RecordsMissing, match="the log was deleted or moved, so nothing"):
        execute(env, runbook.id, bob)
    assert fake.calls == [] and fake.alias_at == "4"  # the executor was never called
    assert env.store.path(runbook.id).read_bytes() == document  # no attempt, no pending record
    assert not ws.audit_path.exists()
    assert not AuditLog(ws.audit_path).lock_path.exists()

    # nor is a runbook opened over the gap (the check comes before the runbook is written)
    with pytest.raises(RecordsMissing):
        open_runbook(env, plan(env, "fraud"), "again", alice, True)
    assert runbook_files(ws) == [f"{runbook.id}.json"]


def test_mrp_rollback_and_runbook_approve_stop_before_acting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "ws")
    runbook = _dry_run_by_alice(capsys, ws)  # waits for bob's approval
    document = (ws.runbooks_dir / f"{runbook}.json").read_bytes()
    ws.audit_path.unlink()

    approved = run_mrp(
        capsys, "runbook", "approve", runbook, "--as", "bob", "--confirm", "fraud@2", "-w", ws.root
    )
    assert approved.exit_code == 2 and approved.stdout == ""
    assert approved.stderr.startswith(f"mrp: there is no audit log at {ws.audit_path}, but ")
    assert approved.stderr.endswith(f"the log was deleted or moved, {ADVICE}\n")
    assert (ws.runbooks_dir / f"{runbook}.json").read_bytes() == document

    resumed = run_mrp(capsys, "runbook", "resume", runbook, "--as", "bob", "-w", ws.root)
    assert resumed.exit_code == 2 and ADVICE in resumed.stderr
    again = run_mrp(capsys, "rollback", "fraud", *DRY_RUN, "--as", "bob", "-w", ws.root)
    assert again.exit_code == 2 and again.stderr == approved.stderr
    assert (ws.runbooks_dir / f"{runbook}.json").read_bytes() == document
    assert runbook_files(ws) == [f"{runbook}.json"]
    assert not ws.audit_path.exists()
