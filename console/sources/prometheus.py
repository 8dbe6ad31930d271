"""The ``prometheus`` source: metric history from ``/api/v1/query_range``.

Per model x metric, the metric's PromQL template is filled in (``{model}``, ``{version}``,
escaped for where they stand) and queried with explicit, step-aligned start and end, in
chunks of at most ``MAX_POINTS`` points per series, from the series' watermark (the last
stored sample) or, on the first sync, from ``now - backfill``; never from before ``now -
backfill``. Each response is checked,
then staged raw for ``queries/load/prometheus_query_range.sql`` to load in one statement.
A pair whose last queries found no series (nothing stored yet, or a series that stopped) is
asked only from where they ended, less an overlap for late samples, and never from before its
watermark (``prometheus_empty``).

Versions: a template that names ``{version}`` is queried once per version the state
database knows (each from that version's own watermark). Otherwise each result series is
split by its ``version_label`` label; a series without that label is stored with version
NULL (it measures whatever served at the time; ``deployment_events`` says what that was).
Several series with the same version in one result are an error: aggregate them in the
template, e.g. ``avg by (version) (...)``.

Models: the config's ``models``, else every model the state database knows plus the values
of ``model_label`` that Prometheus has seen since the backfill start.

A metric whose every series is up to date (a second sync within one step) still sends one
query of one step, for its first model, so that Prometheus checks a changed template now
rather than at the next step; its answer is not stored. A metric that matched no series and
has nothing stored, and a sync with no models at all, come back as warnings.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from console.errors import ConfigError, SourceError
from console.settings import PrometheusSource, Workspace
from console.sources.base import SyncContext
from console.sources.http_client import HttpClient, HttpFailure, Reply, client_for, refused_hint
from console.sources.prometheus_empty import STATE_KEY, EmptySpans, pair_key
from console.sources.prometheus_warnings import no_models, quiet_metrics
from console.sources.promql import render, unknown_placeholder
from console.sources.records import MetricLoader, SourceBatch, SyncWarning
from console.store import connect, sql

MAX_POINTS = 11_000
"""Prometheus refuses a range query with more than 11,000 points per series."""

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class RangeQuery:
    model: str
    metric: str
    version: str | None
    """Set when the template names {version}: every series of the result is this version."""
    query: str
    start_ms: int
    end_ms: int
    check_only: bool = False
    """Every series of the metric is up to date: the query is sent (one step) only to have
    Prometheus check the template, and its answer is not stored."""

    @property
    def key(self) -> str:
        return pair_key(self.metric, self.model, self.version, self.query)


def step_ms(config: PrometheusSource) -> int:
    step = round(config.step.total_seconds() * 1000)
    if step <= 0:
        raise ConfigError("a Prometheus source's step must be positive.")
    return step


def first_point(last: datetime | None, floor_ms: int, step: int) -> int:
    """The first step-aligned time after ``last``, never before ``floor_ms`` (now less the
    backfill): a series that stopped (a retired model) would otherwise be asked for
    everything since its last sample at every sync, a span that grows without end."""
    floor = -(-floor_ms // step) * step
    if last is None:
        return floor
    return max((_ms(last) // step + 1) * step, floor)


def chunks(start_ms: int, end_ms: int, step: int) -> list[tuple[int, int]]:
    """Step-aligned [start, end] pieces of at most MAX_POINTS points each, back to back."""
    span = (MAX_POINTS - 1) * step
    pieces = []
    while start_ms <= end_ms:
        stop = min(start_ms + span, end_ms)
        pieces.append((start_ms, stop))
        start_ms = stop + step
    return pieces


def _ms(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return round(aware.timestamp() * 1000)


def _seconds(ms: int) -> str:
    return f"{ms // 1000}.{ms % 1000:03d}"


class PrometheusSourceReader:
    def __init__(self, name: str, config: PrometheusSource, workspace: Workspace) -> None:
        if not _LABEL.match(config.model_label) or not _LABEL.match(config.version_label):
            raise ConfigError(
                f"source '{name}': model_label and version_label must be label names."
            )
        self.name = name
        self.config = config

    async def fetch(self, context: SyncContext) -> SourceBatch:
        if not self.config.metrics:
            raise ConfigError(f"source '{self.name}': no [sources.{self.name}.metrics] to query.")
        for metric, template in self.config.metrics.items():
            unknown = unknown_placeholder(template)
            if unknown is not None:
                raise ConfigError(
                    f"source '{self.name}': metric '{metric}': the template names {unknown}, "
                    "which is not a placeholder ({model} or {version})."
                )
        step = step_ms(self.config)
        end = _ms(context.now) // step * step
        backfill = round(self.config.backfill.total_seconds() * 1000)
        floor = _ms(context.now) - backfill
        empty = EmptySpans.remembered(context.source_state, backfill)
        async with client_for(self.name, self.config) as client:
            models = self.config.models or await self._models(client, context, floor, end)
            queries, pairs = self._plan(models, context, floor, end, step, empty)
            files, matched, found = await self._run(client, queries, context.staging_dir, step)
        batch = SourceBatch(
            self.name,
            snapshot=False,
            staged_files=files,
            metric_names=frozenset(self.config.metrics),
        )
        remember = empty.after(_asked(queries), found, set(pairs))
        batch.metric_loader = _loader(files, self.config.version_label, remember)
        batch.notes.update(models=len(models), queries=len(queries))
        known_empty = [pairs[key] for key in remember.spans]
        batch.warnings = self._warnings(models, queries, known_empty, matched, context)
        return batch

    def _warnings(
        self,
        models: list[str],
        queries: list[RangeQuery],
        known_empty: list[tuple[str, str]],
        matched: set[str],
        context: SyncContext,
    ) -> list[SyncWarning]:
        """``known_empty`` (metric, model) pairs count as queried: this sync or an earlier
        one asked them and found nothing, even when nothing new was due this time."""
        if not models:
            return [no_models(self.name, self.config.model_label, self.config.backfill)]
        queried: dict[str, set[str]] = {}
        for query in queries:
            if not query.check_only:
                queried.setdefault(query.metric, set()).add(query.model)
        for metric, model in known_empty:
            queried.setdefault(metric, set()).add(model)
        stored = {metric for _model, metric in context.watermarks}
        return quiet_metrics(
            self.name,
            self.config.metrics,
            queried,
            matched,
            stored,
            self.config.backfill,
            len(models),
        )

    async def _models(
        self, client: HttpClient, context: SyncContext, start: int, end: int
    ) -> list[str]:
        path = f"api/v1/label/{self.config.model_label}/values"
        params = {"start": _seconds(start), "end": _seconds(end)}
        body = await self._json(
            client, path, params, f"the values of label '{self.config.model_label}'"
        )
        found = body.get("data") if isinstance(body, dict) else None
        if not isinstance(found, list):
            raise SourceError(f"source '{self.name}': {path} did not return a list of values.")
        return sorted({*context.known_models, *(str(value) for value in found)})

    def _plan(
        self,
        models: list[str],
        context: SyncContext,
        floor: int,
        end: int,
        step: int,
        empty: EmptySpans,
    ) -> tuple[list[RangeQuery], dict[str, tuple[str, str]]]:
        """The range queries, and every pair planned (key -> metric, model)."""
        versioned = any("{version}" in template for template in self.config.metrics.values())
        versions, marks = self._versions(context) if versioned else ({}, {})
        queries = []
        pairs: dict[str, tuple[str, str]] = {}
        for metric, template in self.config.metrics.items():
            planned: list[RangeQuery] = []
            first: RangeQuery | None = None
            for model in models:
                targets: list[tuple[str | None, datetime | None]]
                if "{version}" not in template:
                    targets = [(None, context.watermarks.get((model, metric)))]
                else:
                    targets = [(v, marks.get((model, v, metric))) for v in versions.get(model, ())]
                for version, last in targets:
                    query = self._render(metric, template, model, version)
                    if first is None:
                        first = RangeQuery(model, metric, version, query, end, end, check_only=True)
                    key = pair_key(metric, model, version, query)
                    pairs[key] = (metric, model)
                    begin = empty.start(key, first_point(last, floor, step), end, step)
                    for start, stop in chunks(begin, end, step):
                        planned.append(RangeQuery(model, metric, version, query, start, stop))
            queries.extend(planned or ([first] if first else []))
        return queries, pairs

    def _render(self, metric: str, template: str, model: str, version: str | None) -> str:
        try:
            return render(template, model, version)
        except ValueError as error:
            raise ConfigError(f"source '{self.name}': metric '{metric}': {error}") from None

    def _versions(
        self, context: SyncContext
    ) -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, str, str], datetime]]:
        """Known versions per model and the versioned series' watermarks (read briefly)."""
        versions: dict[str, list[str]] = {}
        marks = {}
        with connect(context.workspace.db_path, read_only=True) as con:
            for model, version in con.execute(sql("sources/known_versions")).fetchall():
                versions.setdefault(model, []).append(version)
            rows = con.execute(sql("sources/version_watermarks"), {"source": self.name})
            for model, version, metric, last in rows.fetchall():
                marks[(model, version, metric)] = last.replace(tzinfo=UTC)
        return {model: tuple(found) for model, found in versions.items()}, marks

    async def _run(
        self, client: HttpClient, queries: list[RangeQuery], stage: Path, step: int
    ) -> tuple[list[Path], set[str], set[str]]:
        """Run every query (bounded by the client); stage each checked response that holds
        a value to store. Returns the staged files, the metrics whose queries matched a
        series, and the keys of the pairs whose queries found a value to store."""
        staged: list[Path] = []
        matched: set[str] = set()
        found: set[str] = set()

        async def one(index: int, query: RangeQuery) -> None:
            series, line = await self._range(client, query, step)
            if series:
                matched.add(query.metric)
            if line is not None and not query.check_only:
                found.add(query.key)
                path = stage / f"range-{index:06d}.ndjson"
                path.write_bytes(line)
                staged.append(path)

        try:
            async with asyncio.TaskGroup() as group:
                for index, query in enumerate(queries):
                    group.create_task(one(index, query))
        except BaseExceptionGroup as failures:
            raise _first(failures) from None
        return sorted(staged), matched, found

    async def _range(
        self, client: HttpClient, query: RangeQuery, step: int
    ) -> tuple[bool, bytes | None]:
        """Whether the response holds a series, and the response as a staged line, or None
        when it holds no value to store (no series, or only NaN: the loader drops NaN)."""
        params = {
            "query": query.query,
            "start": _seconds(query.start_ms),
            "end": _seconds(query.end_ms),
            "step": _seconds(step),
            "timeout": f"{self.config.timeout.total_seconds():g}s",
        }
        what = f"the query for model '{query.model}' ({query.metric}: {query.query})"
        reply = await self._get(client, "api/v1/query_range", params, what)
        body = self._parse(reply, what)
        result = _matrix(body)
        if result is None:
            raise SourceError(
                f"source '{self.name}': {what} did not return a range of series (a matrix)."
            )
        self._check_versions(result, query, what)
        if not any(_has_value(series) for series in result):
            return bool(result), None
        return True, _staged_line(query, reply.content, body)

    def _check_versions(self, result: list[Any], query: RangeQuery, what: str) -> None:
        if query.version is not None and len(result) <= 1:
            return
        seen: set[str | None] = set()
        for series in result:
            labels = series.get("metric") if isinstance(series, dict) else None
            version = query.version
            if version is None and isinstance(labels, dict):
                version = labels.get(self.config.version_label)
            if version in seen:
                shown = "no version" if version is None else f"version '{version}'"
                raise SourceError(
                    f"source '{self.name}': {what} returned several series for {shown}; "
                    f"aggregate them in the template, e.g. avg by ({self.config.version_label}) (…)."
                )
            seen.add(version)

    async def _json(self, client: HttpClient, path: str, params: dict[str, str], what: str) -> Any:
        return self._parse(await self._get(client, path, params, what), what)

    async def _get(self, client: HttpClient, path: str, params: dict[str, str], what: str) -> Reply:
        try:
            reply = await client.get(path, params)
        except HttpFailure as failure:
            raise SourceError(f"source '{self.name}': {what} failed: {failure.reason}.") from None
        if reply.status in (401, 403):
            raise SourceError(
                f"source '{self.name}': Prometheus refused {what} (HTTP {reply.status}: "
                f"{reply.snippet() or 'no body'}): {refused_hint(self.name)}."
            )
        if not reply.ok:
            raise SourceError(f"source '{self.name}': {what} failed: {_explain(reply)}.")
        return reply

    def _parse(self, reply: Reply, what: str) -> Any:
        try:
            body = reply.json()
        except HttpFailure as failure:
            raise SourceError(f"source '{self.name}': {what} failed: {failure.reason}.") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            raise SourceError(f"source '{self.name}': {what} failed: {_explain(reply)}.")
        return body


def _matrix(body: dict[str, Any]) -> list[Any] | None:
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        return None
    result = data.get("result")
    return result if isinstance(result, list) else None


def _has_value(series: Any) -> bool:
    """A series with a point the loader stores (every value but NaN); a malformed one is
    staged, for the loader to refuse."""
    values = series.get("values", []) if isinstance(series, dict) else None
    if not isinstance(values, list):
        return True
    return any(not isinstance(point, list) or point[-1:] != ["NaN"] for point in values)


def _explain(reply: Reply) -> str:
    """A Prometheus error body (or any other answer) as a clause."""
    tries = f" after {reply.attempts} attempts" if reply.attempts > 1 else ""
    try:
        body = json.loads(reply.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("status") == "error":
        kind = body.get("errorType") or "error"
        return f"Prometheus answered {reply.status} {kind}: {body.get('error')}{tries}"
    if reply.status == 429:
        wait = reply.headers.get("retry-after")
        return f"Prometheus is rate limiting (HTTP 429{f', retry after {wait}s' if wait else ''}){tries}"
    if reply.ok:
        return f"the answer is not a Prometheus success response: {reply.snippet()}"
    return f"HTTP {reply.status}{tries}: {reply.snippet() or 'no body'}"


def _staged_line(query: RangeQuery, content: bytes, body: dict[str, Any]) -> bytes:
    """One NDJSON line wrapping the raw response; re-encoded only when it must be."""
    if b"\n" in content or b'"+Inf"' in content:
        content = json.dumps(_without_plus_inf(body), separators=(",", ":")).encode()
    head = json.dumps({"model": query.model, "metric": query.metric, "version": query.version})
    return head[:-1].encode() + b',"body":' + content + b"}\n"


def _without_plus_inf(body: dict[str, Any]) -> dict[str, Any]:
    """DuckDB reads "Infinity" but not Prometheus' "+Inf" as a number; labels stay as they are."""
    for series in body["data"]["result"]:
        series["values"] = [[t, "Infinity" if v == "+Inf" else v] for t, v in series["values"]]
    return body


def _first(failures: BaseExceptionGroup[Any]) -> BaseException:
    leaves: list[BaseException] = list(_leaves(failures))
    for leaf in leaves:
        if isinstance(leaf, SourceError | ConfigError):
            return leaf
    return leaves[0]


def _leaves(group: BaseExceptionGroup[Any]) -> Any:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


def _asked(queries: list[RangeQuery]) -> dict[str, tuple[int, int]]:
    """Per pair: the first and last step time its queries asked for."""
    asked: dict[str, tuple[int, int]] = {}
    for query in queries:
        if query.check_only:
            continue
        start, end = asked.get(query.key, (query.start_ms, query.end_ms))
        asked[query.key] = (min(start, query.start_ms), max(end, query.end_ms))
    return asked


def _loader(files: list[Path], version_label: str, empty: EmptySpans) -> MetricLoader:
    """Loads the staged responses and, in the same transaction, remembers the empty spans."""

    def load(con: duckdb.DuckDBPyConnection, source: str) -> int:
        con.execute(sql("source_state_put"), [source, STATE_KEY, empty.dump()])
        if not files:
            return 0
        parameters = {"files": [str(f) for f in files], "source": source, "label": version_label}
        # rows of a series need no order among themselves: let DuckDB insert in parallel
        con.execute("SET preserve_insertion_order = false")
        try:
            row = con.execute(sql("load/prometheus_query_range"), parameters).fetchone()
        finally:
            con.execute("RESET preserve_insertion_order")
        return int(row[0]) if row else 0

    return load
