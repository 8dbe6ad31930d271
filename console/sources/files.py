"""The ``files`` source: everything offline from a folder (DESIGN.md, Sample data format).

``deployments.json`` gives models, versions, aliases and history; ``metrics/*.parquet`` and
``metrics/*.csv`` (columns model, version, metric, ts, value) the metric history, read in
bulk by DuckDB; ``events.jsonl`` events such as security findings. Every file is checked
before anything is written, so a bad file changes nothing; a problem is named by its file
and line (CSV) or row (Parquet). The metric files are the source's whole history: a sync
that finds a file changed, added or removed rewrites the series that file holds or held
(checked against every file, so one series has one value at a time across files) and says
when stored points are gone from the files.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import duckdb

from console.clock import parse_time
from console.errors import ConfigError
from console.settings import FilesSource, Workspace
from console.sources.base import SyncContext
from console.sources.deployments_file import read_deployments
from console.sources.files_stage import (
    StagedMetrics,
    decode_records,
    encode_records,
    stage_metrics,
)
from console.sources.records import EventRecord, MetricLoader, SourceBatch, SyncWarning
from console.store.queries import sql, statements
from console.text import plural

FINGERPRINT_KEY = "metrics_fingerprint"
FILES_KEY = "metric_files"
"""What the last sync read from each metric file (files_stage.FileRecord, as JSON)."""
METRIC_SUFFIXES = (".csv", ".parquet")


class FilesSourceReader:
    def __init__(self, name: str, config: FilesSource, workspace: Workspace) -> None:
        self.name = name
        self.folder = (workspace.root / config.path).resolve()

    async def fetch(self, context: SyncContext) -> SourceBatch:
        if not self.folder.is_dir():
            raise ConfigError(f"source '{self.name}': the folder {self.folder} does not exist.")
        batch = SourceBatch(self.name, snapshot=True)
        read_deployments(self.folder / "deployments.json", batch)
        events = self.folder / "events.jsonl"
        if events.exists():
            batch.events.extend(read_events(events))
        parquet, csv_files, ignored = metric_files(self.folder / "metrics")
        batch.warnings.extend(
            SyncWarning(f"metrics/{path.name} is not read: a metric file ends in .csv or .parquet.")
            for path in ignored
        )
        current = fingerprint([*parquet, *csv_files])
        if context.source_state.get(FINGERPRINT_KEY) != current:
            staged = await asyncio.to_thread(
                stage_metrics,
                [*parquet, *csv_files],
                decode_records(context.source_state.get(FILES_KEY)),
                context.staging_dir,
            )
            batch.metric_loader = _loader(staged, current, batch)
        return batch


def metric_files(folder: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The Parquet and CSV files in ``folder``, and the other files there (not read)."""
    if not folder.is_dir():
        return [], [], []
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    parquet = [p for p in files if p.suffix.lower() == ".parquet"]
    csv_files = [p for p in files if p.suffix.lower() == ".csv"]
    ignored = [p for p in files if p.suffix.lower() not in METRIC_SUFFIXES]
    return parquet, csv_files, ignored


def fingerprint(paths: list[Path]) -> str:
    """Changes whenever a metric file is added, removed, rewritten or touched."""
    parts = []
    for path in paths:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _loader(staged: StagedMetrics, current: str, batch: SourceBatch) -> MetricLoader:
    """Bring the source's stored metrics to what the files hold, rewriting only the series
    staged; returns the points that were not stored before, and warns of stored points the
    files no longer hold."""

    def load(con: duckdb.DuckDBPyConnection, source: str) -> int:
        con.execute(sql("files/delete_watermarks"), {"source": source})
        con.execute(sql("source_state_put"), [source, FINGERPRINT_KEY, current])
        con.execute(sql("source_state_put"), [source, FILES_KEY, encode_records(staged.files)])
        added, removed = _store(con, source, staged)
        if removed:
            batch.warnings.append(
                SyncWarning(
                    f"{plural(removed, 'stored point')} {'is' if removed == 1 else 'are'} no "
                    "longer in its metric files (a file removed, emptied or rewritten) and "
                    f"{'was' if removed == 1 else 'were'} removed from the state database."
                )
            )
        return added

    return load


def _store(con: duckdb.DuckDBPyConnection, source: str, staged: StagedMetrics) -> tuple[int, int]:
    """Insert the staged points the source has not stored and delete the stored points of
    the staged series the files no longer give; returns (added, removed)."""
    staged.register(con)
    try:
        if staged.full and not _first(con, sql("files/source_has_metrics"), {"source": source}):
            return _first(con, sql("files/insert_points_all"), {"source": source}), 0
        for statement in statements("files/keep_staged"):
            con.execute(statement)
    finally:
        staged.unregister(con)
    removed = _first(con, sql("files/delete_points_gone"), {"source": source, "full": staged.full})
    added = _first(con, sql("files/insert_points_new"), {"source": source})
    for statement in statements("files/drop_staged"):
        con.execute(statement)
    return added, removed


def _first(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object]) -> int:
    row = con.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def read_events(path: Path) -> list[EventRecord]:
    events = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                events.append(
                    EventRecord(
                        ts=parse_time(raw["ts"]),
                        model=str(raw["model"]),
                        kind=str(raw["kind"]),
                        version=None if raw.get("version") is None else str(raw["version"]),
                        severity=raw.get("severity"),
                        summary=raw.get("summary"),
                        resolved_at=parse_time(raw["resolved_at"])
                        if raw.get("resolved_at")
                        else None,
                    )
                )
            except json.JSONDecodeError as error:
                raise ConfigError(f"{path}: line {number}: not valid JSON ({error.msg}).") from None
            except KeyError as error:
                raise ConfigError(f"{path}: line {number}: the key {error} is missing.") from None
            except (ValueError, TypeError, AttributeError) as error:
                raise ConfigError(f"{path}: line {number}: {error}.") from None
    return events
