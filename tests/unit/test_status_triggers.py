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
    assert models["aml-screening"]["worst_state"] == "ok"
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
