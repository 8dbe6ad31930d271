"""The ``files`` source: everything offline from a folder (DESIGN.md, Sample data format).

``deployments.json`` gives models, versions, aliases and history; ``metrics/*.parquet`` and
``metrics/*.csv`` (columns model, version, metric, ts, value) the metric history, read in
bulk by DuckDB; ``events.jsonl`` events such as security findings. Every file is checked
before anything is written, so a bad file changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from console.clock import parse_time
from console.errors import ConfigError
from console.settings import FilesSource, Workspace
from console.sources.base import SyncContext
from console.sources.deployments_file import read_deployments
from console.sources.records import EventRecord, MetricLoader, SourceBatch
from console.store.queries import sql

REQUIRED_COLUMNS = ("model", "version", "metric", "ts", "value")
FINGERPRINT_KEY = "metrics_fingerprint"


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
        parquet = sorted((self.folder / "metrics").glob("*.parquet"))
        csv = sorted((self.folder / "metrics").glob("*.csv"))
        current = fingerprint([*parquet, *csv])
        if context.source_state.get(FINGERPRINT_KEY) != current:
            for path in [*parquet, *csv]:
                check_metrics_file(path)
            batch.metric_loader = _loader(parquet, csv, current)
        return batch


def check_metrics_file(path: Path) -> None:
    """Raise one sentence naming the file and row when a metrics file is unusable."""
    con = duckdb.connect()
    try:
        if path.suffix == ".parquet":
            relation = con.read_parquet(str(path))
        else:
            relation = con.read_csv(str(path), header=True, all_varchar=True)
        relation.create_view("metric_source")
        columns = [row[0] for row in con.execute("DESCRIBE metric_source").fetchall()]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ConfigError(
                f"{path}: missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (a metrics file has columns {', '.join(REQUIRED_COLUMNS)})."
            )
        con.execute(
            "CREATE VIEW metric_rows AS SELECT model::VARCHAR AS model, metric::VARCHAR AS metric, "
            "ts::VARCHAR AS ts, value::VARCHAR AS value FROM metric_source"
        )
        bad = con.execute(sql("check_metrics_file")).fetchone()
        if bad:
            raise ConfigError(f"{path}: row {bad[0]}: {bad[1]}.")
    except duckdb.Error as error:
        raise ConfigError(f"{path}: cannot be read: {str(error).splitlines()[0]}") from None
    finally:
        con.close()


def fingerprint(paths: list[Path]) -> str:
    """Changes whenever a metric file is added, removed, rewritten or touched."""
    parts = []
    for path in paths:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _loader(parquet: list[Path], csv: list[Path], current: str) -> MetricLoader:
    """Replace the source's metrics and remember which files they came from."""

    def load(con: duckdb.DuckDBPyConnection, source: str) -> int:
        con.execute(sql("delete_source_metrics"), {"source": source})
        con.execute(sql("source_state_put"), [source, FINGERPRINT_KEY, current])
        before = _count(con, source)
        if parquet:
            con.execute(
                sql("load/metrics_parquet"), {"files": [str(p) for p in parquet], "source": source}
            )
        if csv:
            con.execute(sql("load/metrics_csv"), {"files": [str(p) for p in csv], "source": source})
        return _count(con, source) - before

    return load


def _count(con: duckdb.DuckDBPyConnection, source: str) -> int:
    row = con.execute("SELECT count(*) FROM metrics WHERE source = ?", [source]).fetchone()
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
