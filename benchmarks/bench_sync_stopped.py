"""What a cron `mrp sync` asks Prometheus for when part of the fleet has stopped reporting.

A real Prometheus (backfilled with promtool) holds 14 days of one-minute history for 12
models x 2 metrics: 8 models serve to the end, 4 were retired 1, 3, 7 and 10 days before it.
`mrp sync` (backfill 14d, step 1m) runs as a user runs it, through a recording proxy, once
on a fresh workspace and then once a minute; per sync it prints the range queries sent, the
points they asked for (per series), those asked for the retired models, the time Prometheus
spent answering query_range (its own histogram, so the client's load is not in it) and the
wall time of the `mrp sync` process.

Run: ``.venv/bin/python benchmarks/bench_sync_stopped.py [--checkout PATH]``; ``--checkout``
runs the `mrp` of another checkout (a git worktree of an older commit) against the same
history.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from tests.integration.fakes import FaultProxy, fault_proxy  # noqa: E402
from tests.integration.servers import Series, build_prometheus_blocks, start_prometheus  # noqa: E402

DAYS = 14
LIVE = 8
RETIRED_DAYS_AGO = (1, 3, 7, 10)
SYNCS = 4
QUERY_RANGE = re.compile(
    r'^prometheus_http_request_duration_seconds_sum\{handler="/api/v1/query_range"\} (\S+)$', re.M
)


def history(t0: int, end: int) -> list[Series]:
    series = []
    names = [f"live-{i}" for i in range(LIVE)] + [f"retired-{d}d" for d in RETIRED_DAYS_AGO]
    stops = [end + 600] * LIVE + [end - d * 86400 for d in RETIRED_DAYS_AGO]
    for m, (model, stop) in enumerate(zip(names, stops, strict=True)):
        times = range(t0, stop, 60)
        series.append(Series("model_accuracy", {"model": model, "version": "1"},
                             [(t, 0.9 - (t // 60 + m) % 50 / 1e3) for t in times]))  # fmt: skip
        series.append(Series("model_latency_p99_seconds", {"model": model},
                             [(t, 0.2 + (t // 60 + m) % 30 / 1e3) for t in times]))  # fmt: skip
    return series


def config(url: str) -> str:
    models = ", ".join(f'"{m}"' for m in [f"live-{i}" for i in range(LIVE)])
    retired = ", ".join(f'"retired-{d}d"' for d in RETIRED_DAYS_AGO)
    return f"""
[sources.prom]
kind = "prometheus"
url = "{url}"
step = "1m"
backfill = "{DAYS}d"
timeout = "60s"
models = [{models}, {retired}]
[sources.prom.metrics]
accuracy = 'avg by (version) (model_accuracy{{model="{{model}}"}})'
latency_p99_seconds = 'max(model_latency_p99_seconds{{model="{{model}}"}})'
"""


def points(proxy: FaultProxy) -> tuple[int, int, int]:
    """Range queries, points asked per series, of which for the retired models."""
    queries = asked = retired = 0
    for seen in proxy.seen:
        if seen.path != "/api/v1/query_range":
            continue
        params = parse_qs(seen.query)
        start, end, step = (float(params[k][0]) for k in ("start", "end", "step"))
        count = round((end - start) / step) + 1
        queries += 1
        asked += count
        retired += count if "retired-" in params["query"][0] else 0
    return queries, asked, retired


def prometheus_seconds(url: str) -> float:
    found = QUERY_RANGE.search(httpx.get(f"{url}/metrics").text)
    return float(found.group(1)) if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkout", type=Path, default=REPO, help="the mrp to run")
    checkout = parser.parse_args().checkout.resolve()
    folder = Path(tempfile.mkdtemp(prefix="mrp-bench-stopped-"))
    end = (int(time.time()) // 86400 - 1) * 86400
    server = start_prometheus(build_prometheus_blocks(history(end - DAYS * 86400, end), folder))
    env = {**os.environ, "HOME": str(folder / "home"), "MRP_NOW": ""}
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env.pop("MRP_HOME", None)
    try:
        with fault_proxy(server.url) as proxy:
            (folder / "ws").mkdir()
            (folder / "ws" / "mrp.toml").write_text(config(proxy.url))
            print(
                "| sync | range queries | points asked | of which retired models "
                "| Prometheus ms | `mrp sync` s |"
            )
            print("|---|---:|---:|---:|---:|---:|")
            for n in range(SYNCS):
                now = datetime.fromtimestamp(end, tz=UTC) + timedelta(minutes=n)
                env["MRP_NOW"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
                proxy.seen.clear()
                before = prometheus_seconds(server.url)
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "console", "sync", "-w", str(folder / "ws")],
                    cwd=checkout, env=env, capture_output=True, text=True, check=False,
                )  # fmt: skip
                wall = time.perf_counter() - started
                if done.returncode != 0:
                    raise SystemExit(done.stderr)
                spent = (prometheus_seconds(server.url) - before) * 1000
                queries, asked, retired = points(proxy)
                what = "fresh" if n == 0 else f"+{n}m"
                print(
                    f"| {what} | {queries} | {asked:,} | {retired:,} | {spent:.0f} | {wall:.2f} |"
                )
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
