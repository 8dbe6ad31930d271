"""The files source's metric files, checked and staged in one pass before the write phase.

Each file is opened once as a view of its checked rows (files/metric_rows_macro.sql). A
scan of the names in the files changed since the last sync lists the series each holds;
one aggregate over the files that hold a series the changed files hold or held converts
and checks their rows, stores each point once and finds a series given two values at one
time, in one file or in two. The staging connection writes those points, by time, as
Parquet in the sync's staging folder, which the write phase reads into the state database,
so that phase only compares and inserts. What is wrong is named by ``files_check``, which
reads the one file again to number its lines.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from console.errors import ConfigError
from console.sources.files_check import (
    check_metrics_file,
    define_metric_rows,
    empty_file,
    has_columns,
    metric_rows_view,
    open_metrics_file,
    unreadable,
    where,
)
from console.store.queries import sql

Series = tuple[str, str | None, str]


@dataclass(frozen=True)
class FileRecord:
    """What a sync read from one metric file: its size and time, and the series it holds."""

    stamp: str
    series: frozenset[Series]


@dataclass(frozen=True)
class StagedMetrics:
    """The checked points of the series a sync rewrites, and those series, written by the
    staging connection as Parquet files in the sync's staging folder (DuckDB writes and reads
    them itself: passing them between connections in memory would take pyarrow) until the
    write phase reads them (``register``)."""

    folder: Path
    full: bool
    """Every stored series is rewritten: no record says what each file held."""
    files: dict[str, FileRecord]

    def register(self, target: duckdb.DuckDBPyConnection) -> None:
        """Make the points to store (by time) and the series rewritten the views
        ``staged_points`` and ``staged_series`` of ``target``."""
        target.read_parquet(str(self.folder / STAGED_POINTS)).create_view("staged_points")
        target.read_parquet(str(self.folder / STAGED_SERIES)).create_view("staged_series")

    @staticmethod
    def unregister(target: duckdb.DuckDBPyConnection) -> None:
        for name in ("staged_points", "staged_series"):
            target.unregister(name)


STAGED_POINTS = "points.parquet"
STAGED_SERIES = "series.parquet"


def stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def encode_records(files: dict[str, FileRecord]) -> str:
    return json.dumps(
        {
            name: {"stamp": record.stamp, "series": sorted(map(list, record.series), key=str)}
            for name, record in sorted(files.items())
        },
        separators=(",", ":"),
    )


def decode_records(text: str | None) -> dict[str, FileRecord] | None:
    """The records a sync kept (None when there are none or they cannot be read: every file
    is then read as changed)."""
    if not text:
        return None
    try:
        raw = json.loads(text)
        return {
            name: FileRecord(
                str(entry["stamp"]),
                frozenset(
                    (str(m), None if v is None else str(v), str(k)) for m, v, k in entry["series"]
                ),
            )
            for name, entry in raw.items()
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def stage_metrics(
    paths: list[Path], previous: dict[str, FileRecord] | None, folder: Path
) -> StagedMetrics:
    """Check the metric files ``paths`` and stage the points of the series that changed
    since ``previous``; raise one sentence naming the file and line of a problem."""
    staged = Path(tempfile.mkdtemp(prefix="files-", dir=folder))
    con = duckdb.connect(config={"temp_directory": str(staged / "duckdb-spill")})
    try:
        full, files = _stage(con, paths, previous)
        con.sql(sql("files/staged_points")).write_parquet(str(staged / STAGED_POINTS))
        con.sql(sql("files/staged_series")).write_parquet(str(staged / STAGED_SERIES))
        return StagedMetrics(staged, full, files)
    except duckdb.Error as error:
        for path in paths:
            check_metrics_file(path)
        raise ConfigError(
            f"{paths[0].parent if paths else folder}: the metric files cannot be read: "
            f"{str(error).splitlines()[0]}."
        ) from None
    finally:
        con.close()


def _stage(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    previous: dict[str, FileRecord] | None,
) -> tuple[bool, dict[str, FileRecord]]:
    """Stage the points in the tables ``points`` and ``affected`` of ``con``; returns
    whether every stored series is rewritten, and what each file holds."""
    define_metric_rows(con)
    stamps = {path.name: stamp(path) for path in paths}
    before = previous or {}
    views: dict[int, str] = {}
    held: dict[int, set[Series]] = {}
    for index, path in enumerate(paths):
        record = before.get(path.name)
        if record is None or record.stamp != stamps[path.name]:
            views[index] = _rows_view(con, index, path)
            held[index] = set()
    if held:
        listed = con.execute(sql("files/file_series"), {"files": list(views.values())})
        for index, model, version, metric in listed.fetchall():
            held[index].add((model, version, metric))
    affected: set[Series] = set().union(*held.values())
    for name, record in before.items():
        if stamps.get(name) != record.stamp:
            affected |= record.series
    for index, path in enumerate(paths):
        if index not in views and not affected.isdisjoint(before[path.name].series):
            views[index] = _rows_view(con, index, path)
    ordered = sorted(affected, key=str)
    con.execute(
        sql("files/affected_series"),
        {
            "models": [s[0] for s in ordered],
            "versions": [s[1] for s in ordered],
            "metrics": [s[2] for s in ordered],
        },
    )
    if views:
        con.execute(sql("files/stage_points"), {"files": [views[i] for i in sorted(views)]})
        unusable = con.execute(sql("files/first_unusable_file")).fetchone()
        if unusable and unusable[0] is not None:
            check_metrics_file(paths[unusable[0]])
            raise ConfigError(f"{paths[unusable[0]]}: a row is unusable.")
        clash = con.execute(sql("files/points_conflict")).fetchone()
        if clash:
            raise _conflict(con, paths, views, clash)
    else:
        con.execute(sql("files/no_points"))
    files = {
        path.name: FileRecord(stamps[path.name], frozenset(held[index]))
        if index in held
        else before[path.name]
        for index, path in enumerate(paths)
    }
    return previous is None, files


def _rows_view(con: duckdb.DuckDBPyConnection, index: int, path: Path) -> str:
    if path.stat().st_size == 0:
        raise empty_file(path)
    try:
        relation = open_metrics_file(con, path)
    except duckdb.Error as error:
        check_metrics_file(path)
        raise unreadable(path, error) from None
    if not has_columns(relation):
        check_metrics_file(path)
    return metric_rows_view(con, relation, index)


def _conflict(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    views: dict[int, str],
    clash: tuple[str, str | None, str, object, str],
) -> ConfigError:
    """Name the first two rows, in the order of the files, that give the series of
    ``clash`` two values at its time."""
    model, version, metric, ts, moment = clash
    first: tuple[Path, int, float] | None = None
    for index in sorted(views):
        path, rows = paths[index], views[index]
        found = con.execute(
            sql("files/conflict_rows"),
            {"rows": rows, "model": model, "version": version, "metric": metric, "ts": ts},
        ).fetchall()
        for row, number in found:
            if first is None:
                first = (path, row, number)
            elif number != first[2]:
                there = where(first[0], first[1])
                if first[0] != path:
                    there += f" of {first[0].name}"
                return ConfigError(
                    f"{path}: {where(path, row)}: {model} version {version or '(none)'} {metric} "
                    f"at {moment} is {number:g} here but {first[2]:g} on {there} (a series has "
                    "one value at a time; a row repeated with the same value is fine)."
                )
    return ConfigError(
        f"{model} version {version or '(none)'} {metric} at {moment} has two values in the "
        "metric files (a series has one value at a time)."
    )
