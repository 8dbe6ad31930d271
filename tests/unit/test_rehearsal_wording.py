"""A dry run's verify step rehearses the last window the target served before it was
replaced, which can be hours before now: it said "over the last 15m version 2 served
(10:45 → 11:00)" at 12:00, which reads as the last 15 minutes. It says which window, and
how long ago it ended."""

from __future__ import annotations

from pathlib import Path

from console.runbook.approving import approve
from console.runbook.drive import drive
from tests.unit.test_runbook_flow import _to_approvals
from tests.unit.test_runbook_support import build_workspace, make_env, records, signer


def test_the_rehearsal_names_its_window_and_when_it_ended(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws")  # now 12:00Z; version 4 replaced 2 at 11:00Z
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws, dry_run=True)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    done = drive(env, runbook.id, signer(ws, "bob"))
    said = (
        "dry run, nothing moved: rehearsed on version 2's last 15m behind champion, before it "
        "was replaced (2026-11-02T10:45:00Z → 2026-11-02T11:00:00Z, 1h ago): every trigger "
        "firing now was ok then."
    )
    assert done.verification is not None and done.verification.summary == said
    signed = [d for a, _who, d in records(ws) if a == "runbook.verify"]
    assert [d["summary"] for d in signed] == [said]
