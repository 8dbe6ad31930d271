"""MLflow REST plumbing: pagination, error sentences, tag shapes; the webhook signature."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from console.errors import SourceError
from console.sources.http_client import RetryPolicy, open_client
from console.sources.http_platform_executor import sign
from console.sources.mlflow import MlflowError, MlflowRest, millis, tags


def _rest_call(handler, call):  # type: ignore[no-untyped-def]
    async def go() -> Any:
        async with open_client(
            "http://mlflow.test",
            timeout=1.0,
            concurrency=2,
            retry=RetryPolicy(0, 0.01),
            transport=httpx.MockTransport(handler),
        ) as client:
            return await call(MlflowRest(client, "registry"))

    return asyncio.run(go())


def test_pages_follow_the_page_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("page_token")
        assert request.url.path == "/api/2.0/mlflow/registered-models/search"
        if token is None:
            return httpx.Response(
                200, json={"registered_models": [{"name": "a"}], "next_page_token": "p2"}
            )
        return httpx.Response(200, json={"registered_models": [{"name": "b"}]})

    found = _rest_call(
        handler, lambda rest: rest.pages("registered-models/search", "registered_models", 1000)
    )
    assert [m["name"] for m in found] == ["a", "b"]


def test_errors_carry_mlflow_code_and_hint_for_auth() -> None:
    def missing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, json={"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run x not found"}
        )

    with pytest.raises(MlflowError) as error:
        _rest_call(missing, lambda rest: rest.get("runs/get", {"run_id": "x"}))
    assert error.value.code == "RESOURCE_DOES_NOT_EXIST"
    assert error.value.message == (
        "source 'registry': MLflow GET runs/get failed: HTTP 404, RESOURCE_DOES_NOT_EXIST: Run x not found."
    )
    with pytest.raises(SourceError, match=r"refused \(HTTP 401, .*`mrp auth set registry`"):
        _rest_call(lambda r: httpx.Response(401, text="no"), lambda rest: rest.get("x", {}))
    with pytest.raises(SourceError, match="not valid JSON"):
        _rest_call(lambda r: httpx.Response(200, text="<html>"), lambda rest: rest.get("x", {}))


def test_tags_in_either_shape_and_millisecond_times() -> None:
    assert tags([{"key": "team", "value": "risk"}, {"key": "empty"}]) == {
        "team": "risk",
        "empty": "",
    }
    assert tags({"team": "risk"}) == {"team": "risk"}
    assert tags(None) == {}
    assert millis("1700000000000").isoformat() == "2023-11-14T22:13:20+00:00"  # type: ignore[union-attr]
    assert millis(None) is None


def test_webhook_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = json.dumps({"model": "fraud", "version": "1"}).encode()
    expected = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert sign("secret", body) == f"sha256={expected}"
