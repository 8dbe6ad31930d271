"""`mrp rollback` against a real Prometheus that fails while the verify window is read:
the verify line names the source and its error, and so do the runbook's outcome and the
signed `runbook.verify` record (it closed 'inconclusive' as if the model were quiet).

The platform (deployments and the webhook that moves the alias) is the loopback platform
speaking docs/http-contract.md; the clock is pinned, so the window is read at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.conftest import Workspace, at, prometheus_config
from tests.integration.fakes import FaultProxy, Platform, fault_proxy
from tests.integration.servers import Server

pytestmark = pytest.mark.integration

POLICY = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: risk, owner: risk-ml}
spec:
  selector: {models: [fraud]}
  triggers:
    - {name: accuracy-floor, metric: accuracy, op: "<", threshold: 0.9, for: 5m,
       action: rollback}
  rollback:
    target: previous_approved
    mechanism: webhook
    approvals: {required: 1, roles: [oncall]}
    verify: {window: 15m}
    cooldown: 1h
"""

OPEN = at(300)
"""Version 2 has served since minute 180, its accuracy under 0.9 since about minute 181."""


def stamp(minutes: float) -> str:
    return at(minutes).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def platform() -> Iterator[Platform]:
    server = Platform(
        secret="s3cret",
        models=[
            {
                "name": "fraud",
                "versions": [
                    {"version": "1", "created_at": stamp(-60), "status": "approved"},
                    {"version": "2", "created_at": stamp(-30), "status": "approved"},
                ],
                "aliases": {"champion": "2"},
                "history": [
                    {"alias": "champion", "version": "1", "at": stamp(0)},
                    {"alias": "champion", "version": "2", "at": stamp(180)},
                ],
            }
        ],
    )
    yield server
    server.close()


def ready(
    make_workspace: Callable[[str], Workspace], prom_url: str, platform: Platform
) -> Workspace:
    config = prometheus_config(prom_url, models='["fraud"]', retries="0")
    config += f'[sources.platform]\nkind = "http"\nurl = "{platform.url}/api"\nretries = 0\n'
    ws = make_workspace(config)
    (ws.root / "policies").mkdir()
    (ws.root / "policies" / "risk.yaml").write_text(POLICY)
    made = ws.mrp("keys", "init", "--name", "alice", "--role", "oncall", now=at(0))
    assert made.code == 0, made.stderr
    secret = ws.mrp("auth", "set", "platform", "--signing-secret", stdin="s3cret\n")
    assert secret.code == 0, secret.stderr
    synced = ws.mrp("sync", now=OPEN)
    assert synced.code == 0, synced.stderr
    return ws


def roll_back(ws: Workspace) -> Any:
    return ws.mrp(
        "rollback", "fraud", "--to", "1", "--reason", "accuracy under 0.9 since version 2",
        "--confirm", "fraud@1", "--yes", "--as", "alice", now=OPEN,
    )  # fmt: skip


def verify_details(ws: Workspace) -> dict[str, Any]:
    shown = ws.mrp("audit", "show", "--json")
    (details,) = [
        r["details"] for r in json.loads(shown.stdout)["records"] if r["action"] == "runbook.verify"
    ]
    return dict(details)


def unwrapped(stderr: str) -> str:
    return " ".join(stderr.split())


def test_a_prometheus_answering_500_is_named_on_the_verify_line_and_in_the_record(
    prometheus: Server, platform: Platform, make_workspace: Callable[[str], Workspace]
) -> None:
    proxy: FaultProxy
    with fault_proxy(prometheus.url) as proxy:
        ws = ready(make_workspace, proxy.url, platform)
        proxy.fail("500")
        run = roll_back(ws)
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert platform.alias("fraud", "champion") == "1"
    said = unwrapped(run.stderr)
    assert (
        "accuracy-floor; the 15m window has passed. Source 'prom' failed to sync: the query for "
        "model 'fraud'"
    ) in said, said
    assert "HTTP 500" in said and "internal error (injected)" in said
    details = verify_details(ws)
    assert details["outcome"] == "inconclusive"
    (failed,) = details["failed_syncs"]
    assert failed["source"] == "prom" and "HTTP 500" in failed["error"]
    assert failed["since"] == details["window_end"]
    assert "Source 'prom' failed to sync: the query for model 'fraud'" in details["summary"]
    assert "while the sync of 'prom' fails" in details["next_step"]
    shown = unwrapped(ws.mrp("runbook", "show", "fraud").stdout)
    assert "Source 'prom' failed to sync" in shown, shown


def test_a_prometheus_that_went_down_is_named(
    own_prometheus: Callable[..., Server],
    platform: Platform,
    make_workspace: Callable[[str], Workspace],
) -> None:
    server = own_prometheus()
    ws = ready(make_workspace, server.url, platform)
    server.stop()
    run = roll_back(ws)
    assert run.code == 0, run.stderr
    said = unwrapped(run.stderr)
    assert "the 15m window has passed. Source 'prom' failed to sync: the query for model" in said
    assert f"failed: cannot connect to 127.0.0.1:{server.port} (connection refused)." in said
    details = verify_details(ws)
    assert [f["source"] for f in details["failed_syncs"]] == ["prom"]


def test_a_healthy_prometheus_is_not_named(
    prometheus: Server, platform: Platform, make_workspace: Callable[[str], Workspace]
) -> None:
    ws = ready(make_workspace, prometheus.url, platform)
    run = roll_back(ws)
    assert run.code == 0, run.stderr
    assert "failed to sync" not in unwrapped(run.stderr)
    details = verify_details(ws)
    assert details["outcome"] == "inconclusive" and details["failed_syncs"] == []
    assert details["next_step"].startswith("no sample of version 1 to judge by: check that")
