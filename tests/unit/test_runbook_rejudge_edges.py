"""Re-judging at approvals at its edges: a state database another process holds (break-glass
carries on and says the checks were not judged again; an ordinary approval is refused in a
sentence about the approval), a resume racing another signer's final approval, a freeze that
began after the pre-checks as `runbook list`/`show` read it, and what the re-judge record,
History and `mrp audit show` say for a policy without break-glass."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from console.runbook.approving import approve
from console.runbook.drive import DriveOptions, drive
from console.runbook.model import Runbook
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.settings import Workspace
from console.tui.history_data import record_summary
from tests.unit.test_runbook_rejudge import STARTS_SOON, at, rejudged
from tests.unit.test_runbook_standing import ROLLBACK, mrp, only_runbook, outcome_cell
from tests.unit.test_runbook_support import build_workspace, make_env, records, signer

HOLD = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "sys.stdin.read()"
)
GLASS = ("--break-glass", "--break-glass-reason", "outage beats the wait")


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


@contextmanager
def held(ws: Workspace) -> Iterator[None]:
    """Another process (a long `mrp sync`, say) holds a write connection on state.duckdb."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_break_glass_carries_on_while_another_process_holds_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "ws")
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert opened.exit_code == 0, opened.stderr  # alice approved: 1 of 2
    rb = only_runbook(capsys, ws)
    approving = ("runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2", "--no-continue")
    with held(ws):
        ordinary = mrp(capsys, ws, *approving)
        assert ordinary.exit_code == 2
        assert ordinary.stderr.startswith(
            f"mrp: the approval of runbook {rb} was not recorded: each approval judges a change "
            "freeze and the data's age again, and the state database cannot be read now ("
        )
        assert "is locked by process" in ordinary.stderr
        assert ordinary.stderr.rstrip().endswith(
            f"Approve again once it can be read, or break-glass now: `mrp runbook approve {rb} "
            "--confirm fraud@2 --break-glass --break-glass-reason TEXT`."
        )
        assert records(ws)[-1][0] == "runbook.approve"  # alice's: nothing new

        glass = mrp(capsys, ws, *approving, *GLASS)
        assert glass.exit_code == 0, glass.stderr
    action, actor, details = records(ws)[-1]
    assert (action, actor, details["rejudged"]) == ("runbook.break_glass", "bob", False)
    assert "is locked by process" in str(details["not_rejudged_because"])
    assert details["overridden_checks"] == []  # the checks it held all passed
    assert (
        record_summary(action, details)
        == "BREAK-GLASS: outage beats the wait (checks not re-judged)"
    )
    assert mrp(capsys, ws, "runbook", "show", rb, "--json").json()["state"] == "execute"
    verified = mrp(capsys, ws, "audit", "verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_break_glass_that_could_judge_the_checks_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "ws")
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    rb = only_runbook(capsys, ws)
    glass = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2",
                "--no-continue", *GLASS)  # fmt: skip
    assert glass.exit_code == 0, glass.stderr
    action, _actor, details = records(ws)[-1]
    assert action == "runbook.break_glass" and details["rejudged"] is True
    assert "not_rejudged_because" not in details


def _at_approvals(ws: Workspace) -> Runbook:
    """A dry run of fraud 4 → 2 that alice opened and approved (1 of 2)."""
    env, _fake = make_env(ws)
    alice = signer(ws, "alice")
    runbook = open_runbook(env, plan(env, "fraud"), "accuracy 0.82", alice, True)
    choose_target(env, runbook.id, alice, None)
    run_prechecks(env, runbook.id, alice)
    return approve(env, runbook.id, alice, "fraud@2")


def test_a_resume_that_races_the_final_approval_carries_the_runbook_on(tmp_path: Path) -> None:
    """Bob's approval lands after alice's resume read the runbook at approvals and before it
    judged the freeze and the data's age again: the resume goes on from execute."""
    ws = build_workspace(tmp_path / "ws")
    runbook = _at_approvals(ws)
    env, _fake = make_env(ws)
    raced: list[Runbook] = []

    def bob_approves_meanwhile(read: Runbook) -> None:
        if read.state == "approvals" and not raced:
            raced.append(approve(env, read.id, signer(ws, "bob"), "fraud@2"))

    done = drive(env, runbook.id, signer(ws, "alice"), DriveOptions(), bob_approves_meanwhile)
    assert raced[0].state == "execute"
    assert done.state == "closed"
    assert [a for a, _actor, _d in records(ws)][-4:] == [
        "runbook.approve", "runbook.execute", "runbook.verify", "runbook.close",
    ]  # fmt: skip


def test_list_and_show_count_a_freeze_that_began_after_the_prechecks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=STARTS_SOON)
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    rb = only_runbook(capsys, ws)
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "needs 1 more approval"

    at(monkeypatch, 3)  # the freeze began a minute ago; nothing has judged it yet
    assert outcome_cell(mrp(capsys, ws, "runbook", "list").stdout) == "frozen: wait, or break-glass"
    lines = mrp(capsys, ws, "runbook", "show", rb).stdout.splitlines()
    assert (
        "  blocked    frozen until 2026-11-02T13:00:00Z: approve once it ends, or break-glass now"
    ) in lines
    assert not any(line.startswith("  waiting") for line in lines)
    assert rejudged(ws) == []  # reading writes nothing


def test_a_rejudge_without_break_glass_is_recorded_and_read_as_such(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=STARTS_SOON, break_glass=False)
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    rb = only_runbook(capsys, ws)
    at(monkeypatch, 3)
    refused = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2")
    assert refused.exit_code == 2
    action, _actor, details = records(ws)[-1]
    assert action == "runbook.precheck"
    assert (details["at_step"], details["passed"], details["only_break_glass"]) == (
        "approvals", True, False,
    )  # fmt: skip
    freeze, fresh = details["checks"]  # type: ignore[misc]
    assert (freeze["name"], freeze["ok"], freeze["until"]) == (
        "change_freeze", False, "2026-11-02T13:00:00Z",
    )  # fmt: skip
    assert (fresh["name"], fresh["ok"], fresh["until"]) == ("data_fresh", True, None)
    assert record_summary(action, details) == (
        "re-judged at approvals: change_freeze failed (approvals wait; the policy allows no "
        "break-glass)"
    )
    shown = mrp(capsys, ws, "audit", "show").stdout.splitlines()
    rows = [line for line in shown if "runbook.precheck" in line]
    assert rows[-1].endswith("re-judged at approvals: change_freeze failed")
    assert rows[0].endswith("7 pre-checks passed")
    first = next(d for a, _actor, d in records(ws) if a == "runbook.precheck")
    assert first["only_break_glass"] is False and "at_step" not in first
    assert record_summary("runbook.precheck", first) == "pre-checks passed"
