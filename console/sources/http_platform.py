"""The ``http`` source: a serving platform's own API, per the contract in docs/http-contract.md.

``GET {url}/deployments`` answers in the ``deployments.json`` shape (read by the same code as
the files source), with an optional per-model ``traffic``. A token, when set with
``mrp auth set NAME``, goes along as ``Authorization: Bearer``.

The platform's signed rollback endpoints are called from
``console.sources.http_platform_executor``, which reads GET deployments back with this
module's rules (``get_deployments``) and words the platform's errors as it does (``explain``).
"""

from __future__ import annotations

import json
from typing import Any

from console.errors import ConfigError, SourceError
from console.settings import HttpSource, Workspace
from console.sources.base import SyncContext
from console.sources.deployments_file import read_deployments
from console.sources.http_client import HttpClient, HttpFailure, Reply, client_for, refused_hint
from console.sources.records import SourceBatch


class HttpSourceReader:
    def __init__(self, name: str, config: HttpSource, workspace: Workspace) -> None:
        self.name = name
        self.config = config

    async def fetch(self, context: SyncContext) -> SourceBatch:
        async with client_for(self.name, self.config) as client:
            reply, _ = await get_deployments(client, self.name, self.config)
        staged = context.staging_dir / "deployments.json"
        staged.write_bytes(reply.content)
        batch = SourceBatch(self.name, snapshot=True)
        try:
            read_deployments(staged, batch)
        except ConfigError as error:
            message = error.message.replace(str(staged), deployments_url(self.config))
            raise SourceError(f"source '{self.name}': {message}") from None
        return batch


def deployments_url(config: HttpSource) -> str:
    """``GET {url}/deployments``, as error messages name it."""
    return f"GET {config.url.rstrip('/')}/deployments"


async def get_deployments(client: HttpClient, source: str, config: HttpSource) -> tuple[Reply, Any]:
    """GET deployments: the reply and its JSON. A ``SourceError`` naming the URL when the
    request fails, the platform refuses it or answers an error, or the answer is not JSON."""
    what = f"source '{source}': {deployments_url(config)}"
    try:
        reply = await client.get("deployments")
    except HttpFailure as failure:
        raise SourceError(f"{what} failed: {failure.reason}.") from None
    if reply.status in (401, 403):
        raise SourceError(f"{what} failed: {explain(reply)}; {refused_hint(source)}.")
    if not reply.ok:
        raise SourceError(f"{what} failed: {explain(reply)}.")
    return reply, _json_answer(reply, source, deployments_url(config))


def _json_answer(reply: Reply, source: str, where: str) -> Any:
    """The answer's JSON; a ``SourceError`` naming the URL when it is not JSON (an HTML
    login or error page from a proxy in front of the platform, a truncated body)."""
    try:
        return reply.json()
    except HttpFailure as failure:
        kind = reply.headers.get("content-type") or "no Content-Type"
        begins = reply.snippet(80)
        raise SourceError(
            f"source '{source}': {where}: {failure.reason}; it came as {kind}"
            f"{f' and begins {begins!r}' if begins else ', empty'}."
        ) from None


def explain(reply: Reply) -> str:
    """A failed answer in words, for an error message: ``HTTP 503 after 3 attempts: `` and
    the platform's ``error``, else the start of the body."""
    tries = f" after {reply.attempts} attempts" if reply.attempts > 1 else ""
    try:
        body = json.loads(reply.content)
    except ValueError:
        body = None
    detail = body.get("error") if isinstance(body, dict) else None
    return f"HTTP {reply.status}{tries}: {detail or reply.snippet() or 'no body'}"
