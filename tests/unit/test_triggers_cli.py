"""`mrp evaluate` and `mrp backtest` on the demo workspace: JSON contract, text, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import Result, run_mrp

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
    keys = {"model", "policy", "trigger", "at", "from", "to", "value"}
    assert all(set(t) == keys for t in transitions)
    assert [t["at"] for t in transitions] == sorted(t["at"] for t in transitions)
    assert {
        "model": "fraud-scoring",
        "policy": "risk-ml",
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


def _summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workspace: Path
) -> Result:
    """`mrp backtest` over all history, as a pipe or CI log sees it (120 columns): exit 0."""
    monkeypatch.setenv("COLUMNS", "120")
    result = run_mrp(capsys, "backtest", "-w", workspace)
    assert result.exit_code == 0, result.stderr
    return result


def test_backtest_lists_every_trigger_of_every_policy_with_the_firing_ones(
    capsys: pytest.CaptureFixture[str], workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _summary(capsys, monkeypatch, workspace)
    assert result.stderr == ""  # every trigger had data for some model
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Replayed 2026-11-01T00:00:00Z .. 2026-11-14T23:59:00Z: 14 models, 169 transitions."
    )
    assert lines[2].endswith("selects (19 triggers of 4 policies):")
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in lines[4:23]}
    assert lines[3].startswith("POLICY        TRIGGER             MODELS  FIRED IN  FIRES  NO DATA")
    assert rows[("risk-ml", "accuracy-floor")][:4] == ["4", "1", "1", "0%"]
    assert rows[("trust-safety", "security")][:3] == ["3", "1", "1"]
    assert rows[("trust-safety", "error-rate")][:3] == ["3", "0", "0"]  # spam-filter flaps
    assert "Per model, the triggers whose state changed (19 of 68):" in lines
    assert any(line.startswith("fraud-scoring      accuracy-floor      1") for line in lines)
    assert max(len(line) for line in lines) <= 120


TYPO_POLICY = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: fleet-checks, owner: platform}
spec:
  selector: {models: ["*"]}
  triggers:
    - {name: accuracy-typo, metric: acuracy, op: "<", threshold: 0.9, action: page}
    - {name: accuracy-any, metric: accuracy, op: "<", threshold: 0.5, action: page,
       on_no_data: ok}
    - {name: security-typo, event: security_findings, min_severity: high, action: page}
"""


@pytest.fixture(scope="module")
def typo_workspace(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synced demo workspace with a policy on a misspelled metric (no model has it) and
    on a metric half the models report."""
    target = tmp_path_factory.mktemp("typo") / "workspace"
    shutil.copytree(workspace, target)
    (target / "policies" / "fleet-checks.yaml").write_text(TYPO_POLICY, encoding="utf-8")
    return target


def test_backtest_names_a_trigger_that_never_had_data(
    capsys: pytest.CaptureFixture[str], typo_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _summary(capsys, monkeypatch, typo_workspace)
    lines = result.stdout.splitlines()
    typo = next(n for n, line in enumerate(lines) if line.startswith("fleet-checks  accuracy-typo"))
    assert lines[typo].split()[2:6] == ["14", "0", "0", "100%"]
    note = " ".join(line[lines[3].index("NOTE") :] for line in lines[typo : typo + 2])
    assert "never had data: no sample of 'acuracy' for any of its 14 models;" in note
    assert "check the metric name" in note
    assert max(len(line) for line in lines) <= 120
    assert result.stderr.splitlines() == [
        "warning: policy fleet-checks, trigger accuracy-typo: never had data: no sample of "
        "'acuracy' for any of its 14 models; check the metric name.",
        "warning: policy fleet-checks, trigger security-typo: no 'security_findings' event has "
        "been stored (did you mean 'security_finding'?); check the event name.",
    ]
    assert "Traceback" not in result.stderr


def test_backtest_names_an_event_trigger_on_a_kind_never_stored(
    capsys: pytest.CaptureFixture[str], typo_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A misspelled event kind never fires, as silently as one that has not happened yet:
    the summary names it with the stored kind it is closest to."""
    result = _summary(capsys, monkeypatch, typo_workspace)
    lines = result.stdout.splitlines()
    row = next(n for n, line in enumerate(lines) if line.startswith("fleet-checks  security-typo"))
    assert lines[row].split()[2:6] == ["14", "0", "0", "0%"]
    note = " ".join(line[lines[3].index("NOTE") :].strip() for line in lines[row : row + 2])
    assert note == (
        "no 'security_findings' event has been stored (did you mean 'security_finding'?); "
        "check the event name"
    )
    spelled = next(line for line in lines if line.startswith("trust-safety  security "))
    assert "event" not in spelled


def test_backtest_says_for_how_many_models_a_trigger_had_no_data(
    capsys: pytest.CaptureFixture[str], typo_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """accuracy is reported by 7 of the 14 models; with on_no_data: ok the other 7 never leave
    ok and have no transition, yet the summary counts them."""
    result = _summary(capsys, monkeypatch, typo_workspace)
    line = next(line for line in result.stdout.splitlines() if "accuracy-any" in line)
    assert line.split()[2:6] == ["14", "0", "0", "50%"]
    assert "no data for 7 of 14 models: ad-ctr, churn-predictor," in line


def test_backtest_json_stays_the_transitions_and_warns_on_stderr(
    capsys: pytest.CaptureFixture[str], typo_workspace: Path
) -> None:
    result = run_mrp(capsys, "backtest", "--json", "-w", typo_workspace)
    assert "trigger accuracy-typo: never had data" in result.stderr
    assert (result.exit_code, list(result.json())) == (0, ["transitions"])
    assert "accuracy-typo" not in {t["trigger"] for t in result.json()["transitions"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("evaluate", "--at", "yesterday"), "--at takes an RFC 3339 time"),
        (
            ("backtest", "--from", "2026-11-15", "--to", "2026-11-14"),
            "--to must not be before --from",
        ),
        (
            ("backtest", "--model", "nomatch*"),
            "nothing to replay: no stored history for the models the policies select matching "
            "--model 'nomatch*'.",
        ),
        (
            ("backtest", "--from", "2026-11-20T00:00:00Z", "--json"),
            "no stored history for the models the policies select from 2026-11-20T00:00:00Z.",
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


def test_status_and_evaluate_name_a_trigger_on_an_unknown_metric(
    capsys: pytest.CaptureFixture[str], typo_workspace: Path
) -> None:
    """A misspelled metric reads as "no data" where the real one might be firing: the
    commands that evaluate say so, and a gate refuses to judge (exit 2)."""
    policy = typo_workspace / "policies" / "fleet-checks.yaml"
    warning = (
        f"warning: {policy}:7:37: unknown metric 'acuracy' (did you mean 'accuracy'?): "
        "triggers on it have no data."
    )
    for command in (("status",), ("evaluate",), ("status", "--json")):
        result = run_mrp(capsys, *command, "-w", typo_workspace)
        assert (result.exit_code, result.stderr.splitlines()) == (0, [warning]), command
    gate = run_mrp(capsys, "status", "--fail-on", "firing", "-w", typo_workspace)
    assert gate.exit_code == 2
    assert gate.stderr.splitlines() == [
        warning,
        "mrp: the gate cannot judge triggers on a metric the workspace does not know; "
        "fix the policy (`mrp policy check`) first.",
    ]
    assert gate.stdout == ""


def test_status_of_policies_on_known_metrics_warns_of_nothing(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    result = run_mrp(capsys, "status", "--fail-on", "firing", "-w", workspace)
    assert (result.exit_code, result.stderr) == (1, "")  # fraud-scoring is firing


def test_backtest_lists_every_fire_so_a_flapping_trigger_shows(
    capsys: pytest.CaptureFixture[str],
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tuning spam-filter's error-rate down to for: 1m: the summary's fire list shows it
    would fire for a minute at a time, dozens of times (more than are listed), and fits
    80 columns."""
    tuned = tmp_path / "tuned"
    shutil.copytree(workspace, tuned)
    policy = tuned / "policies" / "trust-safety.yaml"
    policy.write_text(policy.read_text().replace("for: 5m ", "for: 1m "), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    result = run_mrp(capsys, "backtest", "--model", "spam-*", "-w", tuned)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("Every fire (71), with how long it lasted and the value it fired on:")
    assert lines[start + 1].split() == ["MODEL", "TRIGGER", "FIRED", "AT", "LASTED", "VALUE"]
    first = lines[start + 2].split()
    assert first[0:2] == ["spam-filter", "error-rate"] and first[3] == "1m"
    assert float(first[4]) > 0.05
    assert len(lines[start + 2 : -1]) == 40
    assert lines[-1] == "... and 31 more (narrow with --model, --from, --to; --json has them all)."
    assert max(len(line) for line in lines[start:]) <= 80
