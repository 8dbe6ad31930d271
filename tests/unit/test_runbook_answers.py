"""A prompt whose answer never comes (stdin ended: a script, a CI job) names the exact option
that gives the answer on the command line, exits 2, and writes nothing it was not told."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from console.settings import Workspace
from console.sources.sync import sync_workspace
from tests.unit.cli_helpers import Result, run_mrp
from tests.unit.test_runbook_support import build_workspace, runbook_files


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws")


def mrp(capsys: pytest.CaptureFixture[str], ws: Workspace, *args: str) -> Result:
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO("")  # stdin ends at once, as `< /dev/null` does
    try:
        return run_mrp(capsys, *args, "-w", str(ws.root))
    finally:
        sys.stdin = saved


def last_line(result: Result) -> str:
    return result.stderr.rstrip("\n").splitlines()[-1]


ROLLBACK = ("rollback", "fraud", "--dry-run", "--as", "alice")


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ((), "no answer to 'Reason for the rollback': stdin ended; pass it as --reason TEXT."),
        (
            ("--reason", "r", "--yes"),
            "no answer to 'Type fraud@2 to confirm': stdin ended; pass it as --confirm fraud@2.",
        ),
        (
            ("--reason", "r", "--yes", "--confirm", "fraud@2", "--break-glass"),
            "no answer to 'Break-glass reason': stdin ended; pass it as --break-glass-reason TEXT.",
        ),
    ],
    ids=["reason", "phrase", "break-glass-reason"],
)
def test_rollback_names_the_option(
    capsys: pytest.CaptureFixture[str], ws: Workspace, given: tuple[str, ...], said: str
) -> None:
    result = mrp(capsys, ws, *ROLLBACK, *given)
    assert result.exit_code == 2
    assert last_line(result) == f"mrp: {said}"
    assert runbook_files(ws) == []


def test_a_target_without_a_suggestion_names_to(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    """With every older version archived or rejected, there is no suggestion to fall back on."""
    path = ws.root / "deployments.json"
    data = json.loads(path.read_text())
    for version in data["models"][0]["versions"]:
        if version["version"] == "2":
            version["status"] = "archived"
    path.write_text(json.dumps(data))
    assert all(o.ok for o in sync_workspace(ws))
    result = mrp(capsys, ws, *ROLLBACK, "--reason", "r")
    assert result.exit_code == 2
    assert last_line(result) == (
        "mrp: no answer to 'Roll back to version': stdin ended; pass it as --to VERSION."
    )


def test_the_end_of_input_at_the_target_never_takes_the_suggestion(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    """The reason comes from stdin, then it ends: no answer is not a yes to version 2 (an
    empty line is, as on a terminal)."""
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO("accuracy fell\n")
    try:
        result = run_mrp(capsys, "rollback", "fraud", "--dry-run", "--as", "alice",
                         "-w", str(ws.root))  # fmt: skip
    finally:
        sys.stdin = saved
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        "Roll back to version [2]: ",
        "mrp: no answer to 'Roll back to version': stdin ended; pass it as --to VERSION.",
    ]
    assert runbook_files(ws) == []


def test_a_second_signer_is_told_confirm(capsys: pytest.CaptureFixture[str], ws: Workspace) -> None:
    opened = mrp(capsys, ws, *ROLLBACK, "--reason", "r", "--yes", "--confirm", "fraud@2")
    assert opened.exit_code == 0, opened.stderr
    phrase = (
        "mrp: no answer to 'Type fraud@2 to approve': stdin ended; pass it as --confirm fraud@2."
    )

    joined = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--as", "bob")
    assert joined.exit_code == 2 and last_line(joined) == phrase

    approving = mrp(capsys, ws, "runbook", "approve", "fraud", "--as", "bob")
    assert approving.exit_code == 2 and last_line(approving) == phrase

    glass = mrp(capsys, ws, "runbook", "approve", "fraud", "--as", "bob", "--confirm", "fraud@2",
                "--break-glass")  # fmt: skip
    assert glass.exit_code == 2
    assert last_line(glass) == (
        "mrp: no answer to 'Break-glass reason': stdin ended; pass it as --break-glass-reason TEXT."
    )
    shown = mrp(capsys, ws, "runbook", "show", "fraud", "--json").json()
    assert [a["signer"] for a in shown["approvals"]] == ["alice"]


class Interrupted(io.StringIO):
    """stdin from a pipe, at which the engineer presses Ctrl-C."""

    def readline(self, size: int | None = -1) -> str:
        raise KeyboardInterrupt


def test_ctrl_c_at_a_piped_prompt_cancels_with_130(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    import sys

    saved = sys.stdin
    sys.stdin = Interrupted()
    try:
        result = run_mrp(capsys, *ROLLBACK, "-w", str(ws.root))
    finally:
        sys.stdin = saved
    assert result.exit_code == 130
    assert last_line(result) == "mrp: cancelled at the prompt; nothing was written."
    assert runbook_files(ws) == []
