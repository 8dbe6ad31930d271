"""What an SRE sees when a Prometheus source is set up wrong: a Prometheus behind a bearer-
token proxy refusing mrp, and a PromQL template with a misspelled placeholder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.integration.conftest import Workspace, at, prometheus_config
from tests.integration.fakes import _Loopback, _Quiet, fault_proxy
from tests.integration.servers import Server

pytestmark = pytest.mark.integration

TOKEN = "right-token"


class _BearerHandler(_Quiet):
    def do_GET(self) -> None:
        proxy: BearerProxy = self.server.owner  # type: ignore[attr-defined]
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, b"Unauthorized\n", {"WWW-Authenticate": "Bearer"})
            return
        upstream = httpx.get(proxy.upstream + self.path, timeout=30)
        self._send(
            upstream.status_code,
            upstream.content,
            {"Content-Type": upstream.headers.get("content-type", "application/json")},
        )


class BearerProxy(_Loopback):
    """Prometheus as many teams expose it: behind a proxy that wants a bearer token."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        super().__init__(_BearerHandler)


@contextmanager
def bearer_proxy(upstream: str) -> Iterator[BearerProxy]:
    proxy = BearerProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.close()


def _sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("mrp: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_refused_sync_says_whether_a_token_was_sent_and_how_to_set_one(
    prometheus: Server, make_workspace
) -> None:
    with bearer_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url))

        without = ws.sync(at(100))
        assert without.code == 1
        assert _sentence(without.stderr).startswith(
            "mrp: source 'prom': Prometheus refused the query"
        )
        assert _sentence(without.stderr).endswith(
            "(HTTP 401: Unauthorized): no credentials are stored for it, so none were sent: set a "
            "token with `mrp auth set prom`, or a username and password with "
            "`mrp auth set prom --basic`."
        )

        assert ws.mrp("auth", "set", "prom", stdin="wrong-token\n").code == 0
        wrong = ws.sync(at(100))
        assert wrong.code == 1
        assert _sentence(wrong.stderr).endswith(
            "(HTTP 401: Unauthorized): the token stored for it was sent: "
            "check it, or replace it with `mrp auth set prom`."
        )
        assert ws.rows("SELECT count(*) FROM metrics") == [(0,)]

        assert ws.mrp("auth", "set", "prom", stdin=f"{TOKEN}\n").code == 0
        right = ws.sync(at(100))
        assert right.code == 0, right.stderr
        (points,) = ws.rows("SELECT count(*) FROM metrics")[0]
        assert points > 0


def test_misspelled_placeholder_is_refused_before_any_query_and_keeps_data(
    prometheus: Server, make_workspace
) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url))
        assert ws.sync(at(100)).code == 0
        before = ws.snapshot()
        proxy.seen.clear()

        config = (ws.root / "mrp.toml").read_text()
        ws.configure(config.replace('{model="{model}"})', '{model="{modle}"})', 1))
        refused = ws.sync(at(200))

        assert refused.code == 2
        assert _sentence(refused.stderr) == (
            "mrp: source 'prom': metric 'accuracy': the template names {modle}, "
            "which is not a placeholder ({model} or {version})."
        )
        assert proxy.seen == []
        assert ws.snapshot() == before
