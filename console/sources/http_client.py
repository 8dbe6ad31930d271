"""The one way mrp talks HTTP: a pooled httpx AsyncClient with per-request timeouts,
bounded concurrency and bounded retries with backoff.

Retried: connection errors, timeouts, a connection closed mid-response, 5xx and 429 (a
``Retry-After`` is honoured up to ``MAX_RETRY_AFTER``). Not retried: any other status,
which goes back to the caller as a ``Reply`` (our own type, never an ``httpx.Response``)
for it to explain. A transport failure that outlives the retries becomes ``HttpFailure``
carrying one sentence without a trailing period, for the source to put in its own words.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from console import __version__
from console.settings import HttpSource, MlflowSource, PrometheusSource
from console.sources.credentials import BasicCredentials, stored_credentials
from console.sources.credentials import signing_key as signing_key
from console.sources.credentials import token_key as token_key

MAX_BACKOFF = 10.0
MAX_RETRY_AFTER = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_ERRNO = re.compile(r"^\[Errno -?\d+\] ")


def refused_hint(source: str) -> str:
    """What to do about a 401 or 403, by what was sent: the credentials stored for ``source``
    in the keyring, or nothing."""
    stored = stored_credentials(source)
    if stored.basic is not None:
        return (
            f"basic credentials for user '{stored.basic.username}' were sent: check them, or "
            f"replace them with `mrp auth set {source} --basic`"
        )
    if stored.token is not None:
        return f"the token stored for it was sent: check it, or replace it with `mrp auth set {source}`"
    return (
        f"no credentials are stored for it, so none were sent: set a token with "
        f"`mrp auth set {source}`, or a username and password with `mrp auth set {source} --basic`"
    )


class HttpFailure(Exception):
    """A request that failed for good; ``reason`` is one sentence without a final period."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reply:
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ``HttpFailure`` when it is not (a truncated or garbled body)."""
        try:
            return json.loads(self.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise HttpFailure(f"the response is not valid JSON ({_json_problem(error)})") from None

    def snippet(self, limit: int = 160) -> str:
        text = self.content.decode("utf-8", "replace").strip().replace("\n", " ")
        return text if len(text) <= limit else text[:limit] + "…"


def _json_problem(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at character {error.pos}"
    return "it is not UTF-8"


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff: float = 0.5
    """Seconds before the first retry; doubles with each retry, with jitter."""

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling: float = min(MAX_BACKOFF, self.backoff * 2.0 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)


class HttpClient:
    """An async HTTP client for one source; use as ``async with open_client(...) as c``."""

    def __init__(
        self, client: httpx.AsyncClient, concurrency: int, retry: RetryPolicy, timeout: float
    ) -> None:
        self._client = client
        self._gate = asyncio.Semaphore(concurrency)
        self._retry = retry
        self._timeout = timeout

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Reply:
        return await self.request("GET", path, params=params)

    async def post(
        self, path: str, content: bytes, headers: Mapping[str, str] | None = None
    ) -> Reply:
        merged = {"Content-Type": "application/json", **(headers or {})}
        return await self.request("POST", path, content=content, headers=merged)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        attempt = 0
        while True:
            attempt += 1
            last_try = attempt > self._retry.retries
            try:
                async with self._gate:
                    response = await self._client.request(
                        method, path, params=params, content=content, headers=headers
                    )
            except (httpx.UnsupportedProtocol, httpx.InvalidURL):
                url = str(self._client.base_url).rstrip("/")
                raise HttpFailure(f"'{url}' is not an http:// or https:// URL") from None
            except httpx.TransportError as error:
                if last_try:
                    raise HttpFailure(self._describe(error, attempt)) from None
                await asyncio.sleep(self._retry.delay(attempt, None))
                continue
            reply = Reply(response.status_code, response.content, response.headers, attempt)
            if reply.status not in RETRY_STATUSES or last_try:
                return reply
            wait = retry_after(reply.headers.get("retry-after"))
            if wait is not None and wait > MAX_RETRY_AFTER:
                return reply
            await asyncio.sleep(self._retry.delay(attempt, wait))

    def _describe(self, error: httpx.TransportError, attempts: int) -> str:
        where = _where(error)
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        if isinstance(error, httpx.ConnectTimeout):
            what = f"could not connect to {where} within {self._timeout:g}s"
        elif isinstance(error, httpx.ConnectError):
            what = f"cannot connect to {where} ({_short(error) or 'connection refused'})"
        elif isinstance(error, httpx.TimeoutException):
            what = f"{where} did not answer within {self._timeout:g}s"
        elif isinstance(error, httpx.RemoteProtocolError):
            what = f"{where} closed the connection before the response was complete"
        else:
            what = f"the connection to {where} failed ({_short(error) or type(error).__name__})"
        return what + tries


def _where(error: httpx.TransportError) -> str:
    try:
        url = error.request.url
    except RuntimeError:
        return "the server"
    port = f":{url.port}" if url.port else ""
    return f"{url.host}{port}"


def _short(error: Exception) -> str:
    """The most telling reason in the error's chain: the OS error where there is one."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno).lower()
        cause = cause.__cause__ or cause.__context__
    text = str(error).strip()
    return _ERRNO.sub("", text.splitlines()[0]).rstrip(".") if text else ""


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


@asynccontextmanager
async def open_client(
    base_url: str,
    *,
    timeout: float,
    concurrency: int,
    retry: RetryPolicy,
    token: str | None = None,
    basic: BasicCredentials | None = None,
    headers: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[HttpClient]:
    """A pooled client for ``base_url`` that sends ``basic`` credentials when given, else a
    Bearer ``token`` when given."""
    merged = {"User-Agent": f"mrp/{__version__}", "Accept": "application/json", **(headers or {})}
    auth = None
    if basic is not None:
        auth = httpx.BasicAuth(basic.username, basic.password)
    elif token:
        merged["Authorization"] = f"Bearer {token}"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url.rstrip("/") + "/",
        timeout=httpx.Timeout(timeout),
        limits=limits,
        headers=merged,
        auth=auth,
        transport=transport,
        follow_redirects=True,
    ) as client:
        yield HttpClient(client, concurrency, retry, timeout)


def client_for(
    source: str, config: PrometheusSource | MlflowSource | HttpSource
) -> AbstractAsyncContextManager[HttpClient]:
    """``open_client`` with a network source's url, timeout, concurrency, retries and the
    credentials stored for it."""
    stored = stored_credentials(source)
    return open_client(
        config.url,
        timeout=config.timeout.total_seconds(),
        concurrency=config.concurrency,
        retry=RetryPolicy(config.retries, config.backoff.total_seconds()),
        token=stored.token,
        basic=stored.basic,
    )
