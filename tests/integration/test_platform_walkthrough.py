"""A team whose deployment state lives in its own platform API: what a real platform (or the
proxy in front of it) answers on a bad day, through `mrp sync` and the runbook's executor."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.errors import SourceError
from console.secrets import set_secret
from console.settings import Config, HttpSource, Workspace
from console.sources.http_platform_executor import HttpWebhookExecutor
from tests.integration.conftest import at
from tests.integration.fakes import Platform, _PlatformHandler

pytestmark = pytest.mark.integration

LOGIN_PAGE = b"<html><head><title>Sign in</title></head><body>SSO</body></html>"


@dataclass
class ProxiedPlatform(Platform):
    """A platform behind a single-sign-on proxy that, when ``login_page`` is set, answers
    GET deployments with its HTML login page (status 200)."""

    login_page: bool = False

    def __post_init__(self) -> None:
        Platform.__post_init__(self)
        self.httpd.RequestHandlerClass = _ProxiedHandler


class _ProxiedHandler(_PlatformHandler):
    def do_GET(self) -> None:
        if self._platform().login_page:  # type: ignore[attr-defined]
            return self._send(200, LOGIN_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        return super().do_GET()


def _models() -> list[dict[str, object]]:
    return [
        {
            "name": "fraud",
            "versions": [{"version": "1"}, {"version": "2"}],
            "aliases": {"champion": "2"},
            "history": [
                {"alias": "champion", "version": "1", "at": "2026-11-01T00:00:00Z"},
                {"alias": "champion", "version": "2", "at": "2026-11-02T00:00:00Z"},
            ],
        }
    ]


@pytest.fixture
def platform() -> Iterator[ProxiedPlatform]:
    server = ProxiedPlatform(secret="s3cret", models=_models())
    yield server
    server.close()


def test_a_login_page_instead_of_json_is_named_and_keeps_what_was_stored(
    platform: ProxiedPlatform, make_workspace
) -> None:
    ws = make_workspace(f'[sources.platform]\nkind = "http"\nurl = "{platform.url}/api"\n')
    assert ws.sync(at(0)).code == 0
    before = ws.snapshot()
    platform.login_page = True
    run = ws.mrp("sync")
    assert run.code == 1
    assert "Traceback" not in run.stderr
    assert (
        f"mrp: source 'platform': GET {platform.url}/api/deployments: the response is not valid "
        "JSON (Expecting value at character 0); it came as text/html; charset=utf-8 and begins "
        "'<html><head><title>Sign in</title>"
    ) in run.stderr
    assert ws.snapshot() == before


def test_a_login_page_while_reading_back_is_an_error_not_no_version(
    platform: ProxiedPlatform, tmp_path: Path
) -> None:
    """The runbook reads GET deployments to see what serves before it moves anything; a page
    that is not JSON read as "no version serves" told the operator someone had moved the
    alias and to abort the runbook."""
    config = HttpSource(kind="http", url=f"{platform.url}/api", retries=0, read_back="1s")
    executor = HttpWebhookExecutor("platform", config, Workspace(tmp_path, Config()))
    assert asyncio.run(executor.current("fraud")) == "2"
    platform.login_page = True
    with pytest.raises(SourceError, match=r"/api/deployments: the response is not valid JSON"):
        asyncio.run(executor.current("fraud"))
    set_secret("source:platform:signing-secret", "s3cret")
    with pytest.raises(SourceError, match=r"it came as text/html"):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "rb-1:execute"))
    assert platform.alias("fraud", "champion") == "1"  # the platform did move it
    platform.login_page = False
    again = asyncio.run(executor.move_alias("fraud", "champion", "1", "rb-1:execute"))
    assert again.already_done is True
