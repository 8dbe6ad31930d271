"""A model whose serving alias has no history (MLflow keeps none; mrp records switches from
its first sync on) gets its last deploy inferred from its metrics' version labels, once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from console.inferred_history import INFERRED_ACTOR
from tests.unit.cli_helpers import run_mrp


def _without_history(root: Path, metrics: str) -> None:
    deployments = json.loads((root / "deployments.json").read_text())
    for model in deployments["models"]:
        model["history"] = []
    (root / "deployments.json").write_text(json.dumps(deployments))
    (root / "metrics" / "fraud.csv").write_text("model,version,metric,ts,value\n" + metrics)


def _switches(root: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(root / ".mrp" / "state.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT model, version, previous_version, strftime(switched_at, '%H:%M'), actor, "
            "observed FROM deployment_events ORDER BY model, switched_at"
        ).fetchall()
    finally:
        con.close()


V1_THEN_V2 = (
    "fraud,1,accuracy,2026-11-01T23:58:00Z,0.95\n"
    "fraud,1,accuracy,2026-11-01T23:59:00Z,0.95\n"
    "fraud,1,accuracy,2026-11-02T00:00:00Z,0.94\n"  # the old version still reporting
    "fraud,2,accuracy,2026-11-01T23:59:30Z,0.90\n"  # a canary: v2 from 23:59:30
    "fraud,2,accuracy,2026-11-02T00:01:00Z,0.88\n"
    "fraud,2,accuracy,2026-11-02T00:02:00Z,0.87\n"
)


def test_the_serving_version_took_over_at_its_first_sample(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:03:00Z")
    _without_history(tiny_workspace, V1_THEN_V2)
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    # churn has samples of no other version: nothing to infer
    assert _switches(tiny_workspace) == [("fraud", "2", "1", "23:59", INFERRED_ACTOR, True)]
    status = run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()
    [fraud] = [m for m in status["models"] if m["model"] == "fraud"]
    assert (fraud["previous_version"], fraud["since"]) == ("1", "2026-11-01T23:59:30Z")
    # recorded once: the next sync finds history and infers nothing more
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert len(_switches(tiny_workspace)) == 1


def test_nothing_is_guessed_where_the_serving_version_reported_first(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 serves and reported first; version 2 reported for a while too. That may be
    a rollback from 2 to 1, or a canary or shadow of 2 that never took over: the metrics
    cannot tell, so no history is made up."""
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:10:00Z")
    deployments = json.loads((tiny_workspace / "deployments.json").read_text())
    deployments["models"][0]["aliases"] = {"champion": "1"}
    (tiny_workspace / "deployments.json").write_text(json.dumps(deployments))
    _without_history(
        tiny_workspace,
        "fraud,1,accuracy,2026-11-01T23:00:00Z,0.95\n"
        "fraud,2,accuracy,2026-11-02T00:00:00Z,0.80\n"
        "fraud,2,accuracy,2026-11-02T00:04:00Z,0.80\n"
        "fraud,1,accuracy,2026-11-02T00:05:00Z,0.95\n",
    )
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 0
    assert _switches(tiny_workspace) == []
    assert "no deployment history" not in result.stderr


def test_a_model_with_history_is_left_as_its_source_says(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:03:00Z")
    (tiny_workspace / "metrics" / "fraud.csv").write_text(
        "model,version,metric,ts,value\n" + V1_THEN_V2
    )
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert INFERRED_ACTOR not in {row[4] for row in _switches(tiny_workspace)}


def test_sync_says_what_it_inferred_and_history_says_how_it_is_known(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.model_detail import Switch
    from console.tui.history_data import switch_row

    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:03:00Z")
    _without_history(tiny_workspace, V1_THEN_V2)
    result = run_mrp(capsys, "sync", "--json", "-w", tiny_workspace)
    assert result.exit_code == 0
    assert result.json()["inferred_deploys"] == [
        {
            "model": "fraud",
            "version": "2",
            "previous_version": "1",
            "switched_at": "2026-11-01T23:59:30Z",
        }
    ]
    assert (
        "note: fraud had no deployment history: from its metrics, version 2 took over from 1 "
        "at 2026-11-01T23:59:30Z (recorded as inferred)." in result.stderr
    )
    [(model, version, previous, _at, actor, observed)] = _switches(tiny_workspace)
    at = datetime(2026, 11, 1, 23, 59, 30, tzinfo=UTC)
    row = switch_row(Switch(model, version, previous, at, actor, observed, rollback=False))
    assert "inferred from the metrics' version labels" in row.detail


def test_the_version_a_first_switch_replaced_is_judged_before_it(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History that begins with a switch naming what it replaced (inferred, or an alias
    move seen at sync) keeps the time before it: the replaced version served then, and its
    incident stays in evaluations and backtests."""
    (tiny_workspace / "policies" / "floor.yaml").write_text(
        "apiVersion: mrp/v1\nkind: RollbackPolicy\nmetadata: {name: floor}\n"
        "spec:\n  selector: {models: [fraud]}\n  triggers:\n"
        "    - {name: accuracy-floor, metric: accuracy, op: '<', threshold: 0.945}\n"
    )
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:03:00Z")
    _without_history(tiny_workspace, V1_THEN_V2)
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(
        capsys, "evaluate", "--at", "2026-11-02T00:00:00Z", "--json", "-w", tiny_workspace
    )
    assert result.exit_code == 0, result.stderr
    [state] = result.json()["triggers"]
    # version 1 served until 23:59:30; at 00:00 version 2 serves: its 23:59:30 sample (0.90)
    assert (state["version"], state["state"], state["value"]) == ("2", "firing", 0.9)
    result = run_mrp(
        capsys, "evaluate", "--at", "2026-11-01T23:59:00Z", "--json", "-w", tiny_workspace
    )
    [state] = result.json()["triggers"]
    assert (state["version"], state["state"], state["value"]) == ("1", "ok", 0.95)


def test_no_sample_since_a_version_began_serving_is_said_so(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1's samples from when it served before do not count for its new period: the
    reason says since when none came, not 'in the 10m looked at' (which read as false)."""
    deployments = json.loads((tiny_workspace / "deployments.json").read_text())
    fraud = deployments["models"][0]
    fraud["aliases"] = {"champion": "1"}
    fraud["history"] = [
        {"alias": "champion", "version": "1", "at": "2026-11-01T23:00:00Z"},
        {"alias": "champion", "version": "2", "at": "2026-11-02T00:00:00Z"},
        {"alias": "champion", "version": "1", "at": "2026-11-02T00:05:00Z"},
    ]
    (tiny_workspace / "deployments.json").write_text(json.dumps(deployments))
    (tiny_workspace / "metrics" / "fraud.csv").write_text(
        "model,version,metric,ts,value\n"
        "fraud,1,accuracy,2026-11-02T00:04:00Z,0.95\n"  # late in v2's period: not v1's
        "fraud,1,accuracy,2026-11-01T23:58:00Z,0.95\n"
        "fraud,2,accuracy,2026-11-02T00:01:00Z,0.80\n"
    )
    (tiny_workspace / "policies" / "floor.yaml").write_text(
        "apiVersion: mrp/v1\nkind: RollbackPolicy\nmetadata: {name: floor}\n"
        "spec:\n  selector: {models: [fraud]}\n  triggers:\n"
        "    - {name: accuracy-floor, metric: accuracy, op: '<', threshold: 0.9}\n"
    )
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:07:00Z")
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(capsys, "evaluate", "--json", "-w", tiny_workspace)
    [state] = result.json()["triggers"]
    assert (state["version"], state["state"]) == ("1", "no_data")
    assert state["reason"] == (
        "no accuracy sample of version 1 since it began serving at 2026-11-02T00:05:00Z"
    )


def test_the_runbook_knows_since_when_the_version_serves_from_the_recorded_switch(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow gives an alias no time: the rollback evidence said 'version 2 serving' where
    `mrp status` showed SINCE; it now takes the switch mrp recorded (here, inferred)."""
    from console.runbook.facts import read_facts
    from console.settings import open_workspace

    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:03:00Z")
    _without_history(tiny_workspace, V1_THEN_V2)
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    now = datetime(2026, 11, 2, 0, 3, tzinfo=UTC)
    facts = read_facts(open_workspace(tiny_workspace), "fraud", "champion", now)
    assert facts.serving_version == "2"
    assert facts.serving_since == datetime(2026, 11, 1, 23, 59, 30, tzinfo=UTC)


def test_the_target_step_knows_until_when_the_replaced_version_served(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version the first recorded switch replaced served until it: the target step said
    'never served behind champion' (and the console 'served until -') for the very version
    a rollback goes back to."""
    from console.runbook.facts import read_facts
    from console.runbook.target import candidates
    from console.settings import open_workspace

    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:03:00Z")
    _without_history(tiny_workspace, V1_THEN_V2)
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    now = datetime(2026, 11, 2, 0, 3, tzinfo=UTC)
    facts = read_facts(open_workspace(tiny_workspace), "fraud", "champion", now)
    [one] = [c for c in candidates(facts, "1") if c.version == "1"]
    switched = datetime(2026, 11, 1, 23, 59, 30, tzinfo=UTC)
    assert (one.served_from, one.served_until) == (None, switched)
    assert one.why == (
        "eligible: approved, served until 2026-11-01T23:59:30Z (since before the recorded "
        "history) (the policy's suggestion)"
    )
