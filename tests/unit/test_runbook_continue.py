"""What a signer is told about the approval that completes the count: it carries the runbook
on (for a real rollback: execute, then the whole verify window) unless --no-continue, and
after --no-continue, which command does the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.settings import Workspace
from tests.unit.test_runbook_standing import ROLLBACK, mrp, only_runbook
from tests.unit.test_runbook_support import build_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws")


def test_no_continue_says_what_resume_will_do(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert opened.exit_code == 0, opened.stderr
    assert opened.stdout.splitlines()[-1] == (
        "The approval that completes the count carries the dry run on to its close (nothing is "
        "moved), unless --no-continue."
    )
    rb = only_runbook(capsys, ws)
    approved = mrp(capsys, ws, "runbook", "approve", rb, "--as", "bob", "--confirm", "fraud@2",
                   "--no-continue")  # fmt: skip
    assert approved.exit_code == 0, approved.stderr
    assert approved.stdout.splitlines()[-1] == (
        f"approved; nothing is executed yet: `mrp runbook resume {rb}` executes it (nothing is "
        "moved) and closes the dry run."
    )
    resumed = mrp(capsys, ws, "runbook", "resume", rb, "--as", "bob", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.json()["outcome"] == "dry_run_complete"
