"""No sync reaches further back than the backfill: a series that stopped (a retired model,
an old version) is not asked for everything since its last sample at every sync (nor, once
found empty, over the whole backfill: test_prometheus_stopped_series). What Prometheus was
asked is read off a recording proxy in front of the real server."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Workspace, at, prometheus_config
from tests.integration.fakes import fault_proxy
from tests.integration.servers import Server
from tests.integration.test_prometheus_empty_pairs import CHURN_ACCURACY, _asked, _sync

pytestmark = pytest.mark.integration


def test_a_series_silent_for_longer_than_the_backfill_is_asked_only_over_the_backfill(
    prometheus: Server, make_workspace
) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url, models='["churn"]'))
        _sync(ws, proxy, at(100))
        stored = ws.rows("SELECT count(*) FROM metrics WHERE model = 'churn'")[0][0]
        assert stored > 0

        later = 100 + 3 * 24 * 60  # three days on; the recorded series ended long before
        _sync(ws, proxy, at(later))
        assert _asked(proxy, CHURN_ACCURACY) == [(at(later - 360), at(later))]
        _sync(ws, proxy, at(later + 10))  # found empty: from there, less the overlap
        assert _asked(proxy, CHURN_ACCURACY) == [(at(later - 5), at(later + 10))]
