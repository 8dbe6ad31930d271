"""Ingest benchmark: Prometheus query_range responses into DuckDB, and a full sync.

1. A real Prometheus (Debian's 2.42, backfilled with promtool) holds 24 h of one-minute
   history for 100 models x 6 metrics. A full `sync` of it is timed end to end, and its
   phases apart: the HTTP fetch (Prometheus evaluating the queries, transfer), checking the
   JSON in Python, and the write transaction in DuckDB.
2. The responses that sync received are the recording for the ingest benchmark: loading
   them with mrp's loader (one INSERT … SELECT over read_json) is timed beside a naive
   row-by-row ``executemany`` on a sample of the same points, extrapolated to all of them.

Run: ``.venv/bin/python benchmarks/bench_ingest.py [--write benchmarks/results/ingest.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
from machine_info import cpu_name, load_average, memory_gib  # noqa: E402

from console.settings import Workspace, load_config  # noqa: E402
from console.sources.base import SyncContext  # noqa: E402
from console.sources.prometheus import PrometheusSourceReader  # noqa: E402
from console.sources.sync import sync_workspace  # noqa: E402
from console.sources.writer import write_batch  # noqa: E402
from console.store import connect  # noqa: E402
from tests.integration.servers import Series, build_prometheus_blocks, start_prometheus  # noqa: E402

MODELS = 100
METRICS = (
    "accuracy",
    "latency_p99_seconds",
    "drift_score",
    "fairness_gap",
    "error_rate",
    "throughput",
)
HOURS = 24
NAIVE_SAMPLE = 20_000
RUNS = 5


def history(t0: int) -> list[Series]:
    """One sample a minute; every tenth model switches from version 1 to 2 half-way."""
    minutes = HOURS * 60
    series = []
    for m in range(MODELS):
        model = f"model-{m:03d}"
        for k, metric in enumerate(METRICS):
            values = [
                (t0 + 60 * i, round(0.5 + 0.4 * ((i * 7 + m * 13 + k) % 97) / 97, 6))
                for i in range(minutes)
            ]
            if m % 10 == 0:
                half = minutes // 2
                series.append(
                    Series(f"model_{metric}", {"model": model, "version": "1"}, values[:half])
                )
                series.append(
                    Series(f"model_{metric}", {"model": model, "version": "2"}, values[half:])
                )
            else:
                series.append(Series(f"model_{metric}", {"model": model, "version": "1"}, values))
    return series


def config(url: str, now: datetime) -> str:
    models = json.dumps([f"model-{m:03d}" for m in range(MODELS)])
    metrics = "\n".join(
        f"{name} = 'avg by (version) (model_{name}{{model=\"{{model}}\"}})'" for name in METRICS
    )
    return f"""
[clock]
fixed = "{now.strftime("%Y-%m-%dT%H:%M:%SZ")}"
[sources.prom]
kind = "prometheus"
url = "{url}"
step = "1m"
backfill = "{HOURS}h"
timeout = "30s"
concurrency = 8
models = {models}
[sources.prom.metrics]
{metrics}
"""


def workspace(folder: Path, url: str, now: datetime) -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mrp.toml").write_text(config(url, now))
    return Workspace(folder, load_config(folder / "mrp.toml"))


def timed_fetch(ws: Workspace, now: datetime, stage: Path) -> tuple[float, object]:
    stage.mkdir(parents=True, exist_ok=True)
    reader = PrometheusSourceReader("prom", ws.config.sources["prom"], ws)  # type: ignore[arg-type]
    context = SyncContext(ws, now, stage)
    start = time.perf_counter()
    batch = asyncio.run(reader.fetch(context))
    return time.perf_counter() - start, batch


def json_check_seconds(files: list[Path]) -> float:
    """What checking the bodies costs in Python (json.loads of every response)."""
    start = time.perf_counter()
    for path in files:
        json.loads(path.read_bytes())
    return time.perf_counter() - start


def load_seconds(batch: object, db: Path, now: datetime) -> tuple[float, int]:
    with connect(db) as con:
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        points = write_batch(con, batch, now)  # type: ignore[arg-type]
        con.execute("COMMIT")
        return time.perf_counter() - start, points


def naive_rate(files: list[Path], db: Path) -> tuple[float, int]:
    """Row-by-row: parse in Python, executemany one INSERT per point, on a sample."""
    rows = []
    for path in files:
        line = json.loads(path.read_bytes())
        for series in line["body"]["data"]["result"]:
            version = series["metric"].get("version")
            for ts, value in series["values"]:
                moment = datetime.fromtimestamp(ts, tz=UTC).replace(tzinfo=None)
                rows.append((line["model"], version, line["metric"], moment, float(value), "naive"))
                if len(rows) >= NAIVE_SAMPLE:
                    break
            if len(rows) >= NAIVE_SAMPLE:
                break
        if len(rows) >= NAIVE_SAMPLE:
            break
    with connect(db) as con:
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
        seconds = time.perf_counter() - start
    return len(rows) / seconds, len(rows)


def machine() -> str:
    cpu, memory = cpu_name(), memory_gib()
    prom = subprocess.run(
        ["prometheus", "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    load = load_average()
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {memory:.0f} GiB RAM (load average {load} when done: "
        f"the machine is shared, so rates vary from run to run); {platform.platform()}; "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; {prom}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", type=Path, help="also write the results as Markdown here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mrp-bench-ingest-"))
    try:
        report = run(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(report)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(report)


def run(folder: Path) -> str:
    t0 = (int(time.time()) // 86400 - 2) * 86400
    now = datetime.fromtimestamp(t0, tz=UTC) + timedelta(hours=HOURS)
    started = time.perf_counter()
    data = build_prometheus_blocks(history(t0), folder / "prometheus")
    blocks = time.perf_counter() - started
    server = start_prometheus(data)
    try:
        # 1. full sync, end to end, then its phases one by one on fresh state
        ws = workspace(folder / "full", server.url, now)
        marks: dict[str, float] = {}
        start = time.perf_counter()
        (outcome,) = sync_workspace(
            ws, progress=lambda _s, what: marks.setdefault(what, time.perf_counter())
        )
        full = time.perf_counter() - start
        fetch = marks["fetched"] - marks["fetching"]
        write = start + full - marks["fetched"]
        assert outcome.ok, outcome.error
        again = time.perf_counter()
        (nothing,) = sync_workspace(ws)
        incremental = time.perf_counter() - again
        parts = workspace(folder / "parts", server.url, now)
        _fetch_alone, batch = timed_fetch(parts, now, folder / "stage")
        files = list(batch.staged_files)  # type: ignore[attr-defined]
        check = json_check_seconds(files)
        # 2. ingest of the recorded responses: the loader alone, best of five, vs naive
        loads = []
        for attempt in range(RUNS):
            db = folder / f"ingest-{attempt}.duckdb"
            loads.append(load_seconds(batch, db, now))
        best, loaded = min(loads)
        naive, sample = naive_rate(files, folder / "naive.duckdb")
    finally:
        server.stop()
    size = sum(f.stat().st_size for f in files) / 2**20
    rate = loaded / best
    return f"""# Ingest benchmark

`benchmarks/bench_ingest.py`, run {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")} on: {machine()}.

History: {MODELS} models x {len(METRICS)} metrics x {HOURS} h at one sample a minute
(every tenth model switches version half-way), backfilled into a real Prometheus with
promtool ({blocks:.1f} s to build the blocks). Sync step 1m, concurrency 8.

## Ingest of recorded query_range responses

The {len(files)} responses of the sync below ({size:.0f} MiB of JSON, {loaded:,} points),
loaded with `queries/load/prometheus_query_range.sql` (one `INSERT … SELECT` over
`read_json`, unnesting `result[].values`), into a fresh state database, in one
transaction with the watermark refresh, best of {RUNS} (all: {", ".join(f"{n / t / 1e6:.2f}M" for t, n in loads)} points/s):

| loader | points/s | |
|---|---:|---|
| mrp (DuckDB `read_json`, one statement) | **{rate:,.0f}** | {best:.2f} s for {loaded:,} points |
| naive `executemany`, one row per point | {naive:,.0f} | measured on {sample:,} points, extrapolated: {loaded / naive:,.0f} s |
| ratio | **{rate / naive:,.0f}x** | |

## Full sync from the real Prometheus

| what | seconds |
|---|---:|
| `mrp sync` end to end (fresh state, {outcome.points:,} points, {len(files)} queries) | **{full:.2f}** |
| of which the fetch: {len(files)} `query_range` requests, 8 in flight | {fetch:.2f} |
| of which, inside the fetch, checking the JSON in Python (`json.loads`) | {check:.2f} |
| of which the write phase (open, one transaction: bulk load + watermarks, sync log) | {write:.2f} |
| of which the rest (contexts from the state database, staging folder) | {full - fetch - write:.2f} |
| a second sync right after (nothing new: {nothing.points} points) | {incremental:.2f} |

Where the time goes: most of the fetch is Prometheus evaluating {len(files)} range queries
(each reads one day of one series) on {os.cpu_count()} CPUs shared with the client; the
client's own work per response is a `json.loads` to check it and a raw write to the staging
folder. The load itself runs at the rate of the table above.
"""


if __name__ == "__main__":
    main()
