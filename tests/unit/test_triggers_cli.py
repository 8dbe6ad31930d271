"""`mrp evaluate` and `mrp backtest` on the demo workspace: JSON contract, text, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import run_mrp

from console.settings import open_workspace
from console.sources.sync import sync_workspace

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("cli") / "workspace"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns(".mrp"))
    outcomes = sync_workspace(open_workspace(target))
    assert all(o.ok for o in outcomes)
    return target


def test_evaluate_json_lists_every_trigger_with_value_threshold_and_since(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    result = run_mrp(capsys, "evaluate", "--json", "-w", workspace)
    assert result.exit_code == 0, result.stderr
    payload = result.json()
    assert payload["at"] == "2026-11-15T00:00:00Z"
    rows = {(r["model"], r["trigger"]): r for r in payload["triggers"]}
    fraud = rows[("fraud-scoring", "accuracy-floor")]
    assert (fraud["state"], fraud["since"], fraud["op"], fraud["threshold"]) == (
        "firing",
        "2026-11-14T20:05:00Z",
        "<",
        0.9,
    )
    assert fraud["value"] < 0.9 and fraud["version"] == "7" and fraud["for_seconds"] == 300
    assert rows[("ad-ctr", "auc-floor")]["state"] == "no_data"
    assert "older than the 5m staleness" in rows[("ad-ctr", "auc-floor")]["reason"]
    assert {r["state"] for r in payload["triggers"]} <= {"ok", "pending", "firing", "no_data"}


def test_evaluate_at_an_earlier_time(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    result = run_mrp(capsys, "evaluate", "--at", "2026-11-14T20:03:00", "--json", "-w", workspace)
    rows = {(r["model"], r["trigger"]): r for r in result.json()["triggers"]}
    assert rows[("fraud-scoring", "accuracy-floor")]["state"] == "pending"
    assert rows[("support-intent", "security")]["state"] == "ok"


def test_evaluate_text_puts_the_worst_first(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    result = run_mrp(capsys, "evaluate", "-w", workspace)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["MODEL", "TRIGGER", "STATE"]
    assert lines[1].split()[2] == "firing"


def test_backtest_json_is_every_transition_in_time_order(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    result = run_mrp(capsys, "backtest", "--json", "--model", "fraud-*", "-w", workspace)
    assert result.exit_code == 0, result.stderr
    transitions = result.json()["transitions"]
    assert all(set(t) == {"model", "trigger", "at", "from", "to", "value"} for t in transitions)
    assert [t["at"] for t in transitions] == sorted(t["at"] for t in transitions)
    assert {
        "model": "fraud-scoring",
        "trigger": "accuracy-floor",
        "at": "2026-11-14T20:05:00Z",
        "from": "pending",
        "to": "firing",
    }.items() <= next(t for t in transitions if t["to"] == "firing").items()


def test_backtest_from_to_and_summary(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    result = run_mrp(
        capsys,
        "backtest",
        "--from",
        "2026-11-14T19:00:00Z",
        "--to",
        "2026-11-14T21:00:00Z",
        "-w",
        workspace,
    )
    assert result.exit_code == 0, result.stderr
    assert "Replayed 2026-11-14T19:00:00Z .. 2026-11-14T21:00:00Z" in result.stdout
    fraud = next(
        line for line in result.stdout.splitlines() if "accuracy-floor" in line and "fraud" in line
    )
    assert "v7 2026-11-14T20:00:00Z: +5m" in fraud
    spam = next(line for line in result.stdout.splitlines() if line.startswith("spam-filter"))
    assert spam.split()[2] == "0"  # never fired


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("evaluate", "--at", "yesterday"), "--at takes an RFC 3339 time"),
        (
            ("backtest", "--from", "2026-11-15", "--to", "2026-11-14"),
            "--to must not be before --from",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str], workspace: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_mrp(capsys, *args, "-w", workspace)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_workspace_never_synced_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "fresh"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns(".mrp"))
    result = run_mrp(capsys, "evaluate", "-w", target)
    assert result.exit_code == 2 and "run `mrp sync" in result.stderr
