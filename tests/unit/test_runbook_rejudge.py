"""A change freeze and stale data are judged again at each approval (and resume), not only at
the pre-checks: a runbook blocked by a freeze takes ordinary approvals once the freeze has
ended, one blocked by stale data once a sync brought fresh data, and a freeze that began
after the pre-checks passed blocks the next ordinary approval. Each changed verdict is a
`runbook.precheck` record. Through the CLI, with the workspace clock (MRP_NOW) moved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from console.settings import Workspace
from tests.unit.test_runbook_standing import ROLLBACK, mrp, only_runbook, outcome_cell
from tests.unit.test_runbook_support import NOW, build_workspace, records

ENDS_SOON = ("2026-11-02T11:00:00Z", "2026-11-02T12:03:00Z")
"""A freeze over NOW that ends 3 minutes later (the data, up to NOW, is still fresh then)."""
STARTS_SOON = ("2026-11-02T12:02:00Z", "2026-11-02T13:00:00Z")


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def at(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    """The workspace clock ``minutes`` after NOW."""
    moment = NOW + timedelta(minutes=minutes)
    monkeypatch.setenv("MRP_NOW", f"{moment:%Y-%m-%dT%H:%M:%SZ}")


def rejudged(ws: Workspace) -> list[tuple[str, dict[str, bool]]]:
    """(actor, check name → ok) of each re-judgement at approvals, in order."""
    return [
        (actor, {str(c["name"]): bool(c["ok"]) for c in details["checks"]})  # type: ignore[attr-defined]
        for action, actor, details in records(ws)
        if action == "runbook.precheck" and details.get("at_step") == "approvals"
    ]


def test_once_the_freeze_ends_ordinary_approvals_carry_the_runbook_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=ENDS_SOON)
    refused = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert refused.exit_code == 2
    assert "Approve again once it ends, or break-glass now: `mrp runbook approve" in (
        refused.stderr
    )
    rb = only_runbook(capsys, ws)
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "frozen: wait, or break-glass"

    at(monkeypatch, 4)  # the freeze ended a minute ago
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "needs 2 more approvals"
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert "  waiting    2 more approvals (the change freeze ended at 2026-11-02T12:03:00Z)" in (
        lines
    )
    assert not any(line.startswith(("  blocked", "  next")) for line in lines)
    assert rejudged(ws) == []  # reading writes nothing

    bob = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert bob.exit_code == 0, bob.stderr
    assert "approved by bob." in bob.stdout
    assert rejudged(ws) == [("bob", {"change_freeze": True, "data_fresh": True})]
    action, actor, details = records(ws)[-1]
    assert (action, actor, details["approval"]) == ("runbook.approve", "bob", 1)

    alice = mrp(capsys, ws, "runbook", "approve", rb, "--as", "alice", "--confirm", "fraud@2")
    assert alice.exit_code == 0, alice.stderr
    assert mrp(capsys, ws, "runbook", "show", rb, "--json").json()["state"] == "closed"
    assert len(rejudged(ws)) == 1  # the verdict held: nothing more to record
    assert not any(action == "runbook.break_glass" for action, _a, _d in records(ws))
    verified = mrp(capsys, ws, "audit", "verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_resume_after_the_freeze_records_it_and_asks_for_approvals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=ENDS_SOON)
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    rb = only_runbook(capsys, ws)
    resumed = mrp(capsys, ws, "runbook", "resume", rb, "--as", "alice")
    assert resumed.exit_code == 0, resumed.stderr
    assert "blocked    frozen until 2026-11-02T12:03:00Z" in resumed.stdout
    assert rejudged(ws) == []  # still frozen: the verdict held

    at(monkeypatch, 4)
    resumed = mrp(capsys, ws, "runbook", "resume", rb, "--as", "alice")
    assert resumed.exit_code == 0, resumed.stderr
    assert "  waiting    2 more approvals" in resumed.stdout
    assert "2 more approvals needed from any of: oncall, model-owner; approved by: none yet." in (
        resumed.stdout
    )
    assert rejudged(ws) == [("alice", {"change_freeze": True, "data_fresh": True})]
    shown = mrp(capsys, ws, "runbook", "show", rb).stdout
    assert "  ok   change_freeze: no change freeze applies now." in shown


def test_a_freeze_that_began_after_the_prechecks_blocks_the_next_approval(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=STARTS_SOON)
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert opened.exit_code == 0, opened.stderr  # alice approved: 1 of 2
    rb = only_runbook(capsys, ws)

    at(monkeypatch, 3)  # the freeze began a minute ago
    bob = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert bob.exit_code == 2
    assert bob.stdout == ""  # no summary saying the pre-checks all passed before the refusal
    assert bob.stderr.startswith(
        "mrp: a change freeze applies from 2026-11-02T12:02:00Z to 2026-11-02T13:00:00Z "
        "(quarter close); until it ends only break-glass may proceed. Approve again once it "
        f"ends, or break-glass now: `mrp runbook approve {rb} --confirm fraud@2 --break-glass "
    )
    assert rejudged(ws) == [("bob", {"change_freeze": False, "data_fresh": True})]
    assert [a for a, _actor, _d in records(ws)][-2:] == ["runbook.approve", "runbook.precheck"]
    verified = mrp(capsys, ws, "audit", "verify")  # the refused signer's record is signed
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "frozen: wait, or break-glass"
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert (
        "  blocked    frozen until 2026-11-02T13:00:00Z: approve once it ends, or break-glass now"
    ) in lines

    again = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert again.exit_code == 2
    assert len(rejudged(ws)) == 1  # refused again, nothing new to record

    glass = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2",
                "--break-glass", "--break-glass-reason", "outage beats the freeze")  # fmt: skip
    assert glass.exit_code == 0, glass.stderr
    (details,) = [d for a, _actor, d in records(ws) if a == "runbook.break_glass"]
    assert details["overridden_checks"] == ["change_freeze"]


def test_a_freeze_that_began_without_break_glass_says_wait_or_abort(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=STARTS_SOON, break_glass=False)
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    rb = only_runbook(capsys, ws)
    at(monkeypatch, 3)
    bob = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert bob.exit_code == 2
    assert bob.stderr.rstrip().endswith(
        "(the policy allows no break-glass). Approve again once it ends, or abort it: "
        f"`mrp runbook abort {rb}`."
    )
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "frozen: wait, or abort"

    at(monkeypatch, 61)  # the freeze is over, and so is the data's freshness (NOW + 5m)
    late = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert late.exit_code == 2
    assert "older than the 5m staleness window: sync first. Approve again once `mrp sync` " in (
        late.stderr
    )
    assert rejudged(ws)[-1] == ("bob", {"change_freeze": True, "data_fresh": False})
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "stale data: sync, or abort"


def test_stale_data_blocks_until_a_sync_brings_fresh_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws")
    at(monkeypatch, 10)  # the newest sample (NOW) is 10 minutes old
    refused = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert refused.exit_code == 2
    assert "sync first. Approve again once `mrp sync` brings fresh data, or break-glass now" in (
        refused.stderr
    )
    rb = only_runbook(capsys, ws)
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == (
        "stale data: sync, or break-glass"
    )
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert (
        "  blocked    data stale: approve once a sync brings fresh data, or break-glass now"
    ) in lines
    nexts = [line.removeprefix("  next       ") for line in lines if line.startswith("  next")]
    assert nexts[:2] == ["mrp sync", f"mrp runbook approve {rb} --as NAME --confirm fraud@2"]

    _samples_until(ws, NOW + timedelta(minutes=10))
    synced = mrp(capsys, ws, "sync")
    assert synced.exit_code == 0, synced.stderr
    bob = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert bob.exit_code == 0, bob.stderr
    assert rejudged(ws) == [("bob", {"change_freeze": True, "data_fresh": True})]
    shown = mrp(capsys, ws, "runbook", "show", rb).stdout
    assert "  ok   data_fresh: the newest sample is 0s old." in shown
    assert "  waiting    1 more approval" in shown.splitlines()


def _samples_until(ws: Workspace, end: object) -> None:
    """fraud's version 4 keeps reporting its bad accuracy, minute by minute, up to ``end``."""
    path = ws.root / "metrics" / "fraud.csv"
    moment = NOW + timedelta(minutes=1)
    rows = []
    while moment <= end:  # type: ignore[operator]
        rows.append(f"fraud,4,accuracy,{moment:%Y-%m-%dT%H:%M:%SZ},0.82")
        moment += timedelta(minutes=1)
    path.write_text(path.read_text() + "\n".join(rows) + "\n")
