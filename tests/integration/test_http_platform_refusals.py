"""What the http platform source says when the platform refuses or fails: a refused signed
POST names the credentials that were sent (a token, basic credentials for a user, or
nothing) besides the signing secret, and a failed GET deployments names its URL as the
other errors do. Against the loopback platform speaking docs/http-contract.md."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.errors import SourceError
from console.secrets import set_secret
from console.settings import Config, HttpSource, Workspace
from console.sources.credentials import BasicCredentials, signing_key, store_basic
from console.sources.http_platform_executor import HttpTrafficExecutor, HttpWebhookExecutor
from tests.integration.conftest import at
from tests.integration.fakes import Platform, _PlatformHandler, fault_proxy
from tests.integration.test_http_platform import _models

pytestmark = pytest.mark.integration


class _Forbidding(_PlatformHandler):
    """A platform whose policy forbids this caller any change (a valid signature)."""

    def do_POST(self) -> None:
        self._body()
        self._json(403, {"error": "caller may not change fraud"})


@pytest.fixture
def platform() -> Iterator[Platform]:
    server = Platform(secret="s3cret", models=_models())
    yield server
    server.close()


def _config(url: str) -> HttpSource:
    return HttpSource(kind="http", url=f"{url}/api", retries=0, read_back="1s")


def _refusal(executor: HttpWebhookExecutor | HttpTrafficExecutor) -> str:
    with pytest.raises(SourceError) as refused:
        asyncio.run(executor.move_alias("fraud", "champion", "1", "rb-1:execute"))
    return refused.value.message


def test_a_refused_rollback_names_the_basic_credentials_that_were_sent(
    platform: Platform, tmp_path: Path
) -> None:
    store_basic("platform", BasicCredentials("ops", "pw"))
    set_secret(signing_key("platform"), "not-the-platform's")
    executor = HttpWebhookExecutor("platform", _config(platform.url), Workspace(tmp_path, Config()))
    assert _refusal(executor) == (
        "source 'platform': POST rollback was refused as unauthorised (HTTP 401: bad "
        "signature): the platform expects other basic credentials or another signing secret: "
        "basic credentials for user 'ops' were sent: check them, or replace them with "
        "`mrp auth set platform --basic`; replace the signing secret with "
        "`mrp auth set platform --signing-secret`."
    )
    assert platform.alias("fraud", "champion") == "2"


def test_a_refused_traffic_shift_says_that_no_credentials_were_sent(
    platform: Platform, tmp_path: Path
) -> None:
    set_secret(signing_key("platform"), "not-the-platform's")
    executor = HttpTrafficExecutor("platform", _config(platform.url), Workspace(tmp_path, Config()))
    assert _refusal(executor) == (
        "source 'platform': POST traffic was refused as unauthorised (HTTP 401: bad "
        "signature): the platform expects another token or signing secret: no credentials are "
        "stored for it, so none were sent: set a token with `mrp auth set platform`, or a "
        "username and password with `mrp auth set platform --basic`; replace the signing "
        "secret with `mrp auth set platform --signing-secret`."
    )


def test_a_forbidden_rollback_is_named_with_the_token_that_was_sent(
    platform: Platform, tmp_path: Path
) -> None:
    platform.httpd.RequestHandlerClass = _Forbidding
    set_secret("source:platform", "t0ken")
    set_secret(signing_key("platform"), "s3cret")
    executor = HttpWebhookExecutor("platform", _config(platform.url), Workspace(tmp_path, Config()))
    assert _refusal(executor) == (
        "source 'platform': POST rollback was refused as forbidden (HTTP 403: caller may not "
        "change fraud): the platform expects another token or signing secret: the token stored "
        "for it was sent: check it, or replace it with `mrp auth set platform`; replace the "
        "signing secret with `mrp auth set platform --signing-secret`."
    )


def test_a_failing_get_deployments_names_its_url(platform: Platform, make_workspace) -> None:
    with fault_proxy(platform.url) as proxy:
        ws = make_workspace(
            f'[sources.platform]\nkind = "http"\nurl = "{proxy.url}/api"\nretries = 0\n'
        )
        proxy.fail("500")
        failed = ws.sync(at(0))
    assert failed.code == 1
    assert (
        f"mrp: source 'platform': GET {proxy.url}/api/deployments failed: HTTP 500: internal "
        "error (injected)."
    ) in failed.stderr, failed.stderr
