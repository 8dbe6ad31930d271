"""Faults end in exit 1 and one clear sentence, keep stored data exactly as it was, and the
next good sync catches up from the watermark with no duplicate and no hole."""

from __future__ import annotations

import pytest

from tests.integration.conftest import at, oracle, prometheus_config, stored_metrics
from tests.integration.fakes import fault_proxy
from tests.integration.servers import Server

pytestmark = pytest.mark.integration

FAULTS = {
    "500": "failed: HTTP 500 after 2 attempts: internal error (injected)",
    "slow": "did not answer within 2s (2 attempts)",
    "malformed": "failed: the response is not valid JSON",
    "truncated": "closed the connection before the response was complete (2 attempts)",
    "429": "Prometheus is rate limiting (HTTP 429, retry after 0.2s) after 2 attempts",
}


def _sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("mrp: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_fault_keeps_data_and_next_sync_catches_up(
    kind: str, prometheus: Server, make_workspace
) -> None:
    with fault_proxy(prometheus.url) as proxy:
        # Only the slow fault needs a short timeout; the others keep room for a busy machine.
        timeout = '"2s"' if kind == "slow" else '"15s"'
        ws = make_workspace(prometheus_config(proxy.url, timeout=timeout))
        assert ws.sync(at(100)).code == 0
        before = ws.snapshot()
        proxy.fail(kind, option=6.0 if kind == "slow" else 0.2)
        failed = ws.sync(at(200))
        assert failed.code == 1
        assert failed.json["sources"][0]["ok"] is False
        sentence = _sentence(failed.stderr)
        assert sentence.startswith("mrp: source 'prom': the query for model '")
        assert FAULTS[kind] in sentence
        assert ws.snapshot() == before
        error = ws.rows("SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1")[0][0]
        assert FAULTS[kind] in error
        proxy.heal()
        assert ws.sync(at(200)).code == 0
    assert stored_metrics(ws) == oracle(prometheus.url, at(100 - 360), at(200))


def test_stopped_server_is_connection_refused_then_catch_up(own_prometheus, make_workspace) -> None:
    server = own_prometheus()
    ws = make_workspace(prometheus_config(server.url))
    assert ws.sync(at(100)).code == 0
    before = ws.snapshot()
    server.stop()
    failed = ws.sync(at(300))
    assert failed.code == 1
    sentence = _sentence(failed.stderr)
    assert (
        f"cannot connect to 127.0.0.1:{server.port} (connection refused) (2 attempts)" in sentence
    )
    assert ws.snapshot() == before
    again = own_prometheus(server.port)
    assert ws.sync(at(300)).code == 0
    assert stored_metrics(ws) == oracle(again.url, at(100 - 360), at(300))


def test_429_waits_as_long_as_retry_after_says(prometheus: Server, make_workspace) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws = make_workspace(prometheus_config(proxy.url, models='["churn"]'))
        proxy.fail("429", times=1, match="query_range", option=1.0)
        assert ws.sync(at(60)).code == 0
    limited = next(s for s in proxy.seen if s.fault == "429")
    first, retry = (s for s in proxy.seen if s.query == limited.query)
    assert retry.when - first.when >= 1.0


def test_a_failing_source_does_not_stop_the_others(
    own_prometheus, make_workspace, tmp_path
) -> None:
    server = own_prometheus()
    offline = tmp_path / "offline"
    offline.mkdir()
    (offline / "deployments.json").write_text(
        '{"models": [{"name": "fraud", "versions": [{"version": "2"}], "aliases": {"champion": "2"}}]}'
    )
    config = (
        prometheus_config(server.url) + f'[sources.offline]\nkind = "files"\npath = "{offline}"\n'
    )
    ws = make_workspace(config)
    server.stop()
    run = ws.sync(at(100))
    assert run.code == 1
    outcomes = {o["source"]: o["ok"] for o in run.json["sources"]}
    assert outcomes == {"offline": True, "prom": False}
    assert ws.rows("SELECT name FROM models") == [("fraud",)]
    assert _sentence(run.stderr).startswith("mrp: source 'prom': ")
