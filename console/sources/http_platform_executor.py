"""The platform's signed rollback endpoints, which carry out a runbook's execute step for an
``http`` source (docs/http-contract.md).

``POST {url}/rollback`` is the ``webhook`` mechanism (move the alias), ``POST {url}/traffic``
is ``traffic_shift`` (send all of the model's traffic to one version). Both carry an
``Idempotency-Key`` header and ``X-MRP-Signature: sha256=<hex HMAC-SHA256 of the body>``
keyed with the source's signing secret from the keyring, and both are read back from
``GET deployments`` (with the source's own rules, ``console.sources.http_platform``) before
they count as done.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar

from console.clock import format_time
from console.errors import MrpError, SourceError
from console.secrets import get_secret
from console.settings import HttpSource, Workspace
from console.sources.credentials import stored_credentials
from console.sources.http_client import (
    HttpClient,
    HttpFailure,
    client_for,
    refused_hint,
    signing_key,
)
from console.sources.http_platform import deployments_url, explain, get_deployments
from console.sources.records import ExecutionResult

CONFIRM_EVERY = 1.0
"""Seconds between two reads of GET deployments while waiting for a change to show (for up
to the source's ``read_back``)."""


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _models_of(body: Any, source: str, where: str) -> list[Any]:
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(models, list):
        raise SourceError(f"source '{source}': {where}: the answer has no \"models\" list.")
    return models


def _post_refused_hint(source: str) -> str:
    """What to do about a signed POST the platform refused (401 or 403): the credentials
    that were sent (a token, basic credentials or nothing) or the signing secret."""
    wanted = (
        "other basic credentials or another signing secret"
        if stored_credentials(source).kind == "basic"
        else "another token or signing secret"
    )
    return (
        f"the platform expects {wanted}: {refused_hint(source)}; replace the signing secret "
        f"with `mrp auth set {source} --signing-secret`"
    )


class _SignedPlatformCall(ABC):
    """What the platform's two signed endpoints share: the signing secret, the body, the
    ``Idempotency-Key``, the POST with its error rules, and the read-back of
    ``GET deployments`` until the change shows (or ``read_back`` has passed).

    A mechanism says which endpoint it calls, what it asks for, what "serving" means to it
    and when its change shows; the rest is this one piece of code.
    """

    mechanism: ClassVar[str]
    endpoint: ClassVar[str]
    """``POST {url}/<endpoint>``."""
    change: ClassVar[str]
    """The change in words, for messages: ``rollback``, ``traffic shift``."""

    def __init__(self, name: str, config: HttpSource, workspace: Workspace) -> None:
        self.name = name
        self.config = config

    async def current(self, model: str, alias: str | None = None) -> str | None:
        """The version serving ``alias`` (default: the serving alias), per GET deployments."""
        async with client_for(self.name, self.config) as client:
            models = await self._deployments(client)
        return self._serving(_model_in(models, model), alias or self.config.serving_alias)

    async def _deployments(self, client: HttpClient) -> list[Any]:
        """The ``models`` of GET deployments; a ``SourceError`` when the answer is not
        JSON with a ``models`` list (never read as "no version serves")."""
        _, body = await get_deployments(client, self.name, self.config)
        return _models_of(body, self.name, deployments_url(self.config))

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
                f"source '{self.name}' has no signing secret for its {self.change} requests: "
                f"set one with `mrp auth set {self.name} --signing-secret`."
            )
        body = json.dumps(
            {
                "model": model,
                "alias": alias,
                **self._asked(version),
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
        duplicate = bool(answer.get("duplicate"))
        reference = answer.get("reference")
        return ExecutionResult(
            mechanism=self.mechanism,
            model=model,
            alias=alias,
            version=version,
            previous_version=self._previous(answer),
            already_done=duplicate,
            detail=self._detail(model, alias, version, answer, duplicate),
            reference=None if reference is None else str(reference),
        )

    def _detail(
        self, model: str, alias: str, version: str, answer: dict[str, Any], duplicate: bool
    ) -> str:
        """One sentence for the runbook and the audit record: what the platform did."""
        moved = self._moving(model, alias)
        if duplicate:
            return (
                f"the platform had already {moved} to version {version} for this idempotency "
                "key; confirmed by reading it back."
            )
        was = self._was(answer) or "its previous version"
        return (
            f"the platform {moved} from {was} to version {version}, confirmed by reading it back."
        )

    @abstractmethod
    def _asked(self, version: str) -> dict[str, Any]:
        """What the body asks for besides model and alias."""

    @abstractmethod
    def _serving(self, entry: dict[str, Any] | None, alias: str) -> str | None:
        """The version serving ``alias`` in the model's entry of GET deployments."""

    @abstractmethod
    def _pending(self, entry: dict[str, Any] | None, alias: str, version: str) -> str | None:
        """None when the entry shows the change to ``version``; else what it shows instead."""

    @abstractmethod
    def _previous(self, answer: dict[str, Any]) -> str | None:
        """The version that served before, from the platform's answer, when it says."""

    @abstractmethod
    def _was(self, answer: dict[str, Any]) -> str | None:
        """What served before in words (``version 2``), from the answer, when it says."""

    @abstractmethod
    def _moving(self, model: str, alias: str) -> str:
        """The change done, in words, up to where it came from and went to: ``moved fraud's
        alias 'champion'``."""

    async def _post(
        self, client: HttpClient, body: bytes, headers: dict[str, str]
    ) -> dict[str, Any]:
        what = f"source '{self.name}': POST {self.endpoint}"
        try:
            reply = await client.post(self.endpoint, body, headers)
        except HttpFailure as failure:
            raise SourceError(f"{what} failed: {failure.reason}.") from None
        if reply.status in (401, 403):
            refused = "unauthorised" if reply.status == 401 else "forbidden"
            raise SourceError(
                f"{what} was refused as {refused} ({explain(reply)}): "
                f"{_post_refused_hint(self.name)}."
            )
        if reply.status == 409:
            raise SourceError(
                f"{what} was refused: the idempotency key was used before for a different "
                f"request ({explain(reply)})."
            )
        if not reply.ok:
            raise SourceError(f"{what} failed: {explain(reply)}.")
        if not reply.content.strip():
            return {}
        try:
            answer = reply.json()
        except HttpFailure as failure:
            raise SourceError(f"{what} failed: {failure.reason}.") from None
        return answer if isinstance(answer, dict) else {}

    async def _confirm(self, client: HttpClient, model: str, alias: str, version: str) -> None:
        wait = self.config.read_back.total_seconds()
        deadline = time.monotonic() + wait
        while True:
            entry = _model_in(await self._deployments(client), model)
            shows = self._pending(entry, alias, version)
            if shows is None:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise SourceError(
                    f"source '{self.name}': the platform accepted the {self.change} of {model} "
                    f"to version {version}, but after {wait:g}s GET deployments still shows "
                    f"{shows}."
                )
            await asyncio.sleep(min(CONFIRM_EVERY, left))


class HttpWebhookExecutor(_SignedPlatformCall):
    """The ``webhook`` mechanism: ask the platform to move the alias, then read it back."""

    mechanism = "webhook"
    endpoint = "rollback"
    change = "rollback"

    def _asked(self, version: str) -> dict[str, Any]:
        return {"version": version}

    def _serving(self, entry: dict[str, Any] | None, alias: str) -> str | None:
        return _alias_of(entry, alias)

    def _pending(self, entry: dict[str, Any] | None, alias: str, version: str) -> str | None:
        seen = _alias_of(entry, alias)
        return None if seen == version else _alias_words(alias, seen)

    def _previous(self, answer: dict[str, Any]) -> str | None:
        previous = answer.get("previous_version")
        return None if previous is None else str(previous)

    def _was(self, answer: dict[str, Any]) -> str | None:
        previous = self._previous(answer)
        return None if previous is None else f"version {previous}"

    def _moving(self, model: str, alias: str) -> str:
        return f"moved {model}'s alias '{alias}'"


class HttpTrafficExecutor(_SignedPlatformCall):
    """The ``traffic_shift`` mechanism: ask the platform to send all of the model's traffic
    to one version (``POST traffic`` with ``weights`` ``{version: 100}``), then read it back:
    the model's ``traffic`` in GET deployments at 100% on that version, or, from a platform
    that reports no ``traffic`` for the model, its alias on that version."""

    mechanism = "traffic_shift"
    endpoint = "traffic"
    change = "traffic shift"

    def _asked(self, version: str) -> dict[str, Any]:
        return {"weights": {version: 100}}

    def _serving(self, entry: dict[str, Any] | None, alias: str) -> str | None:
        # All traffic on one version: that version serves. Split (a canary, a shift under
        # way) or not reported: the alias names the version the platform counts as serving.
        return _whole(traffic_of(entry)) or _alias_of(entry, alias)

    def _pending(self, entry: dict[str, Any] | None, alias: str, version: str) -> str | None:
        traffic = traffic_of(entry)
        if traffic is None:
            seen = _alias_of(entry, alias)
            return None if seen == version else f"no traffic and {_alias_words(alias, seen)}"
        return None if _whole(traffic) == version else f"the traffic at {_shares(traffic)}"

    def _previous(self, answer: dict[str, Any]) -> str | None:
        return _whole(_weights(answer.get("previous_traffic")))

    def _was(self, answer: dict[str, Any]) -> str | None:
        previous = _weights(answer.get("previous_traffic"))
        return _shares(previous) if previous else None

    def _moving(self, model: str, alias: str) -> str:
        return f"shifted all of {model}'s traffic ('{alias}')"


def _model_in(models: list[Any], model: str) -> dict[str, Any] | None:
    """The model's entry in GET deployments' ``models``, or None."""
    for entry in models:
        if isinstance(entry, dict) and entry.get("name") == model:
            return entry
    return None


def _alias_of(entry: dict[str, Any] | None, alias: str) -> str | None:
    aliases = entry.get("aliases") if entry is not None else None
    found = aliases.get(alias) if isinstance(aliases, dict) else None
    return None if found is None else str(found)


def _alias_words(alias: str, version: str | None) -> str:
    return f"alias '{alias}' at {f'version {version}' if version else 'no version'}"


def traffic_of(entry: dict[str, Any] | None) -> dict[str, float] | None:
    """The model's optional ``traffic`` (version -> percent) in GET deployments; None when
    the platform reports none for it."""
    if entry is None or "traffic" not in entry:
        return None
    return _weights(entry["traffic"]) or {}


def _weights(value: Any) -> dict[str, float] | None:
    """``{version: percent}`` from JSON; entries that are not numbers are left out."""
    if not isinstance(value, dict):
        return None
    return {
        str(version): float(share)
        for version, share in value.items()
        if isinstance(share, int | float) and not isinstance(share, bool)
    }


def _whole(traffic: dict[str, float] | None) -> str | None:
    """The version taking all of the traffic (100%, every other version 0), or None."""
    serving = [version for version, share in (traffic or {}).items() if share > 0]
    if len(serving) == 1 and traffic is not None and traffic[serving[0]] == 100:
        return serving[0]
    return None


def _shares(traffic: dict[str, float]) -> str:
    """``90% on version 2, 10% on version 1``, largest share first."""
    parts = sorted(traffic.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{share:g}% on version {version}" for version, share in parts) or (
        "no version"
    )
