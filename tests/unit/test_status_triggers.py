"""`mrp status` answers for the policy as it is now: worst state, firing triggers, CI gates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp


@pytest.fixture
def synced(capsys: pytest.CaptureFixture[str], sample_workspace: Path) -> Path:
    assert run_mrp(capsys, "sync", "-w", sample_workspace).exit_code == 0
    return sample_workspace


def _models(capsys: pytest.CaptureFixture[str], workspace: Path) -> dict[str, dict[str, object]]:
    result = run_mrp(capsys, "status", "--json", "-w", workspace)
    assert result.exit_code == 0, result.stderr
    return {row["model"]: row for row in result.json()["models"]}


def test_worst_state_and_firing_triggers(capsys: pytest.CaptureFixture[str], synced: Path) -> None:
    models = _models(capsys, synced)
    assert models["fraud-scoring"]["worst_state"] == "firing"
    assert models["fraud-scoring"]["firing"] == ["accuracy-floor"]
    assert models["ad-ctr"]["worst_state"] == "no_data"
    assert models["ad-ctr"]["no_data"] == [
        "latency-regression",
        "feature-drift",
        "auc-floor",
        "error-rate",
    ]  # its feed went silent at 21:29
    assert models["aml-screening"]["worst_state"] == "ok"
    assert models["aml-screening"]["triggers"] == []
    [floor] = models["fraud-scoring"]["triggers"]  # what is not ok, with what a gate needs
    assert {k: floor[k] for k in ("policy", "trigger", "state", "action", "severity")} == {
        "policy": "risk-ml",
        "trigger": "accuracy-floor",
        "state": "firing",
        "action": "rollback",
        "severity": "critical",
    }
    assert floor["threshold"] == 0.9 and floor["value"] < 0.9 and floor["since"].endswith("Z")
    assert next(iter(models)) in {m for m, row in models.items() if row["worst_state"] == "firing"}


def test_fail_on_gates(capsys: pytest.CaptureFixture[str], synced: Path) -> None:
    assert run_mrp(capsys, "status", "--fail-on", "firing", "-w", synced).exit_code == 1
    assert run_mrp(capsys, "status", "--fail-on", "pending", "-w", synced).exit_code == 1
    assert run_mrp(capsys, "status", "-w", synced).exit_code == 0


def test_a_policy_edit_shows_without_a_new_sync(
    capsys: pytest.CaptureFixture[str], synced: Path
) -> None:
    policy = synced / "policies" / "risk-ml.yaml"
    text = policy.read_text()
    assert "threshold: 0.90" in text
    policy.write_text(text.replace("threshold: 0.90", "threshold: 0.50"))
    assert "accuracy-floor" not in _models(capsys, synced)["fraud-scoring"]["firing"]


def test_an_invalid_policy_is_an_error_not_a_stale_answer(
    capsys: pytest.CaptureFixture[str], synced: Path
) -> None:
    policy = synced / "policies" / "risk-ml.yaml"
    policy.write_text(policy.read_text().replace("threshold: 0.90", "treshold: 0.90"))
    result = run_mrp(capsys, "status", "--fail-on", "firing", "-w", synced)
    assert result.exit_code == 2
    assert "risk-ml.yaml:" in result.stderr and "did you mean 'threshold'" in result.stderr


CONFLICTING = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: fraud-extra, owner: risk-ml}
spec:
  selector: {models: ["fraud-*"]}
  triggers:
    - {name: accuracy-hard-floor, metric: accuracy, op: "<", threshold: 0.5, for: 5m}
  rollback:
    approvals: {required: 1}
"""


def test_conflicting_rollback_settings_are_an_error_everywhere(
    capsys: pytest.CaptureFixture[str], synced: Path
) -> None:
    (synced / "policies" / "zz-extra.yaml").write_text(CONFLICTING)
    for command in ("status", "evaluate", "backtest"):
        result = run_mrp(capsys, command, "-w", synced)
        assert result.exit_code == 2, command
        assert "zz-extra.yaml:8:3:" in result.stderr, command
        assert "risk-ml.yaml:" in result.stderr and "different rollback settings" in result.stderr
        assert "approvals.break_glass: false vs true" in result.stderr
    metrics = synced / ".mrp" / "state.duckdb"
    before = metrics.stat().st_size
    synced_again = run_mrp(capsys, "sync", "-w", synced)
    assert synced_again.exit_code == 2
    assert "offline (files)" in synced_again.stdout
    assert "trigger states not updated: " in synced_again.stderr
    assert metrics.stat().st_size >= before


def test_the_table_names_pending_triggers_and_models_without_a_policy(
    capsys: pytest.CaptureFixture[str], synced: Path
) -> None:
    lines = run_mrp(capsys, "status", "-w", synced).stdout.splitlines()
    assert lines[0].split()[6:8] == ["STATE", "TRIGGERS"]
    spam = next(line.split() for line in lines if line.startswith("spam-filter "))
    assert spam[6:8] == ["pending", "error-rate"]
    for policy in (synced / "policies").glob("*.yaml"):
        policy.unlink()
    result = run_mrp(capsys, "status", "-w", synced)
    assert result.exit_code == 0
    rows = result.stdout.splitlines()[1:]
    assert rows and all(" no policy " in row for row in rows)


def test_the_table_names_triggers_without_data_and_counts_data_age_up_to_now(
    capsys: pytest.CaptureFixture[str], synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ad-ctr's feed went silent at 21:29: its row names the triggers it leaves without data.
    Asked as of 21:00, when the history runs on, no data age is negative."""
    lines = run_mrp(capsys, "status", "-w", synced).stdout.splitlines()
    ad_ctr = next(line for line in lines if line.startswith("ad-ctr "))
    assert ad_ctr.split()[6:8] == ["no_data", "latency-regression,"]
    assert ad_ctr.split()[-1] == "2h31m"
    monkeypatch.setenv("MRP_NOW", "2026-11-14T21:00:00Z")
    earlier = run_mrp(capsys, "status", "--json", "-w", synced).json()["models"]
    assert {row["model"]: row["data_age_seconds"] for row in earlier}["ad-ctr"] == 0
    assert all(row["data_age_seconds"] >= 0 for row in earlier)
