"""Loopback HTTP servers (http.server in a thread) for what real servers cannot do on cue.

``FaultProxy`` sits in front of a real server and passes requests through, except for
faults asked for: a 500, an answer slower than the client's timeout, malformed JSON, a
truncated body, a 429 with ``Retry-After``, or a silent ``200 {}`` that never reaches the
server. It records every request. ``Platform`` is a serving platform that speaks the
contract in docs/http-contract.md: GET deployments, and the signed POST rollback (move an
alias) and POST traffic (send all of a model's traffic to one version).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

FAULTS = ("500", "slow", "malformed", "truncated", "429", "drop")


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    fault: str | None = None
    """The fault this request was answered with, if any."""
    when: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    kind: str
    times: int | None  # None: every matching request
    match: str
    option: float


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Loopback:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FaultProxy(_Loopback):
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.seen: list[Seen] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        super().__init__(_ProxyHandler)

    def fail(
        self, kind: str, times: int | None = None, match: str = "", option: float = 1.0
    ) -> None:
        """Answer the next ``times`` requests whose "METHOD /path" contains ``match`` with
        ``kind`` (every matching request when ``times`` is None)."""
        assert kind in FAULTS, kind
        with self.lock:
            self.faults.append(Fault(kind, times, match, option))

    def heal(self) -> None:
        with self.lock:
            self.faults.clear()

    def take(self, request: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.match in request:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None


class _ProxyHandler(_Quiet):
    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy: FaultProxy = self.server.owner  # type: ignore[attr-defined]
        body = self._body()
        parts = urlsplit(self.path)
        fault = proxy.take(f"{self.command} {parts.path}")
        kind = fault.kind if fault else None
        proxy.seen.append(
            Seen(self.command, parts.path, parts.query, dict(self.headers), body, kind)
        )
        if kind == "500":
            return self._send(500, b"internal error (injected)")
        if kind == "429":
            return self._send(429, b"slow down", {"Retry-After": f"{fault.option:g}"})  # type: ignore[union-attr]
        if kind == "malformed":
            return self._send(
                200, b'{"status": "success", "data": {"resultType": "matrix", "result": [{,}'
            )
        if kind == "drop":
            return self._send(200, b"{}", {"Content-Type": "application/json"})
        if kind == "slow":
            time.sleep(fault.option)  # type: ignore[union-attr]
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length"}
        }
        upstream = httpx.request(
            self.command, proxy.upstream + self.path, content=body, headers=headers, timeout=30
        )
        content = upstream.content
        if kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(content[: len(content) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        return self._send(
            upstream.status_code,
            content,
            {"Content-Type": upstream.headers.get("content-type", "application/json")},
        )


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.close()


@dataclass
class Platform(_Loopback):
    """A serving platform speaking docs/http-contract.md, with one signing secret."""

    secret: str = "s3cret"
    token: str | None = None
    models: list[dict[str, Any]] = field(default_factory=list)
    """As GET deployments answers; a model with a ``traffic`` key reports its traffic."""
    rollbacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every change it acted on (rollback or traffic shift), by idempotency key."""
    seen: list[Seen] = field(default_factory=list)
    ignore_rollbacks: bool = False
    """Accept rollbacks and traffic shifts, answer ``done``, and change nothing."""
    lose_answers: int = 0
    """Answer this many of the changes it acts on with a 503 instead of their answer (the
    platform did it, then failed before answering)."""
    shift: Callable[[dict[str, Any], str, dict[str, int]], None] | None = None
    """How a traffic shift changes a model's entry (model, alias, weights); by default its
    ``traffic`` (when it reports one) becomes the weights and the alias follows the version
    taking all of it."""

    def __post_init__(self) -> None:
        _Loopback.__init__(self, _PlatformHandler)

    def alias(self, model: str, alias: str) -> str | None:
        for entry in self.models:
            if entry["name"] == model:
                found = entry["aliases"].get(alias)
                return None if found is None else str(found)
        return None

    def traffic(self, model: str) -> dict[str, int] | None:
        entry = next(m for m in self.models if m["name"] == model)
        found: dict[str, int] | None = entry.get("traffic")
        return found

    def posts(self, endpoint: str) -> list[Seen]:
        """The POSTs it received at ``/.../<endpoint>``."""
        return [s for s in self.seen if s.method == "POST" and s.path.endswith(f"/{endpoint}")]


def _apply_shift(entry: dict[str, Any], alias: str, weights: dict[str, int]) -> None:
    if "traffic" in entry:
        entry["traffic"] = dict(weights)
    whole = [version for version, share in weights.items() if share == 100]
    if whole:
        entry["aliases"][alias] = whole[0]


_VOLATILE = {"idempotency_key", "requested_by", "reason", "requested_at"}
"""Body keys that may differ when the same request is sent again."""


class _PlatformHandler(_Quiet):
    def _platform(self) -> Platform:
        return self.server.owner  # type: ignore[attr-defined,no-any-return]

    def _authorised(self, platform: Platform) -> bool:
        if platform.token and self.headers.get("Authorization") != f"Bearer {platform.token}":
            self._json(401, {"error": "a valid bearer token is required"})
            return False
        return True

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:
        platform = self._platform()
        platform.seen.append(Seen("GET", self.path, "", dict(self.headers), b""))
        if not self._authorised(platform):
            return
        if urlsplit(self.path).path.rstrip("/").endswith("/deployments"):
            return self._json(200, {"models": platform.models})
        return self._json(404, {"error": "no such endpoint"})

    def do_POST(self) -> None:
        platform = self._platform()
        body = self._body()
        platform.seen.append(Seen("POST", self.path, "", dict(self.headers), body))
        if not self._authorised(platform):
            return None
        expected = "sha256=" + hmac.new(platform.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers.get("X-MRP-Signature", ""), expected):
            return self._json(401, {"error": "bad signature"})
        key = self.headers.get("Idempotency-Key", "")
        endpoint = urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1]
        if endpoint not in {"rollback", "traffic"}:
            return self._json(404, {"error": "no such endpoint"})
        request = json.loads(body)
        asked = {"endpoint": endpoint, **{k: v for k, v in request.items() if k not in _VOLATILE}}
        if key in platform.rollbacks:
            first = platform.rollbacks[key]
            if first["asked"] != asked:
                return self._json(409, {"error": "idempotency key reused for another request"})
            return self._json(200, {**first["answer"], "duplicate": True})
        model = next((m for m in platform.models if m["name"] == request["model"]), None)
        if model is None:
            return self._json(404, {"error": f"unknown model {request['model']}"})
        alias = request["alias"]
        previous = model["aliases"].get(alias)
        reference = f"rb-{len(platform.rollbacks) + 1}"
        if endpoint == "traffic":
            before = model.get("traffic") or ({previous: 100} if previous else {})
            if not platform.ignore_rollbacks:
                (platform.shift or _apply_shift)(model, alias, request["weights"])
            answer: dict[str, Any] = {
                "status": "done",
                "previous_traffic": before,
                "reference": reference,
            }
        else:
            if not platform.ignore_rollbacks:
                model["aliases"][alias] = request["version"]
            answer = {"status": "done", "previous_version": previous, "reference": reference}
        platform.rollbacks[key] = {"asked": asked, "answer": answer}
        if platform.lose_answers > 0:
            platform.lose_answers -= 1
            return self._json(503, {"error": "the answer was lost"})
        return self._json(200, answer)
