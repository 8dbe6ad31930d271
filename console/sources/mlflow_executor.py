"""Roll back through the MLflow registry: move an alias, read it back, tag the version.

Idempotent per key: when the alias already points at the target and the version carries
our ``mrp.rollback`` tag with the same key, nothing is sent again. Otherwise the alias is
set, read back (a move that did not take is a failure, not a success), and the version is
tagged ``mrp.rollback`` = JSON ``{key, alias, from, at, by, reason}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from console.clock import format_time
from console.errors import SourceError
from console.settings import MlflowSource, Workspace
from console.sources.http_client import client_for
from console.sources.mlflow import MlflowError, MlflowRest, tags
from console.sources.records import ExecutionResult

ROLLBACK_TAG = "mrp.rollback"
MAX_REASON = 2000
"""Characters of the reason kept in the tag (MLflow caps a tag value at 5,000)."""
_NOT_SET = {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}


class MlflowAliasExecutor:
    """The ``alias_swap`` mechanism for models whose registry is an ``mlflow`` source."""

    mechanism = "alias_swap"

    def __init__(self, name: str, config: MlflowSource, workspace: Workspace) -> None:
        self.name = name
        self.config = config
        self.workspace = workspace

    async def current(self, model: str, alias: str | None = None) -> str | None:
        """The version ``alias`` (default: the serving alias) points at now, or None."""
        async with client_for(self.name, self.config) as client:
            return await _alias_version(
                MlflowRest(client, self.name), model, alias or self.config.serving_alias
            )

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
        async with client_for(self.name, self.config) as client:
            rest = MlflowRest(client, self.name)
            before = await _alias_version(rest, model, alias)
            target = await _version(rest, model, version)
            mark = _rollback_tag(target)
            if before == version and mark.get("key") == idempotency_key:
                return self._result(
                    model,
                    alias,
                    version,
                    mark.get("from"),
                    already_done=True,
                    detail=f"{model}'s alias '{alias}' already pointed at version {version} "
                    "(moved earlier with the same idempotency key); nothing was sent again.",
                )
            await rest.post(
                "registered-models/alias", {"name": model, "alias": alias, "version": version}
            )
            after = await _alias_version(rest, model, alias)
            if after != version:
                raise SourceError(
                    f"source '{self.name}': MLflow accepted moving {model}'s alias '{alias}' to "
                    f"version {version}, but reading it back shows {after or 'no version'}."
                )
            record = {
                "key": idempotency_key,
                "alias": alias,
                "from": before,
                "at": format_time(datetime.now(UTC)),
                "by": actor,
                "reason": None if reason is None else reason[:MAX_REASON],
            }
            await rest.post(
                "model-versions/set-tag",
                {
                    "name": model,
                    "version": version,
                    "key": ROLLBACK_TAG,
                    "value": json.dumps(record),
                },
            )
        was = f"version {before}" if before else "no version"
        return self._result(
            model,
            alias,
            version,
            before,
            already_done=False,
            detail=f"moved {model}'s alias '{alias}' from {was} to version {version} in MLflow, "
            f"confirmed by reading it back, and tagged the version {ROLLBACK_TAG}.",
        )

    def _result(
        self,
        model: str,
        alias: str,
        version: str,
        before: str | None,
        *,
        already_done: bool,
        detail: str,
    ) -> ExecutionResult:
        return ExecutionResult(
            mechanism=self.mechanism,
            model=model,
            alias=alias,
            version=version,
            previous_version=before,
            already_done=already_done,
            detail=detail,
        )


async def _alias_version(rest: MlflowRest, model: str, alias: str) -> str | None:
    try:
        body = await rest.get("registered-models/alias", {"name": model, "alias": alias})
    except MlflowError as error:
        if error.code in _NOT_SET and "not found" in str(error).lower():
            return None
        raise
    found = body.get("model_version", {}).get("version")
    return None if found is None else str(found)


async def _version(rest: MlflowRest, model: str, version: str) -> dict[str, Any]:
    try:
        body = await rest.get("model-versions/get", {"name": model, "version": version})
    except MlflowError as error:
        if error.code == "RESOURCE_DOES_NOT_EXIST":
            raise SourceError(
                f"source '{rest.source}': {model} has no version {version} in MLflow, "
                "so its alias cannot be moved there."
            ) from None
        raise
    found = body.get("model_version")
    return found if isinstance(found, dict) else {}


def _rollback_tag(version: dict[str, Any]) -> dict[str, Any]:
    raw = tags(version.get("tags")).get(ROLLBACK_TAG)
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
