"""`mrp backtest --policies/--against`: a policy change replayed against the policies it
would replace, over the same stored history, as a reviewer reads it before it merges."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import Result, run_mrp

from console.settings import open_workspace
from console.sources.sync import sync_workspace

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
FLAPPING = (
    "      for: 5m                # brief spikes (spam-filter flaps for 2-3 minutes) stay pending\n"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("compare") / "workspace"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns(".mrp"))
    assert all(o.ok for o in sync_workspace(open_workspace(target)))
    return target


def _proposed(workspace: Path, tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the workspace's policies with one edit, as a branch under review has it."""
    folder = tmp_path / "proposed"
    shutil.copytree(workspace / "policies", folder)
    text = (folder / file).read_text()
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1))
    return folder


def _compared_rows(out: str) -> dict[tuple[str, str], list[str]]:
    """The rows of the comparison table by (policy, trigger), split into cells."""
    table = out.split("over the same span:\n", 1)[1].split("\n\n", 1)[0]
    return {(cells[0], cells[1]): cells for cells in map(str.split, table.splitlines()[1:])}


def _backtest(capsys: pytest.CaptureFixture[str], workspace: Path, *args: object) -> Result:
    return run_mrp(capsys, "backtest", "--model", "spam-*", *args, "-w", workspace)


def test_a_shorter_for_shows_the_fires_it_adds(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    proposed = _proposed(workspace, tmp_path, "trust-safety.yaml", FLAPPING, "      for: 1m\n")
    current = workspace / "policies"
    result = _backtest(capsys, workspace, "--policies", proposed, "--against", current)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert f"Per trigger, against the policies in {current} over the same span:" in out
    row = _compared_rows(out)[("trust-safety", "error-rate")]
    fires = int(row[2])
    assert fires > 10 and row[4] == "0" and row[-2:] == [f"+{fires}", "fires"]
    assert f"Fires that only these policies have ({fires}):" in out
    assert f"Fires that only the policies in {current} have (0)." in out

    payload = _backtest(capsys, workspace, "--policies", proposed, "--against", current, "--json")
    report = payload.json()
    against = report["against"]
    assert against["policies"] == [str(current)]
    [trigger] = [t for t in against["triggers"] if t["trigger"] == "error-rate"]
    assert (trigger["fires"], trigger["against_fires"]) == (fires, 0)
    assert trigger["firing_seconds"] > 0 and trigger["against_firing_seconds"] == 0
    assert len(against["new_fires"]) == fires and against["gone_fires"] == []
    assert {(f["model"], f["trigger"]) for f in against["new_fires"]} == {
        ("spam-filter", "error-rate")
    }
    firing = [t for t in report["transitions"] if t["to"] == "firing"]
    assert len(firing) == fires
    assert not [t for t in against["transitions"] if t["to"] == "firing"]


def test_the_other_way_round_the_same_fires_are_gone(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    proposed = _proposed(workspace, tmp_path, "trust-safety.yaml", FLAPPING, "      for: 1m\n")
    forward = _backtest(
        capsys, workspace, "--policies", proposed, "--against", workspace / "policies", "--json"
    ).json()
    back = _backtest(capsys, workspace, "--against", proposed, "--json").json()
    assert back["against"]["gone_fires"] == forward["against"]["new_fires"]
    assert back["against"]["new_fires"] == []
    assert back["transitions"] == forward["against"]["transitions"]


def test_a_fire_that_only_begins_later_is_the_same_fire(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    """A longer `for` shifts when fraud-scoring's accuracy-floor fires: the same incident,
    not one fire gone and another new."""
    proposed = _proposed(workspace, tmp_path, "risk-ml.yaml", "      for: 5m\n", "      for: 15m\n")
    result = run_mrp(
        capsys,
        "backtest",
        "--model",
        "fraud-*",
        "--against",
        proposed,
        "--json",
        "-w",
        workspace,
    )
    against = result.json()["against"]
    [trigger] = [t for t in against["triggers"] if t["trigger"] == "accuracy-floor"]
    assert trigger["fires"] == trigger["against_fires"] == 1
    assert trigger["firing_seconds"] - trigger["against_firing_seconds"] == 600
    assert against["new_fires"] == [] and against["gone_fires"] == []
    text = run_mrp(
        capsys, "backtest", "--model", "fraud-*", "--against", proposed, "-w", workspace
    ).stdout
    assert _compared_rows(text)[("risk-ml", "accuracy-floor")][-2:] == ["+10m", "firing"]


def test_a_trigger_only_one_version_has_is_marked(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    proposed = _proposed(
        workspace, tmp_path, "trust-safety.yaml", "- name: error-rate", "- name: errors"
    )
    text = _backtest(capsys, workspace, "--against", proposed).stdout
    rows = _compared_rows(text)
    assert rows[("trust-safety", "error-rate")][-2:] == ["only", "here"]
    assert rows[("trust-safety", "errors")][-2:] == ["only", "there"]
    assert rows[("trust-safety", "errors")][2:4] == ["-", "-"]


def test_bad_policy_paths_exit_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    missing = _backtest(capsys, workspace, "--against", tmp_path / "nope")
    assert missing.exit_code == 2
    assert missing.stderr.strip() == f"mrp: --against: no such file or folder: {tmp_path / 'nope'}."
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: mrp/v1\nkind: RollbackPolicy\nmetadata: {name: x\n")
    result = _backtest(capsys, workspace, "--policies", broken)
    assert result.exit_code == 2
    assert str(broken) in result.stderr and "Traceback" not in result.stderr
