"""`mrp rollback` and `mrp runbook ...` as a script or an engineer calls them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from console.sources.sync import sync_workspace
from tests.unit.cli_helpers import Result, run_mrp
from tests.unit.test_runbook_support import build_workspace, records, runbook_files


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_workspace(tmp_path / "ws")


def mrp(capsys, ws, *args: str, stdin: str = "") -> Result:  # type: ignore[no-untyped-def]
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return run_mrp(capsys, *args, "-w", str(ws.root))
    finally:
        sys.stdin = saved


ROLLBACK = ("rollback", "fraud", "--dry-run", "--yes", "--reason", "accuracy 0.82")


def test_two_signers_dry_run_from_the_command_line(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    first = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice", "--json")
    assert first.exit_code == 0, first.stderr
    opened = first.json()
    assert opened["state"] == "approvals" and opened["approvals_needed"] == 1
    assert opened["phrase"] == "fraud@2"

    listed = mrp(capsys, ws, "runbook", "list", "--json").json()["runbooks"]
    assert [r["id"] for r in listed] == [opened["id"]]

    again = mrp(capsys, ws, "runbook", "approve", "fraud", "--as", "alice", "--confirm", "fraud@2")
    assert again.exit_code == 2 and "already approved" in again.stderr

    second = mrp(
        capsys,
        ws,
        "runbook",
        "approve",
        opened["id"],
        "--as",
        "bob",
        "--confirm",
        "fraud@2",
        "--notes",
        "drill",
        "--json",
    )
    assert second.exit_code == 0, second.stderr
    closed = second.json()
    assert closed["state"] == "closed" and closed["outcome"] == "dry_run_complete"
    assert closed["execution"]["attempts"][0]["called"] is False

    verified = mrp(capsys, ws, "audit", "verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    shown = mrp(capsys, ws, "runbook", "show", opened["id"])
    assert "closed" in shown.stdout and "dry run" in shown.stdout


def test_answers_from_stdin(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    answers = "accuracy fell\n\nfraud@2\n"  # reason, target (take the suggestion), phrase
    result = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--as", "alice", stdin=answers)
    assert result.exit_code == 0, result.stderr
    assert "Type fraud@2 to confirm: fraud@2\n" in result.stderr  # each answer ends its line
    assert "Reason for the rollback: accuracy fell\n" in result.stderr
    assert "1 more approval needed" in result.stdout


def test_wrong_phrase_refused_and_nothing_written(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    result = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@4", "--as", "alice")
    assert result.exit_code == 2
    assert "mrp: the confirmation phrase does not match" in result.stderr
    assert runbook_files(ws) == [] and records(ws) == []


def test_untrusted_signer_refused(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    result = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "dave")
    assert result.exit_code == 2 and "no signing key for 'dave'" in result.stderr
    assert runbook_files(ws) == [] and records(ws) == []


def test_real_rollback_without_an_executor_is_refused(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    result = mrp(
        capsys,
        ws,
        "rollback",
        "fraud",
        "--reason",
        "r",
        "--confirm",
        "fraud@2",
        "--yes",
        "--as",
        "alice",
    )
    assert result.exit_code == 2 and "--dry-run" in result.stderr
    assert runbook_files(ws) == []


def test_an_ineligible_target_is_refused_before_anything_is_written(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    """The candidates list says version 3 is rejected: choosing it opens no runbook (which
    would block the model at the target step), writes no record, and says what can be
    chosen."""
    result = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--to", "3", "--reason", "r",
                 "--confirm", "fraud@3", "--as", "alice")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "mrp: version 3 of fraud is not eligible (it is rejected); choose an eligible version "
        "with --to VERSION: 2 (the policy's suggestion). Nothing was written."
    )
    assert runbook_files(ws) == [] and records(ws) == []
    for to, said in (
        ("9", "fraud has no version 9"),
        ("4", "version 4 of fraud is the one serving"),
    ):
        other = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--to", to, "--as", "alice")
        assert other.exit_code == 2
        assert other.stderr.startswith(f"mrp: {said}; choose an eligible version")
    answered = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--as", "alice",
                   stdin="accuracy fell\n1\n")  # fmt: skip
    assert answered.exit_code == 2
    assert answered.stderr.splitlines()[-1].startswith(
        "mrp: version 1 of fraud is not eligible (it is archived)"
    )
    assert runbook_files(ws) == [] and records(ws) == []


def test_second_engineer_joins_the_open_runbook(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    joined = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--as", "bob", stdin="fraud@2\n")
    assert joined.exit_code == 0, joined.stderr
    assert "already open for fraud" in joined.stderr and "joining it" in joined.stderr
    assert len(runbook_files(ws)) == 1
    assert "closed" in joined.stdout


def test_joining_with_another_target_is_refused_not_ignored(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    (rb,) = (name.removesuffix(".json") for name in runbook_files(ws))
    other = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--to", "1", "--as", "bob")
    assert other.exit_code == 2
    assert other.stderr.splitlines()[-1] == (
        f"mrp: runbook {rb} for fraud is at step 'approvals' and targets version 2, so --to 1 "
        f"cannot apply: abort it (`mrp runbook abort {rb}`) and roll back to 1 afresh."
    )
    resumed = mrp(capsys, ws, "runbook", "resume", "fraud", "--to", "1", "--as", "bob")
    assert resumed.exit_code == 2 and "so --to 1 cannot apply" in resumed.stderr
    same = mrp(
        capsys, ws, "rollback", "fraud", "--dry-run", "--to", "2", "--as", "bob", stdin="fraud@2\n"
    )
    assert same.exit_code == 0, same.stderr


def test_break_glass_is_flagged_in_the_export(capsys, ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = mrp(
        capsys,
        ws,
        *ROLLBACK,
        "--confirm",
        "fraud@2",
        "--as",
        "alice",
        "--break-glass",
        "--break-glass-reason",
        "model owner unreachable, losses climbing",
    )
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "audit.csv"
    exported = mrp(capsys, ws, "audit", "export", "--csv", str(out))
    assert exported.exit_code == 0, exported.stderr
    rows = list(csv.DictReader(out.open()))
    glass = [r for r in rows if r["action"] == "runbook.break_glass"]
    assert len(glass) == 1
    assert glass[0]["break_glass"].lower() in ("true", "1")
    assert glass[0]["from_version"] == "4" and glass[0]["to_version"] == "2"
    assert all(r["dry_run"].lower() in ("true", "1") for r in rows)


def test_abort_and_list(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    aborted = mrp(capsys, ws, "runbook", "abort", "fraud", "--reason", "false alarm", "--as", "bob")
    assert aborted.exit_code == 0, aborted.stderr
    assert "aborted at step 'approvals'" in aborted.stdout
    listed = mrp(capsys, ws, "runbook", "list")
    header, row = listed.stdout.splitlines()
    assert header.split()[:5] == ["ID", "MODEL", "ROLLBACK", "STATE", "OUTCOME"]
    assert row.split()[1:6] == ["fraud", "4", "→", "2", "aborted"]
    assert row.index("aborted") == header.index("STATE")
    assert mrp(capsys, ws, "runbook", "list", "--open").stdout.strip() == "no runbooks in flight."
    assert records(ws)[-1][0] == "runbook.abort"


def test_a_policy_broken_after_opening_does_not_stop_reading_or_aborting(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice", "--json")
    assert opened.exit_code == 0, opened.stderr
    policy = ws.policies_dir / "risk.yaml"
    policy.write_text(policy.read_text() + "  bogus: 1\n")

    approved = mrp(capsys, ws, "runbook", "approve", "fraud", "--as", "bob", "--confirm", "fraud@2")
    assert approved.exit_code == 2 and "risk.yaml" in approved.stderr  # judging needs it
    listed = mrp(capsys, ws, "runbook", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [r["state"] for r in listed.json()["runbooks"]] == ["approvals"]
    shown = mrp(capsys, ws, "runbook", "show", "fraud")
    assert shown.exit_code == 0 and "1 more approval" in shown.stdout
    aborted = mrp(capsys, ws, "runbook", "abort", "fraud", "--reason", "bad merge", "--as", "bob")
    assert aborted.exit_code == 0, aborted.stderr
    assert records(ws)[-1][0] == "runbook.abort"
    assert mrp(capsys, ws, "audit", "verify").exit_code == 0


def test_unknown_runbook(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    result = mrp(capsys, ws, "runbook", "show", "rb-nope")
    assert result.exit_code == 2 and "mrp: no runbook rb-nope" in result.stderr


def test_dry_run_whose_rehearsal_would_not_recover_exits_1(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = build_workspace(tmp_path / "bad-target")
    metrics = ws.root / "metrics" / "fraud.csv"
    metrics.write_text(metrics.read_text().replace(",0.95\n", ",0.81\n"))  # version 2 was bad too
    assert all(o.ok for o in sync_workspace(ws))
    result = mrp(
        capsys,
        ws,
        *ROLLBACK,
        "--confirm",
        "fraud@2",
        "--as",
        "alice",
        "--break-glass",
        "--break-glass-reason",
        "model owner unreachable, losses climbing",
    )
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "rehearsal: would not recover" in result.stdout
    assert "2 approvals" in result.stdout


def test_dry_run_whose_rehearsal_would_recover_exits_0(capsys, ws) -> None:  # type: ignore[no-untyped-def]
    mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    closed = mrp(capsys, ws, "runbook", "approve", "fraud", "--as", "bob", "--confirm", "fraud@2")
    assert closed.exit_code == 0, closed.stdout + closed.stderr
    assert "rehearsal: would recover" in closed.stdout


def test_a_frozen_rollback_names_the_break_glass_command_that_works(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = build_workspace(tmp_path / "frozen", freeze=True)
    opened = mrp(capsys, ws, *ROLLBACK, "--confirm", "fraud@2", "--as", "alice")
    assert opened.exit_code == 2
    told = opened.stderr[opened.stderr.index("`mrp ") + 1 : opened.stderr.rindex("`")]
    assert told.endswith("--confirm fraud@2 --break-glass --break-glass-reason TEXT")
    args = told.split()[1:-1]  # as an engineer pastes it, with a reason for TEXT
    glass = mrp(capsys, ws, *args, "outage beats the freeze", "--as", "bob")
    assert glass.exit_code == 0, glass.stderr
    assert [r[0] for r in records(ws)].count("runbook.break_glass") == 1
