"""`mrp rollback` and `mrp runbook show` on the demo workspace fit the terminal's width
(120 columns at most; 120 when piped), wrapping free text under its own column; `--json`
keeps every text whole."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from console.runbook.drill import drill_signers
from console.settings import Workspace, open_workspace
from console.sources.sync import sync_workspace
from console.workspace_init import copy_sample_workspace
from tests.unit.cli_helpers import Result, run_mrp

REASON = (
    "accuracy collapsed after the 20:00 deploy of version 7; fraud losses are climbing on the "
    "finance dashboard and the model owner is paged"
)
ROLLBACK = ("rollback", "fraud-scoring", "--dry-run", "--yes", "--reason", REASON, "--as", "alice")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Workspace]:
    """The demo workspace, synced, with the drill's signers; the process keyring restored."""
    before = keyring.get_keyring()
    ws = open_workspace(copy_sample_workspace(tmp_path / "demo"))
    drill_signers(ws)
    assert all(o.ok for o in sync_workspace(ws))
    yield ws
    keyring.set_keyring(before)


def mrp(capsys: pytest.CaptureFixture[str], ws: Workspace, *args: str) -> Result:
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        return run_mrp(capsys, *args, "-w", str(ws.root))
    finally:
        sys.stdin = saved


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_rollback_lines_fit_120_columns(
    capsys: pytest.CaptureFixture[str], demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: still 120
    opened = mrp(capsys, demo, *ROLLBACK, "--confirm", "fraud-scoring@6")
    assert opened.exit_code == 0, opened.stderr
    assert widest(opened.stdout) <= 120
    lines = opened.stdout.splitlines()
    at = lines.index("targets (previous_approved):")
    assert lines[at + 1 : at + 7] == [  # a metric is not split from its values
        " >      6  eligible: approved, served 2026-11-02T14:10:00Z → 2026-11-14T20:00:00Z "
        "(the policy's suggestion)",
        "           last hour served: accuracy 0.9491 (now 0.8196), error_rate 0.003911, "
        "fairness_dpd 0.03618,",
        "           latency_p99_seconds 0.0872",
        "        5  not eligible: it is archived",
        "           last hour served: accuracy 0.949 (now 0.8196), error_rate 0.004638, "
        "fairness_dpd 0.037,",
        "           latency_p99_seconds 0.08636",
    ]
    assert "  opened     2026-11-15T00:00:00Z by alice: accuracy collapsed after the 20:00 " in (
        "\n".join(lines)
    )


def test_show_wraps_free_text_under_its_column(
    capsys: pytest.CaptureFixture[str], demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    mrp(capsys, demo, *ROLLBACK, "--confirm", "fraud-scoring@6")
    done = mrp(capsys, demo, "runbook", "approve", "fraud-scoring", "--as", "bob", "--confirm",
               "fraud-scoring@6")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert widest(done.stderr) <= 120  # the execute line the drive announces
    (row,) = mrp(capsys, demo, "runbook", "list", "--json").json()["runbooks"]

    shown = mrp(capsys, demo, "runbook", "show", row["id"])
    assert shown.exit_code == 0
    assert widest(shown.stdout) <= 120
    lines = shown.stdout.splitlines()
    opened = lines.index(
        "  opened     2026-11-15T00:00:00Z by alice: accuracy collapsed after the 20:00 deploy "
        "of version 7; fraud losses are"
    )
    assert lines[opened + 1] == (
        "             climbing on the finance dashboard and the model owner is paged"
    )
    execute = next(i for i, line in enumerate(lines) if line.startswith("  execute    #1 done"))
    assert lines[execute + 1].startswith("             ")

    monkeypatch.setenv("COLUMNS", "100")
    narrow = mrp(capsys, demo, "runbook", "show", row["id"])
    assert widest(narrow.stdout) <= 100
    assert " ".join(narrow.stdout.split()) == " ".join(shown.stdout.split())  # same words

    whole = mrp(capsys, demo, "runbook", "show", row["id"], "--json").json()
    assert whole["reason"] == REASON
    assert "\n" not in whole["execution"]["attempts"][0]["detail"]


def test_a_long_break_glass_command_breaks_where_a_shell_continues(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """toxicity-classifier's command is longer than a show line: broken before an option
    with a backslash, so it still pastes as one command."""
    monkeypatch.delenv("COLUMNS", raising=False)
    before = keyring.get_keyring()
    root = copy_sample_workspace(tmp_path / "demo")
    policy = root / "policies" / "trust-safety.yaml"
    policy.write_text(
        policy.read_text()
        + '    freeze: [{start: "2026-11-14T00:00:00Z", end: "2026-11-16T00:00:00Z"}]\n'
    )
    ws = open_workspace(root)
    drill_signers(ws)
    assert all(o.ok for o in sync_workspace(ws))
    try:
        refused = mrp(capsys, ws, "rollback", "toxicity-classifier", "--dry-run", "--yes",
                      "--reason", "r", "--as", "alice", "--confirm", "toxicity-classifier@7")  # fmt: skip
        assert refused.exit_code == 2, refused.stderr
        (row,) = mrp(capsys, ws, "runbook", "list", "--json").json()["runbooks"]
        shown = mrp(capsys, ws, "runbook", "show", row["id"])
    finally:
        keyring.set_keyring(before)
    lines = shown.stdout.splitlines()
    assert widest(shown.stdout) <= 120
    at = next(i for i, line in enumerate(lines) if line.startswith("  next"))
    assert lines[at : at + 3] == [
        f"  next       mrp runbook approve {row['id']} --as NAME --confirm toxicity-classifier@7",
        f"  next       mrp runbook approve {row['id']} --confirm toxicity-classifier@7 "
        "--break-glass \\",
        "               --break-glass-reason TEXT",
    ]
