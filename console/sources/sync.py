"""Sync: every source fetches concurrently, then each batch is written in one transaction.

The network phase holds no database lock; the write phase opens the state database once,
briefly. A failing source is recorded in ``sync_runs`` with its error and leaves its stored
data untouched while the others still sync.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from console.clock import aware_utc, naive_utc
from console.errors import ConfigError, MrpError
from console.settings import Workspace
from console.sources.base import SyncContext
from console.sources.records import SourceBatch, SyncWarning
from console.sources.registry import build_source
from console.sources.writer import write_batch
from console.store import connect, sql


@dataclass(frozen=True)
class SyncOutcome:
    source: str
    kind: str
    started: datetime
    finished: datetime
    points: int = 0
    models: int = 0
    error: str | None = None
    exit_code: int = 0
    """1 when the source failed (its stored data kept); 2 when its input is invalid."""
    warnings: tuple[SyncWarning, ...] = ()
    """What the source brought that worked but is of no use as it stands (a template
    matching no series): the sync still succeeded."""
    last_sample: datetime | None = None
    """The source's newest stored sample: with no new points, what nothing came after."""

    @property
    def ok(self) -> bool:
        return self.error is None


Progress = Callable[[str, str], None]
"""Called with (source name, what happened) as a sync goes."""

AfterWrite = Callable[..., None]


def _contexts(
    workspace: Workspace, names: list[str], now: datetime, stage: Path
) -> dict[str, SyncContext]:
    with connect(workspace.db_path, read_only=True) as con:
        known = tuple(row[0] for row in con.execute(sql("known_models")).fetchall())
        contexts = {}
        for name in names:
            marks = {
                (model, metric): aware_utc(last)
                for model, metric, last in con.execute(sql("source_watermarks"), [name]).fetchall()
            }
            remembered = dict(con.execute(sql("source_state_all"), [name]).fetchall())
            folder = stage / name
            folder.mkdir()
            contexts[name] = SyncContext(workspace, now, folder, marks, known, remembered)
    return contexts


async def _fetch_all(
    workspace: Workspace,
    names: list[str],
    contexts: dict[str, SyncContext],
    progress: Progress | None,
) -> dict[str, SourceBatch | MrpError]:
    async def one(name: str) -> SourceBatch | MrpError:
        if progress:
            progress(name, "fetching")
        try:
            source = build_source(name, workspace.config.sources[name], workspace)
            batch = await source.fetch(contexts[name])
        except MrpError as error:
            if progress:
                progress(name, "failed")
            return error
        except Exception as error:  # a source bug must not take the other sources down
            if progress:
                progress(name, "failed")
            return MrpError(
                f"source '{name}' failed unexpectedly: {type(error).__name__}: {error}", 1
            )
        if progress:
            progress(name, "fetched")
        return batch

    results = await asyncio.gather(*(one(name) for name in names))
    return dict(zip(names, results, strict=True))


def sync_workspace(
    workspace: Workspace,
    only: str | None = None,
    progress: Progress | None = None,
    after_write: AfterWrite | None = None,
) -> list[SyncOutcome]:
    """Sync every source (or ``only`` one); returns one outcome per source."""
    sources = workspace.config.sources
    if only is not None and only not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise ConfigError(
            f"no source named '{only}' in {workspace.config_path} (sources: {known})."
        )
    names = [only] if only else sorted(sources)
    now = workspace.clock().now()
    started = datetime.now(UTC)
    stage = Path(tempfile.mkdtemp(prefix="mrp-sync-"))
    try:
        contexts = _contexts(workspace, names, now, stage)
        fetched = asyncio.run(_fetch_all(workspace, names, contexts, progress))
        return _write_all(workspace, fetched, now, started, after_write)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _write_all(
    workspace: Workspace,
    fetched: dict[str, SourceBatch | MrpError],
    now: datetime,
    started: datetime,
    after_write: AfterWrite | None,
) -> list[SyncOutcome]:
    outcomes = []
    with connect(workspace.db_path) as con:
        for name, result in fetched.items():
            kind = workspace.config.sources[name].kind
            points = models = code = 0
            error: str | None = None
            warnings: tuple[SyncWarning, ...] = ()
            last: datetime | None = None
            if isinstance(result, MrpError):
                error, code = result.message, result.exit_code
            else:
                con.execute("BEGIN TRANSACTION")
                try:
                    points = write_batch(con, result, now)
                    models = len(result.models) or int(result.notes.get("models", 0))
                    last = _last_sample(con, result)
                    con.execute("COMMIT")
                    warnings = tuple(result.warnings)
                except MrpError as failure:
                    con.execute("ROLLBACK")
                    error, code = failure.message, failure.exit_code
                except Exception as failure:
                    con.execute("ROLLBACK")
                    error, code = f"source '{name}': its data could not be stored: {failure}", 1
            finished = datetime.now(UTC)
            con.execute(
                sql("record_sync_run"),
                [
                    name,
                    naive_utc(started),
                    naive_utc(finished),
                    points,
                    models,
                    error,
                    [{"metric": w.metric, "message": w.message} for w in warnings],
                ],
            )
            outcomes.append(
                SyncOutcome(
                    name, kind, started, finished, points, models, error, code, warnings, last
                )
            )
        if after_write is not None:
            after_write(con, now)
    return outcomes


def _last_sample(con: duckdb.DuckDBPyConnection, batch: SourceBatch) -> datetime | None:
    """The newest sample the source has stored (None when it stores no metrics)."""
    if batch.replace_metrics:
        return None
    marks = con.execute(sql("source_watermarks"), [batch.source]).fetchall()
    wanted = batch.metric_names
    return max(
        (aware_utc(last) for _model, metric, last in marks if wanted is None or metric in wanted),
        default=None,
    )
