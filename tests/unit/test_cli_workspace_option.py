"""`--workspace/-w DIR` before the command (`mrp -w DIR status`, as git -C and kubectl -n)
works for every command that takes it after the command, with the same precedence: the
option, then MRP_HOME, then the current folder upwards; one given after the command wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp

COMMANDS = [
    ("status",),
    ("evaluate",),
    ("backtest",),
    ("policy", "check"),
    ("audit", "verify"),
    ("audit", "show"),
    ("keys", "show"),
    ("auth", "status"),
    ("runbook", "list"),
]
"""At least one command of every group, each runnable with no other argument."""


@pytest.fixture
def synced(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The tiny workspace, synced, with the current folder outside any workspace."""
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:05:00Z")
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return tiny_workspace


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_before_the_command_does_what_after_it_does(
    capsys: pytest.CaptureFixture[str], synced: Path, command: tuple[str, ...]
) -> None:
    after = run_mrp(capsys, *command, "-w", synced)
    before = run_mrp(capsys, "-w", synced, *command)
    long_form = run_mrp(capsys, "--workspace", synced, *command)
    assert after.exit_code == 0, after.stderr
    assert (before.exit_code, before.stdout) == (after.exit_code, after.stdout)
    assert (long_form.exit_code, long_form.stdout) == (after.exit_code, after.stdout)
    assert "no mrp workspace here" not in before.stderr.lower()


def test_without_it_the_same_commands_find_no_workspace(
    capsys: pytest.CaptureFixture[str], synced: Path
) -> None:
    result = run_mrp(capsys, "status")
    assert result.exit_code == 2
    assert "no mrp workspace here" in result.stderr.lower()


def test_the_one_after_the_command_wins(
    capsys: pytest.CaptureFixture[str], synced: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing"
    right = run_mrp(capsys, "-w", missing, "status", "--json", "-w", synced)
    assert right.exit_code == 0, right.stderr
    assert len(right.json()["models"]) == 2
    wrong = run_mrp(capsys, "-w", synced, "status", "-w", missing)
    assert wrong.exit_code == 2
    assert str(missing) in wrong.stderr
    assert wrong.stdout == ""


def test_it_wins_over_mrp_home(
    capsys: pytest.CaptureFixture[str],
    synced: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MRP_HOME", str(tmp_path / "missing"))
    assert run_mrp(capsys, "status").exit_code == 2
    result = run_mrp(capsys, "-w", synced, "status", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(result.json()["models"]) == 2


def test_a_missing_folder_is_one_sentence(
    capsys: pytest.CaptureFixture[str], synced: Path, tmp_path: Path
) -> None:
    result = run_mrp(capsys, "-w", tmp_path / "missing", "policy", "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("mrp: ")
    assert str(tmp_path / "missing") in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_init_creates_the_workspace_named_before_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_mrp(capsys, "-w", "fleet", "init")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "fleet" / "mrp.toml").is_file()
    both = run_mrp(capsys, "-w", "fleet", "init", "other")
    assert both.exit_code == 2
    assert "not both" in both.stderr
    assert not (tmp_path / "other").exists()


def test_demo_says_it_takes_none(capsys: pytest.CaptureFixture[str], synced: Path) -> None:
    result = run_mrp(capsys, "-w", synced, "demo")
    assert result.exit_code == 2
    assert result.stderr == "mrp: the demo command takes no --workspace.\n"


def test_alone_it_still_asks_for_a_command(
    capsys: pytest.CaptureFixture[str], synced: Path
) -> None:
    result = run_mrp(capsys, "-w", synced)
    assert result.exit_code == 2
    assert result.stderr == "mrp: missing command for 'mrp'; see 'mrp --help'.\n"


def test_the_root_help_lists_it(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_mrp(capsys, "--help")
    assert result.exit_code == 0
    assert "--workspace" in result.stdout
    assert "wins." in result.stdout
