"""A model x metric with no data in Prometheus is not asked for the whole backfill at every
sync: the next sync asks from where the last one ended, less five minutes for late samples.
What Prometheus was asked is read off a recording proxy in front of the real server."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.integration.conftest import Workspace, at, prometheus_config
from tests.integration.fakes import FaultProxy, fault_proxy
from tests.integration.servers import Series, Server, build_prometheus_blocks

pytestmark = pytest.mark.integration

MODELS = '["fraud", "churn", "retired"]'
CHURN_LATENCY = 'max(model_latency_p99_seconds{model="churn"})'
RETIRED_ACCURACY = 'avg by (version) (model_accuracy{model="retired"})'
CHURN_ACCURACY = 'avg by (version) (model_accuracy{model="churn"})'


def _asked(proxy: FaultProxy, query: str) -> list[tuple[datetime, datetime]]:
    """The [start, end] of every range query Prometheus was sent for ``query``."""
    spans = []
    for seen in proxy.seen:
        params = parse_qs(seen.query)
        if seen.path == "/api/v1/query_range" and params["query"] == [query]:
            start, end = (
                datetime.fromtimestamp(float(params[key][0]), tz=UTC) for key in ("start", "end")
            )
            spans.append((start, end))
    return sorted(spans)


def _sync(ws: Workspace, proxy: FaultProxy, now: datetime) -> None:
    proxy.seen.clear()
    run = ws.sync(now)
    assert run.code == 0, run.stderr


def test_an_empty_pair_is_asked_from_where_the_last_sync_ended(
    prometheus: Server, make_workspace
) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models=MODELS))
        _sync(ws, proxy, at(100))
        assert _asked(proxy, CHURN_LATENCY) == [(at(100 - 360), at(100))]

        _sync(ws, proxy, at(110))
        assert _asked(proxy, CHURN_LATENCY) == [(at(95), at(110))]
        assert _asked(proxy, RETIRED_ACCURACY) == [(at(95), at(110))]
        assert _asked(proxy, CHURN_ACCURACY) == [(at(101), at(110))]  # from its watermark

        _sync(ws, proxy, at(110) + timedelta(seconds=30))  # the same step: nothing new due
        assert _asked(proxy, CHURN_LATENCY) == []
        assert _asked(proxy, RETIRED_ACCURACY) == []

        _sync(ws, proxy, at(111))
        assert _asked(proxy, CHURN_LATENCY) == [(at(105), at(111))]


def test_a_longer_backfill_or_a_changed_template_asks_the_whole_span_again(
    prometheus: Server, make_workspace
) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models=MODELS))
        _sync(ws, proxy, at(100))
        _sync(ws, proxy, at(110))
        assert _asked(proxy, CHURN_LATENCY) == [(at(95), at(110))]

        # 8h from T0+300m reaches back less far than the 6h of the first sync did, and is
        # all known to be empty: still, the user asked for more, so it is all asked again.
        ws.configure(prometheus_config(proxy.url, models=MODELS, backfill='"8h"'))
        _sync(ws, proxy, at(300))
        assert _asked(proxy, CHURN_LATENCY) == [(at(300 - 480), at(300))]
        _sync(ws, proxy, at(310))
        assert _asked(proxy, CHURN_LATENCY) == [(at(295), at(310))]

        ws.configure(prometheus_config(proxy.url, models=MODELS, backfill='"2h"'))
        _sync(ws, proxy, at(320))  # shorter: what was found empty stays found empty
        assert _asked(proxy, CHURN_LATENCY) == [(at(305), at(320))]

        changed = CHURN_LATENCY.replace("max(", "min(")
        text = (ws.root / "mrp.toml").read_text()
        ws.configure(text.replace("max(model_latency", "min(model_latency"))
        _sync(ws, proxy, at(330))
        assert _asked(proxy, changed) == [(at(330 - 120), at(330))]


def test_a_failed_sync_does_not_move_the_empty_span(own_prometheus, make_workspace) -> None:
    server = own_prometheus()
    ws: Workspace = make_workspace(prometheus_config(server.url, models=MODELS))
    assert ws.sync(at(100)).code == 0
    remembered = ws.rows("SELECT * FROM source_state WHERE source = 'prom'")
    server.stop()
    failed = ws.sync(at(200))
    assert failed.code == 1 and "connection refused" in failed.stderr
    assert ws.rows("SELECT * FROM source_state WHERE source = 'prom'") == remembered

    again = own_prometheus(server.port)
    with fault_proxy(again.url) as proxy:
        ws.configure(prometheus_config(proxy.url, models=MODELS))
        _sync(ws, proxy, at(200))
        assert _asked(proxy, CHURN_LATENCY) == [(at(95), at(200))]


def test_data_that_comes_later_to_an_empty_pair_is_stored(
    prometheus: Server, make_workspace, tmp_path: Path
) -> None:
    """fraud's version 2 serves from T0+3h: its pair is empty at T0+100m, then fills."""
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "deployments.json").write_text(
        '{"models": [{"name": "fraud", "versions": [{"version": "1"}, {"version": "2"}]}]}'
    )
    with fault_proxy(prometheus.url) as proxy:
        config = prometheus_config(proxy.url, models='["fraud"]').replace(
            'avg by (version) (model_accuracy{model="{model}"})',
            'model_accuracy{model="{model}", version="{version}"}',
        )
        ws: Workspace = make_workspace(
            config + f'\n[sources.files]\nkind = "files"\npath = "{tmp_path / "files"}"\n'
        )
        assert ws.sync(at(0), "files").code == 0
        version_2 = 'model_accuracy{model="fraud", version="2"}'
        for minutes in (100, 200, 360):
            proxy.seen.clear()
            assert ws.sync(at(minutes), "prom").code == 0
            if minutes == 200:
                assert _asked(proxy, version_2) == [(at(95), at(200))]
            if minutes == 360:
                assert _asked(proxy, version_2) == [(at(201), at(360))]  # its watermark
    counts = dict(
        ws.rows("SELECT version, count(*) FROM metrics WHERE metric = 'accuracy' GROUP BY version")
    )
    assert counts == {"1": 185, "2": 181}  # as one complete query stores them


def test_samples_that_arrive_late_within_the_overlap_are_stored(
    own_prometheus, make_workspace, tmp_path: Path
) -> None:
    """Samples stamped before the last sync's end, ingested after it (remote write lag)."""
    server = own_prometheus()
    with fault_proxy(server.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models=MODELS))
        _sync(ws, proxy, at(100))
        assert ws.rows("SELECT count(*) FROM metrics WHERE model = 'retired'") == [(0,)]

        t97 = int(at(97).timestamp())
        late = Series(
            "model_accuracy",
            {"model": "retired", "version": "4"},
            [(t97 + 60 * i, 0.4) for i in range(20)],
        )
        blocks = build_prometheus_blocks([late], tmp_path / "late")
        server.stop()
        for block in blocks.iterdir():
            shutil.copytree(block, tmp_path / "own" / "data" / block.name)
        own_prometheus(server.port)

        _sync(ws, proxy, at(110))
        assert _asked(proxy, RETIRED_ACCURACY) == [(at(95), at(110))]
    stored = ws.rows(
        "SELECT min(ts), max(ts), count(*) FROM metrics WHERE model = 'retired' AND version = '4'"
    )
    assert stored == [(at(97).replace(tzinfo=None), at(110).replace(tzinfo=None), 14)]
