"""The shared HTTP client: bounded retries with backoff, Retry-After, one-sentence failures."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from console.sources.http_client import HttpFailure, RetryPolicy, open_client, retry_after


def _run(handler, retries: int = 2, concurrency: int = 4, calls: int = 1):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with open_client(
            "http://upstream.test/api",
            timeout=1.0,
            concurrency=concurrency,
            retry=RetryPolicy(retries, 0.01),
            token="tok",
            transport=httpx.MockTransport(handler),
        ) as client:
            return await asyncio.gather(*(client.get("things", {"a": "1"}) for _ in range(calls)))

    return asyncio.run(go())


def test_retries_5xx_then_succeeds_with_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) < 3 else 200, json={"ok": True})

    (reply,) = _run(handler)
    assert reply.status == 200 and reply.attempts == 3 and reply.json() == {"ok": True}
    assert str(seen[0].url) == "http://upstream.test/api/things?a=1"
    assert seen[0].headers["Authorization"] == "Bearer tok"


def test_gives_back_the_last_answer_when_retries_run_out() -> None:
    (reply,) = _run(lambda request: httpx.Response(500, text="boom"), retries=1)
    assert (reply.status, reply.attempts, reply.snippet()) == (500, 2, "boom")


def test_client_errors_are_not_retried() -> None:
    calls = []
    (reply,) = _run(lambda request: calls.append(1) or httpx.Response(400, text="bad"))
    assert reply.status == 400 and len(calls) == 1


def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for() -> None:
    stamps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        return (
            httpx.Response(429, headers={"Retry-After": "0.3"})
            if len(stamps) == 1
            else httpx.Response(200)
        )

    _run(handler)
    assert stamps[1] - stamps[0] >= 0.3
    (reply,) = _run(lambda request: httpx.Response(429, headers={"Retry-After": "3600"}))
    assert reply.status == 429 and reply.attempts == 1


def test_transport_failures_become_one_sentence() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(HttpFailure) as refused:
        _run(refuse, retries=1)
    assert (
        refused.value.reason == "cannot connect to upstream.test (Connection refused) (2 attempts)"
    )

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(
        HttpFailure, match=r"^upstream.test did not answer within 1s \(3 attempts\)$"
    ):
        _run(slow)


def test_concurrency_is_bounded() -> None:
    active = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, most
        active += 1
        most = max(most, active)
        await asyncio.sleep(0.01)
        active -= 1
        return httpx.Response(200)

    _run(handler, concurrency=3, calls=20)
    assert most == 3


def test_malformed_json_is_a_failure_not_a_crash() -> None:
    (reply,) = _run(lambda request: httpx.Response(200, content=b'{"status": "succ'))
    with pytest.raises(HttpFailure, match="the response is not valid JSON"):
        reply.json()


def test_retry_after_forms() -> None:
    assert retry_after("2") == 2.0
    assert retry_after(None) is None and retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (retry_after(later) or 0) <= 30


def test_a_url_without_scheme_is_one_sentence() -> None:
    async def go() -> None:
        async with open_client(
            "127.0.0.1:9090", timeout=1.0, concurrency=1, retry=RetryPolicy(3, 0.01)
        ) as client:
            await client.get("api/v1/query")

    with pytest.raises(HttpFailure, match=r"'127\.0\.0\.1:9090' is not an http:// or https:// URL"):
        asyncio.run(go())
