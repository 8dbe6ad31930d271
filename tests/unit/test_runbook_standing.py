"""What `mrp runbook list` and `show` say an open runbook waits on: the count of approvals
it needs, or, when a check refused it, what blocks it and the commands that move it on
(the break-glass command is the one the refusal printed)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from console.runbook.drive import drive
from console.settings import Workspace
from console.sources.sync import sync_workspace
from tests.unit.cli_helpers import Result, run_mrp
from tests.unit.test_runbook_support import (
    NOW,
    build_workspace,
    make_env,
    refused_at_target,
    signer,
)

ROLLBACK = ("rollback", "fraud", "--dry-run", "--yes", "--reason", "accuracy 0.82")
GLASS = "--confirm fraud@2 --break-glass --break-glass-reason TEXT"


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def mrp(capsys: pytest.CaptureFixture[str], ws: Workspace, *args: str, stdin: str = "") -> Result:
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return run_mrp(capsys, *args, "-w", str(ws.root))
    finally:
        sys.stdin = saved


def only_runbook(capsys: pytest.CaptureFixture[str], ws: Workspace) -> str:
    (row,) = mrp(capsys, ws, "runbook", "list", "--json").json()["runbooks"]
    return str(row["id"])


def outcome_cell(listed: str) -> str:
    """The one runbook's OUTCOME, its wrapped lines joined."""
    header, *lines = listed.splitlines()
    start, end = header.index("OUTCOME"), header.index("OPENED")
    assert lines[0].startswith("rb-") and not any(line.startswith("rb-") for line in lines[1:])
    return " ".join(line[start:end].strip() for line in lines)


def test_a_frozen_runbook_is_listed_as_wait_or_break_glass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "frozen", freeze=True)
    refused = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert refused.exit_code == 2
    rb = only_runbook(capsys, ws)
    told = refused.stderr[refused.stderr.index("`mrp ") + 1 : refused.stderr.rindex("`")]
    assert told == f"mrp runbook approve {rb} {GLASS}"

    listed = mrp(capsys, ws, "runbook", "list")
    assert listed.exit_code == 0
    assert outcome_cell(listed.stdout) == "frozen: wait, or break-glass"
    assert "more approval" not in listed.stdout

    shown = mrp(capsys, ws, "runbook", "show", rb)
    assert shown.exit_code == 0
    lines = shown.stdout.splitlines()
    blocked = "frozen until 2026-11-03T00:00:00Z: approve once it ends, or break-glass now"
    assert f"  blocked    {blocked}" in lines
    assert f"  next       mrp runbook approve {rb} --as NAME --confirm fraud@2" in lines
    assert f"  next       {told}" in lines  # the refusal's command, word for word
    assert "more approval" not in shown.stdout and "waiting" not in shown.stdout

    resumed = mrp(capsys, ws, "runbook", "resume", rb, "--as", "alice")
    assert resumed.exit_code == 0, resumed.stderr
    assert f"  blocked    {blocked}" in resumed.stdout
    assert "Another signer approves" not in resumed.stdout

    asked = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert asked.exit_code == 2
    assert asked.stdout == ""  # the refusal alone, with no summary to read first
    assert asked.stderr.rstrip().endswith(f"break-glass now: `{told}`.")

    pasted = f"{told.removeprefix('mrp ').removesuffix('TEXT')}outage-beats-the-freeze"
    glass = mrp(capsys, ws, *pasted.split(), "--as", "bob")
    assert glass.exit_code == 0, glass.stderr
    assert "blocked" not in mrp(capsys, ws, "runbook", "show", rb).stdout


def test_the_json_still_counts_the_approvals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "frozen", freeze=True)
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    shown = mrp(capsys, ws, "runbook", "show", "fraud", "--json").json()
    assert shown["state"] == "approvals" and shown["approvals_needed"] == 2
    (row,) = mrp(capsys, ws, "runbook", "list", "--json").json()["runbooks"]
    assert set(row) == {
        "id", "model", "state", "from_version", "to_version", "dry_run", "requester",
        "created_at", "updated_at", "approvals", "break_glass", "outcome", "supersedes",
        "superseded_by",
    }  # fmt: skip
    assert row["outcome"] is None


def test_frozen_without_break_glass_says_wait_or_abort(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "frozen", freeze=True, break_glass=False)
    refused = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    rb = only_runbook(capsys, ws)
    assert refused.exit_code == 2
    assert refused.stderr.rstrip().endswith(
        "(quarter close); no rollback may proceed while it lasts (the policy allows no "
        f"break-glass). Approve again once it ends, or abort it: `mrp runbook abort {rb}`."
    )
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "frozen: wait, or abort"
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert (
        "  blocked    frozen until 2026-11-03T00:00:00Z: approve once it ends, or abort (the "
        "policy allows no break-glass)"
    ) in lines
    assert f"  next       mrp runbook abort {rb}" in lines


def test_an_approvable_runbook_still_counts_what_it_needs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "ws")
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert opened.exit_code == 0, opened.stderr
    rb = only_runbook(capsys, ws)
    assert opened.stdout.splitlines()[-3:] == [
        "1 more approval needed from any of: oncall, model-owner; approved by: alice (oncall).",
        f"Another signer approves with `mrp runbook approve {rb} --as NAME --confirm fraud@2`.",
        "The approval that completes the count carries the dry run on to its close (nothing is "
        "moved), unless --no-continue.",
    ]
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "needs 1 more approval"
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert "  waiting    1 more approval" in lines
    assert not any(line.startswith(("  blocked", "  next")) for line in lines)


def test_a_target_refused_by_a_precheck_says_choose_another(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "ws")
    rb = refused_at_target(ws, "3")
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == (
        "target_status: choose another target"
    )
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert "  blocked    v3 refused (target_status): choose another target" in lines
    assert f"  next       mrp runbook resume {rb} --to VERSION" in lines
    assert f"  next       mrp runbook abort {rb}" in lines


def test_a_rollback_back_within_the_cooldown_is_listed_as_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """fraud was rolled back 4 → 2 (a real move, by the fake registry); rolling it forward to
    4 again within the hour fails the cooldown and the runbook says so."""
    ws = build_workspace(tmp_path / "ws")
    env, _fake = make_env(ws)
    first = _real_rollback(env, ws)
    assert first.outcome == "recovered"
    _alias_now_at(ws, "2")

    refused = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--to", "4", "--reason",
                  "2 is worse", "--confirm", "fraud@4", "--as", "alice")  # fmt: skip
    assert refused.exit_code == 2
    assert "mrp: pre-check 'cooldown' failed" in refused.stderr
    opened = [r for r in mrp(capsys, ws, "runbook", "list", "--json").json()["runbooks"]
              if r["state"] == "target"]  # fmt: skip
    rb = opened[0]["id"]
    listed = mrp(capsys, ws, "runbook", "list", "--open")
    assert outcome_cell(listed.stdout) == "cooldown: choose another target"
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert "  blocked    v4 refused (cooldown): choose another target" in lines


def _real_rollback(env, ws):  # type: ignore[no-untyped-def]
    from console.runbook.approving import approve
    from console.runbook.planning import plan
    from console.runbook.service import choose_target, open_runbook, run_prechecks

    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    runbook = open_runbook(env, plan(env, "fraud"), "accuracy 0.82", alice, False)
    runbook = choose_target(env, runbook.id, alice, None)
    runbook = run_prechecks(env, runbook.id, alice)
    approve(env, runbook.id, alice, "fraud@2")
    approve(env, runbook.id, bob, "fraud@2")
    return drive(env, runbook.id, bob)


def _alias_now_at(ws: Workspace, version: str) -> None:
    """The registry, as synced: the alias moved to ``version`` a few minutes ago."""
    path = ws.root / "deployments.json"
    data = json.loads(path.read_text())
    model = data["models"][0]
    model["aliases"]["champion"] = version
    at = NOW - timedelta(minutes=5)
    model["history"].append(
        {"alias": "champion", "version": version, "at": f"{at:%Y-%m-%dT%H:%M:%SZ}"}
    )
    path.write_text(json.dumps(data))
    assert all(o.ok for o in sync_workspace(ws))
