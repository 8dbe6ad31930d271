"""The HTTP platform contract (docs/http-contract.md) against a loopback platform, and the
credentials it needs set with `mrp auth`."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.errors import MrpError, SourceError
from console.settings import Config, HttpSource, Workspace
from console.sources.http_platform_executor import HttpTrafficExecutor, HttpWebhookExecutor, sign
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
        f"GET {platform.url}/api/deployments failed: HTTP 401: a valid bearer token is required"
        in unauthorised.stderr
    )
    assert ws.mrp("auth", "status", "--json").json == {
        "sources": [
            {
                "source": "platform",
                "kind": "http",
                "credentials": "none",
                "username": None,
                "token": False,
                "signing_secret": False,
            }
        ]
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


def _executor(platform: Platform, home: Path, read_back: str = "30s") -> HttpWebhookExecutor:
    config = HttpSource(kind="http", url=f"{platform.url}/api", retries=0, read_back=read_back)
    return HttpWebhookExecutor("platform", config, Workspace(home, Config()))


def _shifter(platform: Platform, home: Path, read_back: str = "30s") -> HttpTrafficExecutor:
    config = HttpSource(kind="http", url=f"{platform.url}/api", retries=0, read_back=read_back)
    return HttpTrafficExecutor("platform", config, Workspace(home, Config()))


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


def test_webhook_failures_are_one_sentence(platform: Platform, tmp_path: Path) -> None:
    from console.secrets import set_secret

    executor = _executor(platform, tmp_path, read_back="500ms")
    set_secret("source:platform", "t0ken")
    with pytest.raises(
        MrpError, match=r"no signing secret .* `mrp auth set platform --signing-secret`"
    ):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "k1"))
    set_secret("source:platform:signing-secret", "wrong")
    with pytest.raises(
        SourceError, match=r"POST rollback was refused as unauthorised \(HTTP 401: bad signature\)"
    ):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "k2"))
    set_secret("source:platform:signing-secret", "s3cret")
    platform.ignore_rollbacks = True
    with pytest.raises(
        SourceError, match=r"after 0.5s GET deployments still shows alias 'champion' at version 2\."
    ):
        asyncio.run(executor.move_alias("fraud", "champion", "1", "k3"))


def test_current_reads_the_alias_from_deployments(platform: Platform, tmp_path: Path) -> None:
    from console.secrets import set_secret

    set_secret("source:platform", "t0ken")
    executor = _executor(platform, tmp_path)
    assert asyncio.run(executor.current("fraud")) == "2"
    assert asyncio.run(executor.current("fraud", "challenger")) is None
    assert asyncio.run(executor.current("nope", "champion")) is None


def _secrets() -> None:
    from console.secrets import set_secret

    set_secret("source:platform", "t0ken")
    set_secret("source:platform:signing-secret", "s3cret")


def test_traffic_shift_is_signed_idempotent_and_read_back(
    platform: Platform, tmp_path: Path
) -> None:
    _secrets()
    platform.models[0]["traffic"] = {"2": 90, "1": 10}
    shifter = _shifter(platform, tmp_path)
    assert asyncio.run(shifter.current("fraud")) == "2"  # split: the alias says what serves
    done = asyncio.run(shifter.move_alias("fraud", "champion", "1", "rb-9:execute", actor="alice"))
    assert (done.mechanism, done.already_done, done.reference) == ("traffic_shift", False, "rb-1")
    assert done.previous_version is None  # the traffic was split: no one version served it
    assert (
        "traffic ('champion') from 90% on version 2, 10% on version 1 to version 1," in done.detail
    )
    assert platform.traffic("fraud") == {"1": 100} and platform.alias("fraud", "champion") == "1"
    (post,) = platform.posts("traffic")
    assert post.path == "/api/traffic" and post.headers["Idempotency-Key"] == "rb-9:execute"
    assert post.headers["X-MRP-Signature"] == sign("s3cret", post.body)
    assert post.headers["Authorization"] == "Bearer t0ken"
    body = json.loads(post.body)
    assert {k: body[k] for k in ("model", "alias", "weights", "idempotency_key")} == {
        "model": "fraud",
        "alias": "champion",
        "weights": {"1": 100},
        "idempotency_key": "rb-9:execute",
    }
    assert body["requested_by"] == "alice" and "version" not in body
    again = asyncio.run(shifter.move_alias("fraud", "champion", "1", "rb-9:execute"))
    assert again.already_done is True and "had already shifted" in again.detail
    assert len(platform.posts("traffic")) == 2 and len(platform.rollbacks) == 1
    with pytest.raises(SourceError, match="idempotency key was used before"):
        asyncio.run(shifter.move_alias("fraud", "champion", "2", "rb-9:execute"))
    assert platform.traffic("fraud") == {"1": 100}
    assert asyncio.run(shifter.current("fraud")) == "1"


def test_traffic_decides_what_serves_when_it_is_whole(platform: Platform, tmp_path: Path) -> None:
    _secrets()
    shifter = _shifter(platform, tmp_path)
    assert asyncio.run(shifter.current("fraud")) == "2"  # no traffic reported: the alias
    platform.models[0]["traffic"] = {"1": 100, "2": 0}
    assert asyncio.run(shifter.current("fraud")) == "1"
    platform.models[0]["traffic"] = {"1": 100, "2": 5}  # not all of it: back to the alias
    assert asyncio.run(shifter.current("fraud")) == "2"
    assert asyncio.run(_executor(platform, tmp_path).current("fraud")) == "2"


def test_traffic_shift_waits_for_the_platform_to_show_it(
    platform: Platform, tmp_path: Path
) -> None:
    _secrets()
    platform.models[0]["traffic"] = {"2": 100}

    def later(entry: dict[str, object], alias: str, weights: dict[str, int]) -> None:
        def apply() -> None:
            entry["traffic"] = {"2": 50, "1": 50}  # under way: not yet done
            threading.Timer(0.4, lambda: entry.update(traffic=dict(weights))).start()

        threading.Timer(0.3, apply).start()

    platform.shift = later
    done = asyncio.run(_shifter(platform, tmp_path, read_back="5s").move_alias(
        "fraud", "champion", "1", "k1"
    ))  # fmt: skip
    assert done.already_done is False and platform.traffic("fraud") == {"1": 100}
    reads = [s for s in platform.seen if s.method == "GET"]
    assert len(reads) >= 2, "the read-back came before the shift, so it must have read again"


def test_traffic_shift_that_does_not_show_is_a_failure(platform: Platform, tmp_path: Path) -> None:
    _secrets()
    platform.models[0]["traffic"] = {"2": 100}

    def stuck(entry: dict[str, object], alias: str, weights: dict[str, int]) -> None:
        entry["aliases"] = {alias: "1"}  # the alias moved, the traffic did not all follow
        entry["traffic"] = {"2": 10, "1": 90}

    platform.shift = stuck
    with pytest.raises(
        SourceError,
        match=r"^source 'platform': the platform accepted the traffic shift of fraud to version "
        r"1, but after 0.2s GET deployments still shows the traffic at 90% on version 1, 10% on "
        r"version 2\.$",
    ):
        asyncio.run(_shifter(platform, tmp_path, read_back="200ms").move_alias(
            "fraud", "champion", "1", "k1"
        ))  # fmt: skip
    del platform.models[0]["traffic"]
    platform.ignore_rollbacks = True
    platform.models[0]["aliases"] = {"champion": "2"}
    with pytest.raises(
        SourceError, match=r"still shows no traffic and alias 'champion' at version 2\.$"
    ):
        asyncio.run(_shifter(platform, tmp_path, read_back="0s").move_alias(
            "fraud", "champion", "1", "k2"
        ))  # fmt: skip


def test_traffic_shift_needs_the_signing_secret(platform: Platform, tmp_path: Path) -> None:
    from console.secrets import set_secret

    set_secret("source:platform", "t0ken")
    with pytest.raises(MrpError, match=r"no signing secret for its traffic shift requests"):
        asyncio.run(_shifter(platform, tmp_path).move_alias("fraud", "champion", "1", "k1"))
    assert not platform.seen
