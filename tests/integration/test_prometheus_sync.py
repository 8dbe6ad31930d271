"""`mrp sync` against a real Prometheus: incremental, chunked, per version, escaped."""

from __future__ import annotations

import math
from urllib.parse import parse_qs

import pytest

from tests.integration.conftest import (
    ODD,
    at,
    oracle,
    prometheus_config,
    stored_metrics,
)
from tests.integration.fakes import fault_proxy
from tests.integration.servers import Server

pytestmark = pytest.mark.integration


def test_incremental_syncs_equal_one_complete_query(prometheus: Server, make_workspace) -> None:
    ws = make_workspace(prometheus_config(prometheus.url))
    for minutes in (100, 101, 250.5, 420):  # the last one past the end of the history
        run = ws.sync(at(minutes))
        assert run.code == 0, run.stderr
        assert run.json["sources"][0]["ok"] is True
    stored = stored_metrics(ws)
    assert stored == oracle(prometheus.url, at(100 - 360), at(420))  # from the first backfill
    assert len(stored) == len(set(stored))


def test_versions_escaping_and_special_values(prometheus: Server, make_workspace) -> None:
    ws = make_workspace(prometheus_config(prometheus.url))
    assert ws.sync(at(360)).code == 0
    versions = dict(
        ws.rows(
            "SELECT model || '/' || coalesce(version, '-') || '/' || metric, count(*) "
            "FROM metrics GROUP BY ALL"
        )
    )
    # fraud switched from 1 to 2 at T0+3h; Prometheus' 5-minute lookback keeps 1 alive a bit
    assert set(versions) == {
        "fraud/1/accuracy", "fraud/2/accuracy", "churn/3/accuracy", f"{ODD}/1/accuracy",
        "fraud/-/latency_p99_seconds",
    }  # fmt: skip
    latency = ws.rows(
        "SELECT ts, value FROM metrics WHERE metric = 'latency_p99_seconds' ORDER BY ts LIMIT 8"
    )
    assert math.isinf(latency[5][1])  # +Inf is kept
    assert (latency[6][0] - latency[5][0]).total_seconds() == 120  # the NaN minute is skipped
    last = ws.rows("SELECT metric, max(last_ts) FROM watermarks GROUP BY metric")
    assert {metric for metric, _ in last} == {"accuracy", "latency_p99_seconds"}


def test_no_request_exceeds_the_points_limit(prometheus: Server, make_workspace) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws = make_workspace(
            prometheus_config(proxy.url, step='"1s"', backfill='"4h"', models='["churn"]')
        )
        assert ws.sync(at(300)).code == 0
    ranges = [parse_qs(seen.query) for seen in proxy.seen if seen.path.endswith("query_range")]
    assert len(ranges) == 4  # 14,401 points per series: two chunks for each of two metrics
    for params in ranges:
        start, end, step = (float(params[key][0]) for key in ("start", "end", "step"))
        assert (end - start) / step + 1 <= 11_000
        assert start % step == 0 and end % step == 0
    stored = ws.rows("SELECT count(*), count(DISTINCT ts) FROM metrics WHERE metric = 'accuracy'")
    assert stored == [(14_401, 14_401)]


def test_template_naming_version_queries_each_known_version(
    prometheus: Server, make_workspace, tmp_path
) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "deployments.json").write_text(
        '{"models": [{"name": "fraud", "versions": [{"version": "1"}, {"version": "2"}]}]}'
    )
    config = prometheus_config(prometheus.url, models='["fraud"]').replace(
        'avg by (version) (model_accuracy{model="{model}"})',
        'model_accuracy{model="{model}", version="{version}"}',
    )
    ws = make_workspace(
        config + f'\n[sources.files]\nkind = "files"\npath = "{tmp_path / "files"}"\n'
    )
    assert ws.sync(at(0), "files").code == 0
    for minutes in (200, 360):
        assert ws.sync(at(minutes), "prom").code == 0
    counts = dict(
        ws.rows("SELECT version, count(*) FROM metrics WHERE metric = 'accuracy' GROUP BY version")
    )
    # each version's own samples (plus the 5-minute lookback), never one counted twice
    assert counts == {"1": 185, "2": 181}


def test_several_series_for_one_version_is_one_clear_error(
    prometheus: Server, make_workspace
) -> None:
    config = prometheus_config(prometheus.url, models='["dup"]').replace(
        "avg by (version) (model_accuracy", "(model_accuracy"
    )
    ws = make_workspace(config)
    run = ws.sync(at(60))
    assert run.code == 1
    assert "several series for version '1'" in run.stderr
    assert "model 'dup'" in run.stderr and "avg by (version)" in run.stderr


def test_prometheus_error_body_names_source_model_and_query(
    prometheus: Server, make_workspace
) -> None:
    config = prometheus_config(prometheus.url, models='["fraud"]').replace(
        "max(model_latency_p99_seconds{", "max(model_latency_p99_seconds{{"
    )
    ws = make_workspace(config)
    run = ws.sync(at(60))
    assert run.code == 1
    message = [line for line in run.stderr.splitlines() if line.startswith("mrp: ")]
    assert len(message) == 1, run.stderr
    assert "source 'prom'" in message[0] and "model 'fraud'" in message[0]
    assert 'max(model_latency_p99_seconds{{model="fraud"})' in message[0]
    assert "bad_data" in message[0] and "Traceback" not in run.stderr


def test_models_are_discovered_from_the_model_label(prometheus: Server, make_workspace) -> None:
    config = "\n".join(
        line
        for line in prometheus_config(prometheus.url).splitlines()
        if not line.startswith("models")
    )
    ws = make_workspace(config)
    run = ws.sync(at(60))
    assert run.code == 0, run.stderr
    assert run.json["sources"][0]["models"] == 4
    found = {model for (model,) in ws.rows("SELECT DISTINCT model FROM metrics")}
    assert found == {"fraud", "churn", "dup", ODD}
