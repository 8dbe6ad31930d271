"""Files source benchmark: syncing a folder of metric files (CSV and Parquet) into DuckDB.

A generated workspace holds N models x M metrics x D days of one-minute samples, one file
per model (``--kinds mixed``: every other model a CSV file with ``Z`` times, the rest
Parquet with a TIMESTAMP column; or all Parquet, as the sample workspace, or all CSV);
every third model switches to version 2 half-way. Each checkout given
with ``--tree`` syncs a fresh copy of it four times, in one process (imports not timed),
calling ``sync_workspace`` as ``mrp sync`` does but without the trigger refresh after it:

1. ``first``: an empty state database;
2. ``unchanged``: nothing changed since;
3. ``append``: an hour more of one model appended to its CSV file (a log being written;
   with ``--kinds parquet`` a Parquet file of that hour added);
4. ``rewrite``: one Parquet file (CSV with ``--kinds csv``) written again with an hour
   more (an exporter's output).

Rounds are interleaved (round 1 of every tree, then round 2, ...) so that load from other
work on the machine falls on all of them alike; the table gives each sync's median wall
time, the fetch (read and check the files) and the write phase apart, and the ratio to the
first tree.

Run: ``.venv/bin/python benchmarks/bench_files.py --tree before=/path/to/checkout
--tree this=. [--models 14 --metrics 6 --days 14] [--rounds 3] [--write FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine_info import cpu_name, load_average, memory_gib  # noqa: E402

START = datetime(2026, 11, 1)
METRICS = (
    "accuracy",
    "latency_p99_seconds",
    "drift_score",
    "error_rate",
    "throughput",
    "fairness_gap",
    "calibration_error",
    "null_rate",
)
STEPS = ("first", "unchanged", "append", "rewrite")


def model_name(index: int) -> str:
    return f"model-{index:03d}"


KINDS = ("mixed", "parquet", "csv")


def is_csv_model(index: int, kinds: str) -> bool:
    """Whether a model's file is CSV: every other one (mixed), none, or all."""
    return kinds == "csv" or (kinds == "mixed" and index % 2 == 1)


def samples_sql(index: int, metrics: int, minutes: int, first_minute: int = 0) -> str:
    """One model's samples as a SELECT (model, version, metric, ts, value)."""
    names = ", ".join(f"'{name}'" for name in METRICS[:metrics])
    switch = f"CASE WHEN m >= {minutes // 2} THEN '2' ELSE '1' END" if index % 3 == 0 else "'1'"
    return (
        f"SELECT '{model_name(index)}' AS model, {switch} AS version, metric, "
        f"TIMESTAMP '{START:%Y-%m-%d %H:%M:%S}' + to_minutes(m) AS ts, "
        f"round(0.5 + 0.4 * ((m * 7 + {index * 13} + k) % 97) / 97, 6) AS value "
        f"FROM range({first_minute}, {minutes}) AS r(m), "
        f"(SELECT unnest([{names}]) AS metric, generate_subscripts([{names}], 1) AS k) "
        "ORDER BY ts, metric"
    )


def write_model(folder: Path, index: int, metrics: int, minutes: int, kinds: str) -> None:
    import duckdb

    con = duckdb.connect()
    query = samples_sql(index, metrics, minutes)
    if is_csv_model(index, kinds):
        path = folder / "metrics" / f"{model_name(index)}.csv"
        con.execute(
            f"COPY (SELECT model, version, metric, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts, "
            f"value FROM ({query})) TO '{path}' (HEADER, DELIMITER ',')"
        )
    else:
        path = folder / "metrics" / f"{model_name(index)}.parquet"
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
    con.close()


def generate(folder: Path, models: int, metrics: int, days: int, kinds: str) -> int:
    """Write the workspace; returns the number of samples."""
    minutes = days * 24 * 60
    (folder / "metrics").mkdir(parents=True)
    (folder / "policies").mkdir()
    end = START + timedelta(minutes=minutes)
    (folder / "mrp.toml").write_text(
        'operator = "bench"\n'
        f'[clock]\nfixed = "{end:%Y-%m-%dT%H:%M:%SZ}"\n'
        '[sources.offline]\nkind = "files"\npath = "."\n'
    )
    entries = []
    for index in range(models):
        switched = index % 3 == 0
        half = START + timedelta(minutes=minutes // 2)
        versions = [{"version": "1", "created_at": f"{START:%Y-%m-%dT%H:%M:%SZ}"}]
        history = [{"alias": "champion", "version": "1", "at": f"{START:%Y-%m-%dT%H:%M:%SZ}"}]
        if switched:
            versions.append({"version": "2", "created_at": f"{half:%Y-%m-%dT%H:%M:%SZ}"})
            history.append(
                {"alias": "champion", "version": "2", "at": f"{half:%Y-%m-%dT%H:%M:%SZ}"}
            )
        entries.append(
            {
                "name": model_name(index),
                "team": "bench",
                "risk_tier": "low",
                "versions": [{**v, "status": "approved"} for v in versions],
                "aliases": {"champion": "2" if switched else "1"},
                "history": history,
            }
        )
        write_model(folder, index, metrics, minutes, kinds)
    (folder / "deployments.json").write_text(json.dumps({"models": entries}))
    return models * metrics * minutes


def append_hour(folder: Path, metrics: int, minutes: int, kinds: str) -> None:
    """An hour more of model 1, appended to its CSV file (all Parquet: a file added)."""
    import duckdb

    index = 1
    hour = samples_sql(index, metrics, minutes + 60, minutes)
    con = duckdb.connect()
    if not is_csv_model(index, kinds):
        con.execute(f"COPY ({hour}) TO '{folder / 'metrics' / 'model-001-late.parquet'}'")
        return
    rows = con.execute(
        f"SELECT model, version, metric, strftime(ts, '%Y-%m-%dT%H:%M:%SZ'), value FROM ({hour})"
    )
    with (folder / "metrics" / f"{model_name(index)}.csv").open("a") as appending:
        for model, version, metric, ts, value in rows.fetchall():
            appending.write(f"{model},{version},{metric},{ts},{value}\n")


def rewrite_first(folder: Path, metrics: int, minutes: int, kinds: str) -> None:
    """The first model's file (Parquet unless all are CSV) written again, an hour longer."""
    write_model(folder, 0, metrics, minutes + 60, kinds)


def drive(tree: Path, workspace: Path, metrics: int, minutes: int, kinds: str) -> None:
    """In a subprocess: sync ``workspace`` with the checkout ``tree`` four times; prints the
    timings as JSON."""
    sys.path.insert(0, str(tree))
    from console.settings import open_workspace
    from console.sources.sync import sync_workspace

    ws = open_workspace(workspace)
    results = {}
    for step in STEPS:
        if step == "append":
            append_hour(workspace, metrics, minutes, kinds)
        if step == "rewrite":
            rewrite_first(workspace, metrics, minutes, kinds)
        marks: dict[str, float] = {}

        def progress(_name: str, what: str, marks: dict[str, float] = marks) -> None:
            marks[what] = time.perf_counter()

        began = time.perf_counter()
        outcomes = sync_workspace(ws, progress=progress)
        wall = time.perf_counter() - began
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        fetch = marks["fetched"] - marks["fetching"]
        results[step] = {
            "wall": wall,
            "fetch": fetch,
            "write": wall - (marks["fetched"] - began),
            "points": sum(o.points for o in outcomes),
        }
    print(json.dumps(results))


def machine() -> str:
    import duckdb

    return (
        f"{cpu_name()}, {os.cpu_count()} CPUs, {memory_gib():.0f} GiB RAM (load average "
        f"{load_average()} when done: the machine is shared, so times vary from run to run); "
        f"{platform.platform()}; Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a checkout to time (repeatable; default: this one); ratios are to the first",
    )
    parser.add_argument("--models", type=int, default=14)
    parser.add_argument("--metrics", type=int, default=6, choices=range(1, len(METRICS) + 1))
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--kinds",
        choices=KINDS,
        default="mixed",
        help="files written: every other model as CSV (mixed), or all Parquet, or all CSV",
    )
    parser.add_argument("--write", type=Path, help="also write the results as Markdown here")
    parser.add_argument("--drive", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        tree, workspace, metrics, minutes = args.drive
        drive(Path(tree), Path(workspace), int(metrics), int(minutes), args.kinds)
        return
    trees = [tuple(t.split("=", 1)) for t in args.tree] or [("this", str(REPO))]
    report = run(
        [(name, Path(path).resolve()) for name, path in trees],
        args.models,
        args.metrics,
        args.days,
        args.rounds,
        args.kinds,
    )
    print(report)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(report)


def run(
    trees: list[tuple[str, Path]], models: int, metrics: int, days: int, rounds: int, kinds: str
) -> str:
    minutes = days * 24 * 60
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        source = Path(tmp) / "source"
        began = time.perf_counter()
        samples = generate(source, models, metrics, days, kinds)
        built = time.perf_counter() - began
        size = sum(p.stat().st_size for p in (source / "metrics").iterdir()) / 2**20
        print(f"generated {samples:,} samples ({size:.0f} MiB) in {built:.0f}s", file=sys.stderr)
        timings: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name, _ in trees}
        for round_ in range(rounds):
            for name, tree in trees:
                workspace = Path(tmp) / f"{name}-{round_}"
                shutil.copytree(source, workspace)
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--kinds",
                        kinds,
                        "--drive",
                        str(tree),
                        str(workspace),
                        str(metrics),
                        str(minutes),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=tmp,
                    env={**os.environ, "PYTHONPATH": str(tree)},
                )
                if done.returncode != 0:
                    raise SystemExit(f"{name}: {done.stderr}")
                timings[name].append(json.loads(done.stdout.splitlines()[-1]))
                shutil.rmtree(workspace)
                first = timings[name][-1]["first"]
                print(f"round {round_ + 1} {name}: first {first['wall']:.2f}s", file=sys.stderr)
    return report(trees, timings, models, metrics, days, samples, size, rounds, kinds)


def _median(runs: list[dict[str, dict[str, float]]], step: str, what: str) -> float:
    return statistics.median(run[step][what] for run in runs)


def report(
    trees: list[tuple[str, Path]],
    timings: dict[str, list[dict[str, dict[str, float]]]],
    models: int,
    metrics: int,
    days: int,
    samples: int,
    size: float,
    rounds: int,
    kinds: str,
) -> str:
    base = trees[0][0]
    csv_files = sum(is_csv_model(index, kinds) for index in range(models))
    lines = [
        "# Files source benchmark",
        "",
        f"`benchmarks/bench_files.py`, run {datetime.now(UTC):%Y-%m-%d %H:%M UTC} on: {machine()}.",
        "",
        f"Workspace: {models} models x {metrics} metrics x {days} days at one sample a minute "
        f"= {samples:,} samples, one file per model ({csv_files} CSV, "
        f"{models - csv_files} Parquet; {size:.0f} MiB). Median of {rounds} "
        "interleaved rounds; each round a fresh copy of the workspace and a fresh process per "
        "checkout. Seconds of `sync_workspace` (no trigger refresh after it); `fetch` reads "
        "and checks the files, `write` is the one transaction that stores them.",
        "",
        "| checkout | sync | wall s | fetch s | write s | points | wall vs " + base + " |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for step in STEPS:
        for name, _tree in trees:
            runs = timings[name]
            wall = _median(runs, step, "wall")
            ratio = wall / _median(timings[base], step, "wall")
            lines.append(
                f"| {name} | {step} | {wall:.2f} | {_median(runs, step, 'fetch'):.2f} | "
                f"{_median(runs, step, 'write'):.2f} | {int(_median(runs, step, 'points')):,} | "
                f"{ratio:.2f} |"
            )
    lines += ["", "All rounds (wall seconds, first / unchanged / append / rewrite):", ""]
    for name, _tree in trees:
        for number, run in enumerate(timings[name], start=1):
            walls = " / ".join(f"{run[step]['wall']:.2f}" for step in STEPS)
            lines.append(f"- {name}, round {number}: {walls}")
    lines.append("")
    lines.append("Checkouts: " + "; ".join(f"{name} = `{tree}`" for name, tree in trees) + ".")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
