"""A series with stored data that stopped in Prometheus (a retired model, a version no longer
serving, a metric no longer exported) is not asked from its last stored point at every sync,
a span that grows until the backfill caps it: the next sync asks from where the last one
found nothing, less five minutes for late samples. What Prometheus was asked is read off a
recording proxy in front of the real server."""

from __future__ import annotations

import math
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from tests.integration.conftest import Workspace, at, prometheus_config
from tests.integration.fakes import FaultProxy, fault_proxy
from tests.integration.servers import Series, Server, build_prometheus_blocks
from tests.integration.test_prometheus_empty_pairs import (
    CHURN_ACCURACY,
    RETIRED_ACCURACY,
    _asked,
    _sync,
)

pytestmark = pytest.mark.integration


def _points(proxy: FaultProxy) -> int:
    """The points per series every range query the proxy saw asked for."""
    total = 0
    for seen in proxy.seen:
        if seen.path == "/api/v1/query_range":
            params = {key: float(value[0]) for key, value in parse_qs(seen.query).items()
                      if key in ("start", "end", "step")}  # fmt: skip
            total += round((params["end"] - params["start"]) / params["step"]) + 1
    return total


def _churn_accuracy(ws: Workspace) -> list[tuple[datetime, float]]:
    return ws.rows(
        "SELECT ts, value FROM metrics WHERE model = 'churn' AND metric = 'accuracy' ORDER BY ts"
    )


def _add(series: list[Series], tmp_path: Path, name: str) -> None:
    """Blocks holding ``series`` in the ``own_prometheus`` data, read at its next start."""
    for block in build_prometheus_blocks(series, tmp_path / name).iterdir():
        shutil.copytree(block, tmp_path / "own" / "data" / block.name)


def test_a_series_that_stopped_is_asked_only_the_overlap_again(
    prometheus: Server, make_workspace
) -> None:
    """churn's samples end at T0+359m (Prometheus shows the last one until +364m)."""
    with fault_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models='["churn"]'))
        _sync(ws, proxy, at(370))
        assert _churn_accuracy(ws)[-1][0] == at(364).replace(tzinfo=None)

        _sync(ws, proxy, at(380))
        assert _asked(proxy, CHURN_ACCURACY) == [(at(365), at(380))]  # from its watermark

        points = []
        for before, minutes in ((380, 390), (390, 400), (400, 500)):
            _sync(ws, proxy, at(minutes))
            assert _asked(proxy, CHURN_ACCURACY) == [(at(before - 5), at(minutes))]
            points.append(_points(proxy))
        # both metrics (churn has no latency at all): 16 points each at 390 and 400, not 26
        # then 36 for accuracy; 100 minutes on, those 100 minutes and the overlap
        assert points == [32, 32, 2 * 106]

        _sync(ws, proxy, at(500.5))  # the same step: nothing new is due
        assert _asked(proxy, CHURN_ACCURACY) == [(at(500), at(500))]  # the template's check
    assert _churn_accuracy(ws)[-1][0] == at(364).replace(tzinfo=None)


def test_a_series_that_comes_back_is_stored_in_full(
    own_prometheus, make_workspace, tmp_path: Path
) -> None:
    """churn stops at T0+359m and is found empty up to +380m; then samples from +375m on
    arrive (the first ones late: stamped before that sync, ingested after it)."""
    server = own_prometheus()
    with fault_proxy(server.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models='["churn"]'))
        _sync(ws, proxy, at(370))
        _sync(ws, proxy, at(380))
        assert _asked(proxy, CHURN_ACCURACY) == [(at(365), at(380))]

        t375 = int(at(375).timestamp())
        back = [(t375 + 60 * i, 0.6 + i / 1e3) for i in range(26)]
        server.stop()
        _add([Series("model_accuracy", {"model": "churn", "version": "3"}, back)], tmp_path, "b")
        server = own_prometheus(server.port)

        _sync(ws, proxy, at(390))
        assert _asked(proxy, CHURN_ACCURACY) == [(at(375), at(390))]
        _sync(ws, proxy, at(400))
        assert _asked(proxy, CHURN_ACCURACY) == [(at(391), at(400))]  # its watermark drives

    whole = httpx.get(
        f"{server.url}/api/v1/query_range",
        params={"query": CHURN_ACCURACY, "start": at(10).timestamp(), "end": at(400).timestamp(),
                "step": 60},
    ).json()["data"]["result"]  # fmt: skip
    expected = [
        (datetime.fromtimestamp(ts, tz=UTC).replace(tzinfo=None), float(value))
        for ts, value in whole[0]["values"]
    ]
    stored = _churn_accuracy(ws)
    assert stored == expected  # as one complete query returns it
    assert stored[-26][0] == at(375).replace(tzinfo=None)  # the late ones included
    assert len(stored) == 355 + 26


def test_a_series_whose_values_are_all_nan_is_asked_only_the_overlap_again(
    own_prometheus, make_workspace, tmp_path: Path
) -> None:
    """retired's gauge has values until T0+99m, then NaN (0/0) until +200m: an answer with
    a series but nothing to store is as empty as no series."""
    t0 = int(at(0).timestamp())
    samples = [(t0 + 60 * i, 0.4 if i < 100 else math.nan) for i in range(201)]
    _add([Series("model_accuracy", {"model": "retired", "version": "4"}, samples)], tmp_path, "r")
    server = own_prometheus()
    with fault_proxy(server.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models='["retired"]'))
        _sync(ws, proxy, at(150))
        _sync(ws, proxy, at(160))
        assert _asked(proxy, RETIRED_ACCURACY) == [(at(100), at(160))]
        _sync(ws, proxy, at(170))
        assert _asked(proxy, RETIRED_ACCURACY) == [(at(155), at(170))]
    assert ws.rows("SELECT count(*), max(ts) FROM metrics WHERE model = 'retired'") == [
        (100, at(99).replace(tzinfo=None))
    ]
