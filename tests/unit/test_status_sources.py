"""`mrp status` says which sources failed at their last sync (the table reads stored data,
which such a source has stopped bringing), and why the fleet is empty."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb
import pytest

from tests.unit.cli_helpers import run_mrp


def _dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _add_prometheus(root: Path) -> None:
    with (root / "mrp.toml").open("a") as config:
        config.write(
            f'\n[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:{_dead_port()}"\n'
            "retries = 0\n[sources.prom.metrics]\n"
            "accuracy = 'avg by (version) (model_accuracy{model=\"{model}\"})'\n"
        )


def test_a_failed_source_is_named_with_when_and_why_and_the_table_still_shows(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:05:00Z")
    _add_prometheus(tiny_workspace)
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 1
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert result.exit_code == 0
    assert "fraud" in result.stdout and "churn" in result.stdout
    [line] = [x for x in result.stderr.splitlines() if "source 'prom'" in x]
    assert line.startswith("warning: source 'prom' failed at its last sync, ")
    assert "ago): " in line and "cannot connect to 127.0.0.1" in line
    assert line.endswith("; it has never synced successfully.")
    assert "source 'offline'" not in result.stderr
    sources = {
        s["source"]: s
        for s in run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()["sources"]
    }
    assert sources["offline"]["ok"] is True and sources["offline"]["error"] is None
    assert sources["prom"]["ok"] is False and sources["prom"]["last_ok"] is None
    assert "cannot connect" in sources["prom"]["error"]
    assert sources["prom"]["last_sync"].endswith("Z")


def test_a_source_that_never_synced_is_named(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:05:00Z")
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    _add_prometheus(tiny_workspace)  # added after the last sync
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert "warning: source 'prom' has not synced yet: run `mrp sync`." in result.stderr
    [prom] = [
        s
        for s in run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()["sources"]
        if s["source"] == "prom"
    ]
    assert prom["last_sync"] is None and prom["ok"] is None


def test_stored_metrics_without_a_source_listing_models_are_explained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    (root / "policies").mkdir(parents=True)
    (root / "mrp.toml").write_text('operator = "alice"\n')
    _add_prometheus(root)
    assert run_mrp(capsys, "sync", "-w", root).exit_code == 1
    con = duckdb.connect(str(root / ".mrp" / "state.duckdb"))
    con.execute(
        "INSERT INTO metrics (model, version, metric, ts, value, source) VALUES "
        "('fraud', '2', 'accuracy', TIMESTAMP '2026-11-02 00:01:00', 0.9, 'prom'), "
        "('churn', '3', 'accuracy', TIMESTAMP '2026-11-02 00:01:00', 0.8, 'prom')"
    )
    con.close()
    result = run_mrp(capsys, "status", "-w", root)
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "no models yet: metrics of 2 models are stored, but no source lists the models and "
        "the versions they serve (mlflow, http or files); the last sync of 'prom' failed "
        "(see above)."
    )


def test_the_warnings_of_the_last_sync_are_repeated_until_the_next_one(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron job's `mrp sync` output scrolls away: `mrp status` says what it warned of."""
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:05:00Z")
    stray = tiny_workspace / "metrics" / "fraud.json"
    stray.write_text("{}\n")
    synced = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert synced.exit_code == 0
    said = "offline: metrics/fraud.json is not read: a metric file ends in .csv or .parquet"
    assert f"warning: {said}." in synced.stderr
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    [line] = [x for x in result.stderr.splitlines() if "fraud.json" in x]
    assert line.startswith(f"warning: {said} (its last sync, ")
    [offline] = run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()["sources"]
    assert offline["ok"] is True
    assert offline["warnings"] == [
        {
            "metric": None,
            "message": "metrics/fraud.json is not read: a metric file ends in .csv or .parquet.",
        }
    ]
    stray.unlink()
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert "fraud.json" not in run_mrp(capsys, "status", "-w", tiny_workspace).stderr
    [offline] = run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()["sources"]
    assert offline["warnings"] == []


def test_a_source_that_failed_then_synced_is_no_longer_named_as_failed(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure of an earlier sync is not carried over to a later one that succeeded."""
    monkeypatch.setenv("MRP_NOW", "2026-11-02T00:05:00Z")
    deployments = tiny_workspace / "deployments.json"
    good = deployments.read_text()
    deployments.write_text(good.replace('"tags": {"domain": "payments"}', '"tags": []'))
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 2
    deployments.write_text(good)
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert result.exit_code == 0
    assert "failed" not in result.stderr
    [offline] = run_mrp(capsys, "status", "--json", "-w", tiny_workspace).json()["sources"]
    assert offline["ok"] is True and offline["error"] is None
    assert offline["last_ok"] == offline["last_sync"]


@pytest.mark.parametrize("fail_on", ["firing", "pending"])
def test_a_gate_does_not_pass_on_a_fleet_it_cannot_see(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fail_on: str
) -> None:
    """A CI gate whose only source has never synced knows no model: it stops (exit 2) instead
    of reporting that nothing fires."""
    root = tmp_path / "ws"
    (root / "policies").mkdir(parents=True)
    (root / "mrp.toml").write_text('operator = "alice"\n')
    _add_prometheus(root)
    assert run_mrp(capsys, "sync", "-w", root).exit_code == 1
    result = run_mrp(capsys, "status", "--fail-on", fail_on, "-w", root)
    assert result.exit_code == 2
    assert result.stdout.startswith("no models yet: the last sync of 'prom' failed")
    assert result.stderr.strip().endswith(
        "the gate has no model to judge (see above), so it cannot say that none is "
        f"{fail_on}; it passes only once `mrp sync` has stored the fleet."
    )
    assert run_mrp(capsys, "status", "-w", root).exit_code == 0
