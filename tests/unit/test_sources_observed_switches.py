"""An alias change a source does not record itself becomes an observed deployment event."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.unit.cli_helpers import run_mrp


def _events(workspace: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(workspace / ".mrp" / "state.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT version, previous_version, observed FROM deployment_events "
            "WHERE model = 'fraud' ORDER BY switched_at, observed"
        ).fetchall()
    finally:
        con.close()


def test_rollback_to_a_version_already_in_the_history_is_observed(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_NOW", "2026-11-03T00:00:00Z")
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    path = tiny_workspace / "deployments.json"
    data = json.loads(path.read_text())
    data["models"][0]["aliases"]["champion"] = "1"
    path.write_text(json.dumps(data))
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 0, result.stderr
    assert _events(tiny_workspace) == [("1", None, False), ("2", "1", False), ("1", "2", True)]
    status = run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()
    fraud = next(row for row in status["models"] if row["model"] == "fraud")
    assert (fraud["version"], fraud["previous_version"]) == ("1", "2")


def test_a_switch_the_source_records_is_not_observed_twice(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    path = tiny_workspace / "deployments.json"
    data = json.loads(path.read_text())
    data["models"][0]["aliases"]["champion"] = "1"
    data["models"][0]["history"].append(
        {"alias": "champion", "version": "1", "at": "2026-11-02T06:00:00Z", "actor": "erin"}
    )
    path.write_text(json.dumps(data))
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert _events(tiny_workspace) == [("1", None, False), ("2", "1", False), ("1", "2", False)]
