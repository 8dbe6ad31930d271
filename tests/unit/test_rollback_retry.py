"""Running `mrp rollback` again while its runbook is open joins that runbook and does what the
flags ask of it: a runbook waiting at the target step (its target refused by a pre-check)
takes the `--to` given (or, with `--yes`, the suggestion) and carries on; when nothing can be
done, the exit is non-zero with a sentence that says so."""

from __future__ import annotations

import pytest

from console.settings import Workspace
from tests.unit.test_runbook_standing import mrp
from tests.unit.test_runbook_support import build_workspace, records, refused_at_target


@pytest.fixture
def ws(tmp_path):  # type: ignore[no-untyped-def]
    return build_workspace(tmp_path / "ws")


def actions(ws: Workspace) -> list[str]:
    return [action for action, _actor, _details in records(ws)]


REFUSED = ["runbook.open", "runbook.target", "runbook.precheck"]


@pytest.mark.parametrize("choice", [("--yes",), ("--to", "2")], ids=["yes", "to"])
def test_a_retry_chooses_the_target_and_carries_the_runbook_on(
    capsys: pytest.CaptureFixture[str], ws: Workspace, choice: tuple[str, ...]
) -> None:
    rb = refused_at_target(ws, "3", reason="x")
    retried = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--reason", "retry", *choice,
                  "--confirm", "fraud@2", "--as", "alice")  # fmt: skip
    assert retried.exit_code == 0, retried.stderr
    assert retried.stderr.splitlines() == [
        f"runbook {rb} is already open for fraud (opened by alice at 2026-11-02T12:00:00Z, at "
        "step 'target'); joining it.",
        f"runbook {rb} keeps the reason it was opened with ('x'); --reason is not recorded.",
    ]
    assert actions(ws) == [*REFUSED, "runbook.target", "runbook.precheck", "runbook.approve"]
    shown = mrp(capsys, ws, "runbook", "show", rb, "--json").json()
    assert (shown["state"], shown["to_version"]) == ("approvals", "2")
    assert retried.stdout.splitlines()[-3] == (
        "1 more approval needed from any of: oncall, model-owner; approved by: alice (oncall)."
    )


def test_a_retry_that_names_no_target_exits_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    rb = refused_at_target(ws, "3")
    retried = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--confirm", "fraud@2",
                  "--as", "alice")  # fmt: skip
    assert retried.exit_code == 2
    assert retried.stderr.splitlines()[-1] == (
        "mrp: no answer to 'Roll back to version': stdin ended; pass it as --to VERSION."
    )
    ineligible = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--to", "1",
                     "--confirm", "fraud@1", "--as", "alice")  # fmt: skip
    assert ineligible.exit_code == 2
    assert ineligible.stderr.splitlines()[-1] == (
        "mrp: version 1 of fraud is not eligible (it is archived); choose an eligible version "
        "with --to VERSION: 2 (the policy's suggestion). Nothing was written."
    )
    assert actions(ws) == REFUSED
    assert mrp(capsys, ws, "runbook", "show", rb, "--json").json()["state"] == "target"


def test_resume_without_a_new_target_says_nothing_was_done(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    rb = refused_at_target(ws, "3")
    resumed = mrp(capsys, ws, "runbook", "resume", rb, "--as", "alice")
    assert resumed.exit_code == 2
    assert resumed.stderr.splitlines()[-1] == (
        f"mrp: nothing was done: runbook {rb} waits for another target (version 3 failed the "
        f"pre-check 'target_status'); choose one with `mrp runbook resume {rb} --to VERSION`."
    )
    ineligible = mrp(capsys, ws, "runbook", "resume", rb, "--to", "1", "--as", "alice")
    assert ineligible.exit_code == 2 and ineligible.stderr.endswith("Nothing was written.\n")
    assert actions(ws) == REFUSED
    chosen = mrp(capsys, ws, "runbook", "resume", rb, "--to", "2", "--as", "alice")
    assert chosen.exit_code == 0, chosen.stderr
    assert actions(ws) == [*REFUSED, "runbook.target", "runbook.precheck"]


def test_a_real_rollback_nothing_can_carry_out_leaves_the_dry_run_be(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    """A real rollback supersedes a dry run in flight (test_runbook_supersede.py) only once it
    opens: refused before that, the dry run stays as it was."""
    rb = refused_at_target(ws, "3")
    real = mrp(capsys, ws, "rollback", "fraud", "--yes", "--confirm", "fraud@2", "--as", "alice")
    assert real.exit_code == 2
    assert real.stderr.splitlines()[-1].startswith("mrp: nothing can carry out a rollback of fraud")
    assert actions(ws) == REFUSED
    assert mrp(capsys, ws, "runbook", "show", rb, "--json").json()["state"] == "target"


def test_joining_a_runbook_already_approved_says_so(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    opened = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--yes", "--reason", "r",
                 "--confirm", "fraud@2", "--as", "alice")  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    again = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--yes", "--reason", "r",
                "--confirm", "fraud@2", "--as", "alice")  # fmt: skip
    assert again.exit_code == 2
    assert again.stderr.splitlines()[-1].startswith("mrp: alice already approved runbook ")
    assert actions(ws).count("runbook.approve") == 1
