"""`mrp --version`, `init`, `sync` and `status` over the files source, as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from console import __version__
from tests.unit.cli_helpers import run_mrp


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_mrp(capsys, "--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mrp {__version__}"


def test_init_creates_a_workspace_that_syncs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "new"
    result = run_mrp(capsys, "init", folder)
    assert result.exit_code == 0, result.stderr
    assert (folder / "mrp.toml").is_file()
    assert (folder / "policies" / "example.yaml").is_file()
    assert run_mrp(capsys, "sync", "-w", folder).exit_code == 0
    assert "created " + str(folder / ".gitignore") in result.stdout
    again = run_mrp(capsys, "init", folder)
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_init_takes_the_folder_as_workspace_option_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_mrp(capsys, "init", "--workspace", tmp_path / "w")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "w" / "mrp.toml").is_file()
    both = run_mrp(capsys, "init", tmp_path / "a", "-w", tmp_path / "b")
    assert both.exit_code == 2


def test_sync_then_status_lists_serving_and_previous_versions(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    synced = run_mrp(capsys, "sync", "--json", "-w", tiny_workspace)
    assert synced.exit_code == 0, synced.stderr
    [source] = synced.json()["sources"]
    assert source["ok"] and source["points"] == 3 and source["models"] == 2

    result = run_mrp(capsys, "status", "--json", "-w", tiny_workspace)
    assert result.exit_code == 0, result.stderr
    models = {row["model"]: row for row in result.json()["models"]}
    assert set(models) == {"fraud", "churn"}
    assert models["fraud"]["version"] == "2"
    assert models["fraud"]["previous_version"] == "1"
    assert models["fraud"]["since"] == "2026-11-02T00:00:00Z"
    assert models["fraud"]["last_sample"] == "2026-11-02T00:03:00Z"
    assert models["churn"]["previous_version"] is None
    assert models["churn"]["data_age_seconds"] is None


def test_status_shows_the_previous_version_of_the_latest_switch_even_when_it_has_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alias change seen between two syncs (2 after 1) is followed by a switch to 3 that
    the file's history records without what it replaced: no previous version is shown, not
    version 1, which stopped serving two switches ago."""
    (tmp_path / "mrp.toml").write_text('[sources.offline]\nkind = "files"\n')
    deployments = tmp_path / "deployments.json"

    def sync_at(now: str, serving: str, history: str = "") -> None:
        versions = ", ".join(
            f'{{"version": "{v}", "created_at": "2026-11-01T00:00:00Z"}}' for v in "123"
        )
        deployments.write_text(
            f'{{"models": [{{"name": "fraud", "versions": [{versions}], '
            f'"aliases": {{"champion": "{serving}"}}, "history": [{history}]}}]}}'
        )
        monkeypatch.setenv("MRP_NOW", now)
        synced = run_mrp(capsys, "sync", "-w", tmp_path)
        assert synced.exit_code == 0, synced.stderr

    sync_at("2026-11-01T00:00:00Z", "1")
    sync_at("2026-11-02T00:00:00Z", "2")
    sync_at(
        "2026-11-04T00:00:00Z",
        "3",
        '{"alias": "champion", "version": "3", "at": "2026-11-03T00:00:00Z"}',
    )

    result = run_mrp(capsys, "status", "--json", "-w", tmp_path)
    assert result.exit_code == 0, result.stderr
    [fraud] = result.json()["models"]
    assert (fraud["version"], fraud["since"]) == ("3", "2026-11-03T00:00:00Z")
    assert fraud["previous_version"] is None


def test_status_table_for_people(capsys: pytest.CaptureFixture[str], tiny_workspace: Path) -> None:
    run_mrp(capsys, "sync", "-w", tiny_workspace)
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["MODEL", "TEAM", "TIER", "SERVING"]
    fraud = next(line for line in lines if line.startswith("fraud"))
    assert fraud.split()[3] == "2"  # the version behind the workspace's serving alias
    assert all(len(line) <= 120 for line in lines)


def _points(capsys: pytest.CaptureFixture[str], workspace: Path) -> int:
    result = run_mrp(capsys, "sync", "--json", "-w", workspace)
    assert result.exit_code == 0, result.stderr
    return int(result.json()["sources"][0]["points"])


def test_unchanged_files_are_not_reloaded_and_changed_ones_replace(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert _points(capsys, tiny_workspace) == 3
    assert _points(capsys, tiny_workspace) == 0
    metrics = tiny_workspace / "metrics" / "fraud.csv"
    metrics.write_text(metrics.read_text() + "fraud,2,accuracy,2026-11-02T00:04:00Z,0.86\n")
    assert _points(capsys, tiny_workspace) == 1  # the new point only
    status = run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()
    fraud = next(row for row in status["models"] if row["model"] == "fraud")
    assert fraud["last_sample"] == "2026-11-02T00:04:00Z"


def test_workspace_found_from_mrp_home_and_from_a_subfolder(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_HOME", str(tiny_workspace))
    assert run_mrp(capsys, "sync").exit_code == 0
    monkeypatch.delenv("MRP_HOME")
    monkeypatch.chdir(tiny_workspace / "metrics")
    result = run_mrp(capsys, "status", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(result.json()["models"]) == 2


def test_status_before_any_sync_says_what_to_do(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "mrp sync" in result.stderr


def test_fail_on_rejects_unknown_state(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    run_mrp(capsys, "sync", "-w", tiny_workspace)
    result = run_mrp(capsys, "status", "--fail-on", "bogus", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "--fail-on" in result.stderr


def test_no_workspace_anywhere(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_mrp(capsys, "status")
    assert result.exit_code == 2
    assert result.stderr.startswith("mrp: no mrp workspace here: ")
    assert os.linesep not in result.stderr.strip()


def test_a_new_workspace_reads_as_empty_not_broken(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """README's quickstart on a fresh `mrp init`: every step exits 0 and says why it is empty."""
    folder = tmp_path / "my-fleet"
    assert run_mrp(capsys, "init", folder).exit_code == 0
    assert run_mrp(capsys, "sync", "-w", folder).exit_code == 0
    status = run_mrp(capsys, "status", "-w", folder)
    assert status.exit_code == 0, status.stderr
    assert status.stdout.startswith("no models yet")
    shown = run_mrp(capsys, "audit", "show", "-w", folder)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("no records yet")
    assert run_mrp(capsys, "audit", "show", "--json", "-w", folder).json()["records"] == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_what_mrp_writes_in_a_new_workspace_is_for_git_or_ignored_by_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`git add .` in a workspace takes its config, policies and signers, never a lock file."""
    folder = tmp_path / "ws"
    assert run_mrp(capsys, "init", folder).exit_code == 0
    made = run_mrp(capsys, "keys", "init", "--name", "alice", "--role", "oncall", "-w", folder)
    assert made.exit_code == 0, made.stderr
    assert run_mrp(capsys, "sync", "-w", folder).exit_code == 0
    noted = run_mrp(capsys, "audit", "note", "any", "text", "--as", "alice", "-w", folder)
    assert noted.exit_code == 0, noted.stderr
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    listed = subprocess.run(
        ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert sorted(line.removeprefix("?? ") for line in listed) == [
        ".gitignore",
        "deployments.json",
        "mrp.toml",
        "policies/example.yaml",
        "signers.yaml",
    ]
