"""The MLflow registry source and the alias-swap executor against a real MLflow server."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest

from console.errors import SourceError
from console.settings import Config, MlflowSource, Workspace
from console.sources.mlflow_executor import ROLLBACK_TAG, MlflowAliasExecutor
from tests.integration.conftest import Registry, at
from tests.integration.fakes import fault_proxy
from tests.integration.servers import Server, free_port

pytestmark = pytest.mark.integration


def mlflow_config(url: str, prefix: str) -> str:
    return f"""
[sources.registry]
kind = "mlflow"
url = "{url}"
serving_alias = "champion"
models = ["{prefix}-*"]
baseline_metrics = {{ accuracy = "val_accuracy" }}
retries = 1
backoff = "50ms"
"""


def test_sync_reads_models_versions_aliases_and_baselines(
    mlflow_server: Server, registry: Registry, make_workspace
) -> None:
    name = "s1-fraud"
    registry.model(name, tags={"team": "risk", "risk_tier": "high"}, baselines=[0.95, 0.93, None])
    registry.model("s1-churn", tags={}, baselines=[0.8])
    registry.model("other-model", tags={}, baselines=[0.5])  # not followed
    registry.set_alias(name, "champion", "1")
    registry.set_alias(name, "challenger", "2")
    ws = make_workspace(mlflow_config(mlflow_server.url, "s1"))
    run = ws.sync(at(0))
    assert run.code == 0, run.stderr
    assert run.json["sources"][0]["models"] == 2
    assert ws.rows("SELECT name, team, risk_tier FROM models ORDER BY name") == [
        ("s1-churn", None, None),
        (name, "risk", "high"),
    ]
    versions = ws.rows(
        "SELECT version, status, run_id IS NOT NULL, created_at IS NOT NULL, tags->>'approved' "
        "FROM versions WHERE model = ? ORDER BY version",
        name,
    )
    assert versions == [(v, "READY", True, True, "true") for v in ("1", "2", "3")]
    assert ws.rows(
        "SELECT version, metric, value FROM baselines WHERE model = ? ORDER BY 1", name
    ) == [
        ("1", "accuracy", 0.95),
        ("2", "accuracy", 0.93),
    ]
    assert ws.rows("SELECT alias, version FROM aliases WHERE model = ? ORDER BY 1", name) == [
        ("challenger", "2"),
        ("champion", "1"),
    ]
    assert ws.rows("SELECT count(*) FROM deployment_events") == [(0,)]


def test_alias_changes_between_syncs_become_observed_deployment_events(
    mlflow_server: Server, registry: Registry, make_workspace
) -> None:
    name = "s2-fraud"
    registry.model(name, tags={}, baselines=[0.9, 0.91, 0.92])
    registry.set_alias(name, "champion", "1")
    ws = make_workspace(mlflow_config(mlflow_server.url, "s2"))
    assert ws.sync(at(0)).code == 0
    registry.set_alias(name, "champion", "2")
    assert ws.sync(at(10)).code == 0
    assert ws.sync(at(20)).code == 0  # nothing changed: no new event
    registry.set_alias(name, "champion", "3")
    assert ws.sync(at(30)).code == 0
    events = ws.rows(
        "SELECT alias, version, previous_version, switched_at, observed FROM deployment_events "
        "WHERE model = ? ORDER BY switched_at",
        name,
    )
    naive = [moment.replace(tzinfo=None) for moment in (at(10), at(30))]
    assert events == [
        ("champion", "2", "1", naive[0], True),
        ("champion", "3", "2", naive[1], True),
    ]
    status = ws.mrp("status", "--json", now=at(31)).json
    row = next(m for m in status["models"] if m["model"] == name)
    assert (row["version"], row["previous_version"]) == ("3", "2")


def _executor(url: str, home: Path) -> MlflowAliasExecutor:
    config = MlflowSource(kind="mlflow", url=url, retries=0)
    return MlflowAliasExecutor("registry", config, Workspace(home, Config()))


def test_executor_moves_reads_back_tags_and_is_idempotent(
    mlflow_server: Server, registry: Registry, tmp_path: Path
) -> None:
    name = "e1-fraud"
    registry.model(name, tags={}, baselines=[0.9, 0.8])
    registry.set_alias(name, "champion", "2")
    with fault_proxy(mlflow_server.url) as proxy:
        executor = _executor(proxy.url, tmp_path)
        done = asyncio.run(
            executor.move_alias(
                name, "champion", "1", "rb-1:execute", actor="alice", reason="drift"
            )
        )
        assert (done.previous_version, done.already_done, done.mechanism) == (
            "2",
            False,
            "alias_swap",
        )
        assert registry.alias(name, "champion") == "1"
        mark = json.loads(registry.version_tags(name, "1")[ROLLBACK_TAG])
        assert mark["key"] == "rb-1:execute" and mark["from"] == "2" and mark["by"] == "alice"
        datetime.fromisoformat(mark["at"].replace("Z", "+00:00"))
        posts = len([s for s in proxy.seen if s.method == "POST"])
        again = asyncio.run(executor.move_alias(name, "champion", "1", "rb-1:execute"))
        assert again.already_done is True and again.previous_version == "2"
        assert len([s for s in proxy.seen if s.method == "POST"]) == posts  # nothing sent again
        other = asyncio.run(executor.move_alias(name, "champion", "1", "rb-2:execute"))
        assert other.already_done is False
        assert json.loads(registry.version_tags(name, "1")[ROLLBACK_TAG])["key"] == "rb-2:execute"


def test_executor_treats_a_silent_no_op_as_failure(
    mlflow_server: Server, registry: Registry, tmp_path: Path
) -> None:
    name = "e2-fraud"
    registry.model(name, tags={}, baselines=[0.9, 0.8])
    registry.set_alias(name, "champion", "2")
    with fault_proxy(mlflow_server.url) as proxy:
        proxy.fail("drop", match="POST /api/2.0/mlflow/registered-models/alias")
        with pytest.raises(SourceError, match="reading it back shows 2"):
            asyncio.run(_executor(proxy.url, tmp_path).move_alias(name, "champion", "1", "k"))
    assert ROLLBACK_TAG not in registry.version_tags(name, "1")


def test_executor_refuses_a_version_that_does_not_exist(
    mlflow_server: Server, registry: Registry, tmp_path: Path
) -> None:
    registry.model("e3-fraud", tags={}, baselines=[0.9])
    with pytest.raises(SourceError, match="e3-fraud has no version 7 in MLflow"):
        asyncio.run(
            _executor(mlflow_server.url, tmp_path).move_alias("e3-fraud", "champion", "7", "k")
        )


@pytest.mark.parametrize("fault", ["500", "truncated", "refused"])
def test_registry_faults_keep_data(
    fault: str, mlflow_server: Server, registry: Registry, make_workspace
) -> None:
    name = f"f-{fault}-fraud"
    registry.model(name, tags={}, baselines=[0.9, 0.8])
    registry.set_alias(name, "champion", "1")
    with fault_proxy(mlflow_server.url) as proxy:
        ws = make_workspace(mlflow_config(proxy.url, f"f-{fault}"))
        assert ws.sync(at(0)).code == 0
        before = ws.snapshot()
        registry.set_alias(name, "champion", "2")
        if fault == "refused":
            ws.configure(mlflow_config(f"http://127.0.0.1:{free_port()}", f"f-{fault}"))
        else:
            proxy.fail(fault)
        failed = ws.sync(at(5))
        assert failed.code == 1
        lines = [line for line in failed.stderr.splitlines() if line.startswith("mrp: ")]
        assert len(lines) == 1 and lines[0].startswith("mrp: source 'registry': MLflow GET ")
        assert "Traceback" not in failed.stderr
        assert ws.snapshot() == before
        proxy.heal()
        ws.configure(mlflow_config(proxy.url, f"f-{fault}"))
        assert ws.sync(at(10)).code == 0
    assert ws.rows("SELECT version, previous_version FROM deployment_events") == [("2", "1")]


def test_executor_current_reads_the_alias(
    mlflow_server: Server, registry: Registry, tmp_path: Path
) -> None:
    registry.model("e4-fraud", tags={}, baselines=[0.9, 0.8])
    registry.set_alias("e4-fraud", "champion", "2")
    executor = _executor(mlflow_server.url, tmp_path)
    assert asyncio.run(executor.current("e4-fraud")) == "2"
    assert asyncio.run(executor.current("e4-fraud", "challenger")) is None
