"""The ``http`` source: a serving platform's own API, per the contract in docs/http-contract.md.

``GET {url}/deployments`` answers in the ``deployments.json`` shape (read by the same code as
the files source); ``POST {url}/rollback`` is the signed webhook a rollback runbook calls,
with an ``Idempotency-Key`` header and ``X-MRP-Signature: sha256=<hex HMAC-SHA256 of the
body>`` keyed with the source's signing secret from the keyring. A token, when set with
``mrp auth set NAME``, goes along as ``Authorization: Bearer``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from console.clock import format_time
from console.errors import ConfigError, MrpError, SourceError
from console.secrets import get_secret
from console.settings import HttpSource, Workspace
from console.sources.base import SyncContext
from console.sources.deployments_file import read_deployments
from console.sources.http_client import HttpClient, HttpFailure, Reply, client_for, signing_key
from console.sources.records import ExecutionResult, SourceBatch

CONFIRM_WITHIN = 30.0
"""Seconds to wait for GET /deployments to show a rollback the platform accepted."""
CONFIRM_EVERY = 1.0


class HttpSourceReader:
    def __init__(self, name: str, config: HttpSource, workspace: Workspace) -> None:
        self.name = name
        self.config = config

    async def fetch(self, context: SyncContext) -> SourceBatch:
        async with client_for(self.name, self.config) as client:
            reply = await _get(client, self.name, "deployments")
        staged = context.staging_dir / "deployments.json"
        staged.write_bytes(reply.content)
        batch = SourceBatch(self.name, snapshot=True)
        try:
            read_deployments(staged, batch)
        except ConfigError as error:
            where = f"GET {self.config.url.rstrip('/')}/deployments"
            message = error.message.replace(str(staged), where)
            raise SourceError(f"source '{self.name}': {message}") from None
        return batch


async def _get(client: HttpClient, source: str, path: str) -> Reply:
    what = f"source '{source}': GET {path}"
    try:
        reply = await client.get(path)
    except HttpFailure as failure:
        raise SourceError(f"{what} failed: {failure.reason}.") from None
    if not reply.ok:
        raise SourceError(f"{what} failed: {_explain(reply)}.")
    return reply


def _explain(reply: Reply) -> str:
    tries = f" after {reply.attempts} attempts" if reply.attempts > 1 else ""
    try:
        body = json.loads(reply.content)
    except ValueError:
        body = None
    detail = body.get("error") if isinstance(body, dict) else None
    return f"HTTP {reply.status}{tries}: {detail or reply.snippet() or 'no body'}"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class HttpWebhookExecutor:
    """The ``webhook`` mechanism: ask the platform to move the alias, then read it back."""

    mechanism = "webhook"

    def __init__(self, name: str, config: HttpSource, workspace: Workspace) -> None:
        self.name = name
        self.config = config

    async def current(self, model: str, alias: str | None = None) -> str | None:
        """The version ``alias`` (default: the serving alias) points at, per GET deployments."""
        async with client_for(self.name, self.config) as client:
            body = _json(await _get(client, self.name, "deployments"))
        return _alias_in(body, model, alias or self.config.serving_alias)

    async def move_alias(
        self,
        model: str,
        alias: str,
        version: str,
        idempotency_key: str,
        *,
        actor: str | None = None,
        reason: str | None = None,
    ) -> ExecutionResult:
        alias = alias or self.config.serving_alias
        secret = get_secret(signing_key(self.name))
        if not secret:
            raise MrpError(
                f"source '{self.name}' has no signing secret for its rollback webhook: "
                f"set one with `mrp auth set {self.name} --signing-secret`."
            )
        body = json.dumps(
            {
                "model": model,
                "alias": alias,
                "version": version,
                "idempotency_key": idempotency_key,
                "requested_by": actor,
                "reason": reason,
                "requested_at": format_time(datetime.now(UTC)),
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "Idempotency-Key": idempotency_key,
            self.config.signature_header: sign(secret, body),
        }
        async with client_for(self.name, self.config) as client:
            answer = await self._post(client, body, headers)
            await self._confirm(client, model, alias, version)
        previous = answer.get("previous_version")
        duplicate = bool(answer.get("duplicate"))
        was = f"version {previous}" if previous else "its previous version"
        detail = (
            f"the platform had already moved {model}'s alias '{alias}' to version {version} "
            "for this idempotency key; confirmed by reading it back."
            if duplicate
            else f"the platform moved {model}'s alias '{alias}' from {was} to version {version}, "
            "confirmed by reading it back."
        )
        return ExecutionResult(
            mechanism=self.mechanism,
            model=model,
            alias=alias,
            version=version,
            previous_version=None if previous is None else str(previous),
            already_done=duplicate,
            detail=detail,
            reference=None if answer.get("reference") is None else str(answer["reference"]),
        )

    async def _post(
        self, client: HttpClient, body: bytes, headers: dict[str, str]
    ) -> dict[str, Any]:
        what = f"source '{self.name}': POST rollback"
        try:
            reply = await client.post("rollback", body, headers)
        except HttpFailure as failure:
            raise SourceError(f"{what} failed: {failure.reason}.") from None
        if reply.status == 409:
            raise SourceError(
                f"{what} was refused: the idempotency key was used before for a different "
                f"request ({_explain(reply)})."
            )
        if not reply.ok:
            raise SourceError(f"{what} failed: {_explain(reply)}.")
        if not reply.content.strip():
            return {}
        try:
            answer = reply.json()
        except HttpFailure as failure:
            raise SourceError(f"{what} failed: {failure.reason}.") from None
        return answer if isinstance(answer, dict) else {}

    async def _confirm(self, client: HttpClient, model: str, alias: str, version: str) -> None:
        deadline = time.monotonic() + CONFIRM_WITHIN
        while True:
            seen = _alias_in(_json(await _get(client, self.name, "deployments")), model, alias)
            if seen == version:
                return
            if time.monotonic() >= deadline:
                raise SourceError(
                    f"source '{self.name}': the platform accepted the rollback of {model} to "
                    f"version {version}, but after {CONFIRM_WITHIN:g}s GET deployments still "
                    f"shows alias '{alias}' at {f'version {seen}' if seen else 'no version'}."
                )
            await asyncio.sleep(CONFIRM_EVERY)


def _json(reply: Reply) -> Any:
    try:
        return reply.json()
    except HttpFailure:
        return None


def _alias_in(body: Any, model: str, alias: str) -> str | None:
    models = body.get("models") if isinstance(body, dict) else None
    for entry in models or []:
        if isinstance(entry, dict) and entry.get("name") == model:
            found = (entry.get("aliases") or {}).get(alias)
            return None if found is None else str(found)
    return None
