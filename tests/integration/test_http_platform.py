"""The HTTP platform contract (docs/http-contract.md) against a loopback platform, and the
credentials it needs set with `mrp auth`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.errors import MrpError, SourceError
from console.settings import Config, HttpSource, Workspace
from console.sources.http_platform import HttpWebhookExecutor, sign
from tests.integration.conftest import at
from tests.integration.fakes import Platform

pytestmark = pytest.mark.integration


def _models() -> list[dict[str, object]]:
    return [
        {
            "name": "fraud",
            "team": "risk",
            "risk_tier": "high",
            "versions": [
                {
                    "version": "1",
                    "created_at": "2026-11-01T00:00:00Z",
                    "baseline": {"accuracy": 0.95},
                },
                {"version": "2", "created_at": "2026-11-02T00:00:00Z"},
            ],
            "aliases": {"champion": "2"},
            "history": [
                {"alias": "champion", "version": "1", "at": "2026-11-01T00:00:00Z", "actor": "bob"},
                {
                    "alias": "champion",
                    "version": "2",
                    "at": "2026-11-02T00:00:00Z",
                    "actor": "carol",
                },
            ],
        }
    ]


@pytest.fixture
def platform() -> Iterator[Platform]:
    server = Platform(secret="s3cret", token="t0ken", models=_models())
    yield server
    server.close()


def _config(url: str) -> str:
    return f'[sources.platform]\nkind = "http"\nurl = "{url}/api"\nretries = 0\n'


def test_auth_then_sync_sends_the_bearer_token(platform: Platform, make_workspace) -> None:
    ws = make_workspace(_config(platform.url))
    unauthorised = ws.sync(at(0))
    assert unauthorised.code == 1
    assert (
        "GET deployments failed: HTTP 401: a valid bearer token is required" in unauthorised.stderr
    )
    assert ws.mrp("auth", "status", "--json").json == {
        "sources": [{"source": "platform", "kind": "http", "token": False, "signing_secret": False}]
    }
    stored = ws.mrp("auth", "set", "platform", stdin="t0ken\n")
    assert stored.code == 0 and "t0ken" not in stored.stdout + stored.stderr
    assert ws.mrp("auth", "set", "platform", "--signing-secret", stdin="s3cret\n").code == 0
    assert ws.mrp("auth", "status").stdout.strip() == (
        "platform (http): token set, signing secret set"
    )
    run = ws.sync(at(0))
    assert run.code == 0, run.stderr
    assert platform.seen[-1].headers["Authorization"] == "Bearer t0ken"
    assert ws.rows("SELECT alias, version FROM aliases") == [("champion", "2")]
    assert ws.rows(
        "SELECT version, previous_version, actor, observed FROM deployment_events ORDER BY 1"
    ) == [
        ("1", None, "bob", False),
        ("2", "1", "carol", False),
    ]
    assert ws.rows("SELECT version, value FROM baselines") == [("1", 0.95)]
    for path in (ws.root / "mrp.toml", ws.root / ".mrp" / "state.duckdb"):
        assert b"t0ken" not in path.read_bytes() and b"s3cret" not in path.read_bytes()


def test_bad_deployments_answer_names_the_url_and_the_key(
    platform: Platform, make_workspace
) -> None:
    platform.models[0]["aliases"] = {"champion": "9"}
    ws = make_workspace(_config(platform.url))
    ws.mrp("auth", "set", "platform", stdin="t0ken\n")
    run = ws.sync(at(0))
    assert run.code == 1
    assert (
        f"GET {platform.url}/api/deployments: models[0] (fraud).aliases.champion names version '9'"
        in run.stderr
    )


def test_auth_set_refuses_unknown_sources_and_empty_input(make_workspace) -> None:
    ws = make_workspace('[sources.offline]\nkind = "files"\n')
    unknown = ws.mrp("auth", "set", "nope", stdin="x\n")
    assert unknown.code == 2 and "no source named 'nope'" in unknown.stderr
    files = ws.mrp("auth", "set", "offline", stdin="x\n")
    assert files.code == 2 and "takes no token" in files.stderr
    ws.configure('[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n')
    empty = ws.mrp("auth", "set", "prom", stdin="\n")
    assert empty.code == 2 and "no token given: nothing was stored" in empty.stderr
    signing = ws.mrp("auth", "set", "prom", "--signing-secret", stdin="x\n")
    assert signing.code == 2 and "--signing-secret is for http sources" in signing.stderr


def _executor(platform: Platform, home: Path) -> HttpWebhookExecutor:
    config = HttpSource(kind="http", url=f"{platform.url}/api", retries=0)
    return HttpWebhookExecutor("platform", config, Workspace(home, Config()))


def test_webhook_is_signed_idempotent_and_read_back(platform: Platform, tmp_path: Path) -> None:
    from console.secrets import set_secret

    set_secret("source:platform", "t0ken")
    set_secret("source:platform:signing-secret", "s3cret")
    executor = _executor(platform, tmp_path)
    done = asyncio.run(executor.move_alias("fraud", "champion", "1", "rb-7:execute", actor="alice"))
    assert (done.previous_version, done.already_done, done.reference) == ("2", False, "rb-1")
    assert platform.alias("fraud", "champion") == "1"
    post = next(s for s in platform.seen if s.method == "POST")
    assert post.headers["Idempotency-Key"] == "rb-7:execute"
    assert post.headers["X-MRP-Signature"] == sign("s3cret", post.body)
    assert json.loads(post.body)["requested_by"] == "alice"
    again = asyncio.run(executor.move_alias("fraud", "champion", "1", "rb-7:execute"))
    assert again.already_done is True and platform.alias("fraud", "champion") == "1"
    with pytest.raises(SourceError, match="idempotency key was used before"):
        asyncio.run(executor.move_alias("fraud", "champion", "2", "rb-7:execute"))


def test_webhook_failures_are_one_sentence(platform: Platform, tmp_path: Path, monkeypatch) -> None:
    from console.secrets import set_secret
    from console.sources import http_platform

    executor = _executor(platform, tmp_path)
    set_secret("source:platform", "t0ken")
    with pytest.raises(
        MrpError, match=r"no signing secret .* `mrp auth set platform --signing-secret`"
    ):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "k1"))
    set_secret("source:platform:signing-secret", "wrong")
    with pytest.raises(SourceError, match="POST rollback failed: HTTP 401: bad signature"):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "k2"))
    set_secret("source:platform:signing-secret", "s3cret")
    platform.ignore_rollbacks = True
    monkeypatch.setattr(http_platform, "CONFIRM_WITHIN", 0.5)
    monkeypatch.setattr(http_platform, "CONFIRM_EVERY", 0.1)
    with pytest.raises(SourceError, match="still shows alias 'champion' at version 2"):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "k3"))


def test_current_reads_the_alias_from_deployments(platform: Platform, tmp_path: Path) -> None:
    from console.secrets import set_secret

    set_secret("source:platform", "t0ken")
    executor = _executor(platform, tmp_path)
    assert asyncio.run(executor.current("fraud")) == "2"
    assert asyncio.run(executor.current("fraud", "challenger")) is None
    assert asyncio.run(executor.current("nope", "champion")) is None
