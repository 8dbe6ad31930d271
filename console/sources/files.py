"""The ``files`` source: everything offline from a folder (DESIGN.md, Sample data format).

``deployments.json`` gives models, versions, aliases and history; ``metrics/*.parquet`` and
``metrics/*.csv`` (columns model, version, metric, ts, value) the metric history, read in
bulk by DuckDB; ``events.jsonl`` events such as security findings. Every file is checked
before anything is written, so a bad file changes nothing; a problem is named by its file
and line (CSV) or row (Parquet). The metric files are the source's whole history: each
sync that finds them changed re-reads them all, and says when stored points are gone from
them.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb

from console.clock import parse_time
from console.errors import ConfigError
from console.settings import FilesSource, Workspace
from console.sources.base import SyncContext
from console.sources.deployments_file import read_deployments
from console.sources.records import EventRecord, MetricLoader, SourceBatch, SyncWarning
from console.store.queries import sql
from console.text import plural

REQUIRED_COLUMNS = ("model", "version", "metric", "ts", "value")
FINGERPRINT_KEY = "metrics_fingerprint"
METRIC_SUFFIXES = (".csv", ".parquet")
_DELIMITERS = (",", ";", "\t", "|")


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
            for path in [*parquet, *csv_files]:
                check_metrics_file(path)
            batch.metric_loader = _loader(parquet, csv_files, current, batch)
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


def check_metrics_file(path: Path) -> None:
    """Raise one sentence naming the file and line (row, for Parquet) when a metrics file is
    unusable."""
    if path.stat().st_size == 0:
        raise ConfigError(
            f"{path}: the file is empty; a metrics file starts with the header line "
            f"{','.join(REQUIRED_COLUMNS)}."
        )
    is_csv = path.suffix.lower() == ".csv"
    con = duckdb.connect()
    try:
        try:
            if is_csv:
                relation = con.read_csv(str(path), header=True, all_varchar=True)
            else:
                relation = con.read_parquet(str(path))
            relation.create_view("metric_source")
            columns = [row[0] for row in con.execute("DESCRIBE metric_source").fetchall()]
            if is_csv and any(name not in columns for name in REQUIRED_COLUMNS):
                problem = csv_problem(path)
                if problem:
                    raise ConfigError(f"{path}: {problem}.")
            _check_columns(path, columns)
            con.execute(sql("files/metric_rows_view"))
            bad = con.execute(sql("check_metrics_file")).fetchone()
            conflict = None if bad else con.execute(sql("files/metrics_conflicting_duplicate"))
            clash = conflict.fetchone() if conflict is not None else None
        except duckdb.Error as error:
            problem = csv_problem(path) if is_csv else None
            raise ConfigError(
                f"{path}: {problem or 'cannot be read: ' + str(error).splitlines()[0]}."
            ) from None
    finally:
        con.close()

    def where(row: int) -> str:
        return f"line {line_of_row(path, row)}" if is_csv else f"row {row}"

    if bad:
        raise ConfigError(f"{path}: {where(bad[0])}: {bad[1]}.")
    if clash:
        row, first, model, version, metric, moment, value, earlier = clash
        raise ConfigError(
            f"{path}: {where(row)}: {model} version {version or '(none)'} {metric} at {moment} "
            f"is {value:g} here but {earlier:g} on {where(first)} (a series has one value at "
            "a time; a row repeated with the same value is fine)."
        )


def _check_columns(path: Path, columns: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ConfigError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(its header is {','.join(columns)}; a metrics file has the columns "
            f"{', '.join(REQUIRED_COLUMNS)})."
        )


def csv_problem(path: Path) -> str | None:
    """Why DuckDB cannot read a CSV file, as ``line N: ...`` without a final period: line
    ends of two kinds, a line with more or fewer fields than the header, text that is not
    UTF-8. None when none of these is found."""
    header: list[str] | None = None
    delimiter = ","
    first_end = b""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            end = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
            if end and not first_end:
                first_end = end
            elif end and end != first_end:
                return (
                    f"line {number}: ends with {_line_end(end)} where the lines before end with "
                    f"{_line_end(first_end)}; write the file with one kind of line end (a "
                    "Python csv.writer ends lines with \\r\\n unless given lineterminator='\\n')"
                )
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                return f"line {number}: not UTF-8 text"
            if not text.strip():
                continue
            if header is None:
                delimiter = max(_DELIMITERS, key=text.count)
                header = next(csv.reader([text], delimiter=delimiter))
                continue
            fields = next(csv.reader([text], delimiter=delimiter), [])
            if len(fields) != len(header):
                if not end:
                    return (
                        f"line {number}, the last, has {len(fields)} of the {len(header)} "
                        "fields of the header and no line end, as if something were still writing it "
                        "(the next sync reads it again)"
                    )
                return f"line {number}: {len(fields)} fields where the header has {len(header)}"
    return None


def _line_end(end: bytes) -> str:
    return "\\r\\n (CRLF)" if end == b"\r\n" else "\\n (LF)"


def line_of_row(path: Path, row: int) -> int:
    """The line of a CSV file that holds data row ``row`` (1-based; the header and blank
    lines are not rows, as DuckDB reads them)."""
    seen = -1
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            seen += 1
            if seen == row:
                return number
    return row + 1


def fingerprint(paths: list[Path]) -> str:
    """Changes whenever a metric file is added, removed, rewritten or touched."""
    parts = []
    for path in paths:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _loader(
    parquet: list[Path], csv_files: list[Path], current: str, batch: SourceBatch
) -> MetricLoader:
    """Replace the source's metrics and remember which files they came from; returns the
    points that were not stored before, and warns of stored points the files no longer
    hold."""

    def load(con: duckdb.DuckDBPyConnection, source: str) -> int:
        con.execute(sql("files/keep_stored_metrics"), {"source": source})
        con.execute(sql("delete_source_metrics"), {"source": source})
        con.execute(sql("files/delete_watermarks"), {"source": source})
        con.execute(sql("source_state_put"), [source, FINGERPRINT_KEY, current])
        if parquet:
            con.execute(
                sql("load/metrics_parquet"), {"files": [str(p) for p in parquet], "source": source}
            )
        if csv_files:
            con.execute(
                sql("load/metrics_csv"), {"files": [str(p) for p in csv_files], "source": source}
            )
        changed = con.execute(sql("files/metrics_changed"), {"source": source}).fetchone()
        con.execute(sql("files/drop_stored_metrics"))
        added, removed = (int(changed[0]), int(changed[1])) if changed else (0, 0)
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
