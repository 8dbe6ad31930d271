"""The ``mlflow`` source: the model registry over MLflow's REST API 2.0 (httpx, no mlflow).

Registered models (tags ``team`` and ``risk_tier`` fill those columns), their versions
(status, tags, run id, creation time), every alias, and registered baselines: for each
``baseline_metrics`` entry, the latest value of that key in the version's run. MLflow keeps
no alias history, so each sync's alias snapshot is compared with the last one and a change
becomes a ``deployment_events`` row observed at sync time (``writer.observed_switches``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from console.errors import SourceError
from console.settings import MlflowSource, Workspace
from console.sources.base import SyncContext
from console.sources.http_client import HttpClient, HttpFailure, Reply, client_for, refused_hint
from console.sources.records import (
    AliasRecord,
    BaselineRecord,
    ModelRecord,
    SourceBatch,
    VersionRecord,
)

API = "api/2.0/mlflow/"
MODELS_PAGE = 1000
VERSIONS_PAGE = 10000


class MlflowError(SourceError):
    """MLflow answered with an error; ``code`` is its ``error_code`` (or the HTTP status)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class MlflowRest:
    """The few REST calls mrp makes, each failure one sentence naming the source."""

    def __init__(self, client: HttpClient, source: str) -> None:
        self.client = client
        self.source = source

    async def get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self._call("GET", path, params, None)

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", path, None, payload)

    async def _call(
        self, method: str, path: str, params: dict[str, str] | None, payload: Any
    ) -> dict[str, Any]:
        what = f"source '{self.source}': MLflow {method} {path}"
        content = None if payload is None else json.dumps(payload).encode()
        try:
            if content is None:
                reply = await self.client.get(API + path, params)
            else:
                reply = await self.client.post(API + path, content)
            if not reply.ok:
                raise _error(what, reply, self.source)
            body = reply.json()
        except HttpFailure as failure:
            raise SourceError(f"{what} failed: {failure.reason}.") from None
        if not isinstance(body, dict):
            raise SourceError(f"{what} failed: the answer is not a JSON object.")
        return body

    async def pages(self, path: str, key: str, size: int) -> list[dict[str, Any]]:
        """Every item of a paginated search."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params = {"max_results": str(size)}
            if token:
                params["page_token"] = token
            body = await self.get(path, params)
            items.extend(item for item in body.get(key, []) if isinstance(item, dict))
            token = body.get("next_page_token")
            if not token:
                return items


def _error(what: str, reply: Reply, source: str) -> MlflowError:
    try:
        body = json.loads(reply.content)
    except ValueError:
        body = None
    tries = f" after {reply.attempts} attempts" if reply.attempts > 1 else ""
    if isinstance(body, dict) and "error_code" in body:
        code = str(body["error_code"])
        detail = f"{code}: {body.get('message', '')}".rstrip(": ")
    else:
        code = str(reply.status)
        detail = reply.snippet() or "no body"
    if reply.status in (401, 403):
        hint = refused_hint(source)
        return MlflowError(f"{what} was refused (HTTP {reply.status}, {detail}): {hint}.", code)
    return MlflowError(f"{what} failed: HTTP {reply.status}{tries}, {detail}.", code)


def millis(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def tags(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):  # some servers send a map rather than [{key, value}]
        return {str(k): str(v) for k, v in raw.items()}
    return {str(t["key"]): str(t.get("value", "")) for t in raw or [] if isinstance(t, dict)}


class MlflowSourceReader:
    def __init__(self, name: str, config: MlflowSource, workspace: Workspace) -> None:
        self.name = name
        self.config = config

    async def fetch(self, context: SyncContext) -> SourceBatch:
        async with client_for(self.name, self.config) as client:
            rest = MlflowRest(client, self.name)
            models = [
                m
                for m in await rest.pages(
                    "registered-models/search", "registered_models", MODELS_PAGE
                )
                if self._follows(str(m.get("name", "")))
            ]
            names = {str(m["name"]) for m in models}
            versions = [
                v
                for v in await rest.pages("model-versions/search", "model_versions", VERSIONS_PAGE)
                if str(v.get("name")) in names
            ]
            runs = await self._run_metrics(
                rest, {str(v["run_id"]) for v in versions if v.get("run_id")}
            )
        batch = SourceBatch(self.name, snapshot=True)
        try:
            batch.models.extend(_model(m) for m in models)
            batch.aliases.extend(_aliases(models))
            for raw in versions:
                version = _version(raw)
                batch.versions.append(version)
                batch.baselines.extend(self._baselines(version, runs.get(version.run_id or "", {})))
        except (KeyError, TypeError, ValueError) as error:
            raise SourceError(
                f"source '{self.name}': MLflow's answer has an unexpected shape ({error!r})."
            ) from None
        return batch

    def _follows(self, name: str) -> bool:
        return not self.config.models or any(fnmatchcase(name, p) for p in self.config.models)

    async def _run_metrics(
        self, rest: MlflowRest, run_ids: Iterable[str]
    ) -> dict[str, dict[str, float]]:
        """Latest value of every metric of each run (only when baselines are configured)."""
        if not self.config.baseline_metrics:
            return {}

        async def one(run_id: str) -> tuple[str, dict[str, float]]:
            try:
                body = await rest.get("runs/get", {"run_id": run_id})
            except MlflowError as error:
                if error.code == "RESOURCE_DOES_NOT_EXIST":  # a deleted run has no baseline
                    return run_id, {}
                raise
            metrics = body.get("run", {}).get("data", {}).get("metrics", [])
            return run_id, {str(m["key"]): float(m["value"]) for m in metrics if "key" in m}

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(run_id)) for run_id in sorted(run_ids)]
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None
        return dict(task.result() for task in tasks)

    def _baselines(self, version: VersionRecord, metrics: dict[str, float]) -> list[BaselineRecord]:
        return [
            BaselineRecord(version.model, version.version, metric, metrics[key])
            for metric, key in self.config.baseline_metrics.items()
            if key in metrics
        ]


def _model(raw: dict[str, Any]) -> ModelRecord:
    found = tags(raw.get("tags"))
    return ModelRecord(str(raw["name"]), found.get("team"), found.get("risk_tier"), found)


def _aliases(models: list[dict[str, Any]]) -> list[AliasRecord]:
    return [
        AliasRecord(str(m["name"]), str(a["alias"]), str(a["version"]))
        for m in models
        for a in m.get("aliases") or []
        if isinstance(a, dict) and "alias" in a and "version" in a
    ]


def _version(raw: dict[str, Any]) -> VersionRecord:
    return VersionRecord(
        model=str(raw["name"]),
        version=str(raw["version"]),
        created_at=millis(raw.get("creation_timestamp")),
        status=raw.get("status"),
        run_id=raw.get("run_id") or None,
        tags=tags(raw.get("tags")),
    )
