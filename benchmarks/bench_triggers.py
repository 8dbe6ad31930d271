#!/usr/bin/env python3
"""Trigger engine benchmark: current-state evaluation and backtesting, with a pandas baseline.

    .venv/bin/python benchmarks/bench_triggers.py                     # everything, ~15 min
    .venv/bin/python benchmarks/bench_triggers.py --only current --write /tmp/triggers.md
    .venv/bin/python benchmarks/duel_triggers.py --a ../mrp-before --rounds 40   # two checkouts

(benchmarks/results/triggers.md keeps each session's runs, written up by hand.)

Data comes from ``benchmarks/generate_fleet.py`` (the demo fleet's models cycled as replicas,
1-minute samples, scripted incidents in the last six hours), loaded into a state database
the way the ``files`` source loads it (``queries/load/metrics_parquet.sql``, one statement over
the per-model Parquet files), and also in a copy whose metrics are ordered by time.

1. Current state, 1,000 models x 8 triggers (``BENCH_POLICY``: latest-sample thresholds,
   window aggregates, a previous-version and a registered baseline, an event), with 1 and
   with 10 days of stored history:
   - ``evaluate_at`` from nothing (the steps ``for`` needs, previous-version baselines read
     from history);
   - ``refresh_states`` one minute after the previous refresh: what runs after every sync;
   - ``current_states``: what ``mrp evaluate`` runs (read-only, continues from the store).
2. Backtest of 14 days x 1-minute samples x ~1,000 series (192 models; one latest-sample
   threshold trigger with ``for`` per series), against a straightforward pandas
   implementation of the same rules in the same run (``merge_asof`` for the lookback, a
   cumulative sum for runs); both must find the same transitions.

pandas is needed here only (``.venv/bin/pip install pandas``), never by mrp.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import duckdb  # noqa: E402
import generate_fleet  # noqa: E402
from machine_info import cpu_name, load_average, memory_gib  # noqa: E402

from console.policy.loader import load_policies  # noqa: E402
from console.settings import open_workspace  # noqa: E402
from console.sources.sync import sync_workspace  # noqa: E402
from console.store import connect, sql  # noqa: E402
from console.store.db import with_session_settings  # noqa: E402
from console.store.migrations import migrate  # noqa: E402
from console.triggers import backtest, engine, evaluate_at  # noqa: E402
from console.triggers.state import current_states, refresh_states  # noqa: E402

NOW = generate_fleet.T_END
BENCH_POLICY = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: bench}
spec:
  selector: {models: ["*"]}
  evaluation: {step: 1m, staleness: 5m}
  triggers:
    - {name: error-rate, metric: error_rate, op: ">", threshold: 0.05, for: 5m}
    - {name: latency-ceiling, metric: latency_p99_seconds, op: ">", threshold: 1.0, for: 10m}
    - {name: drift, metric: psi_drift, op: ">", threshold: 0.25, for: 30m}
    - {name: traffic-floor, metric: throughput_rps, op: "<", threshold: 1, for: 5m}
    - name: latency-regression
      metric: latency_p99_seconds
      aggregate: avg
      window: 15m
      baseline: previous_version
      op: ">"
      degradation: 25%
      for: 10m
    - {name: error-p95, metric: error_rate, aggregate: p95, window: 10m, op: ">", threshold: 0.08, for: 5m}
    - {name: latency-registered, metric: latency_p99_seconds, baseline: registered, op: ">", degradation: 50%, for: 5m}
    - {name: security, event: security_finding, min_severity: high}
"""
BACKTEST_RULES = {
    # metric -> (op, threshold): the demo policies' thresholds, so the incidents fire
    "accuracy": ("<", 0.90),
    "auc": ("<", 0.70),
    "latency_p99_seconds": (">", 0.16),
    "error_rate": (">", 0.05),
    "psi_drift": (">", 0.2),
    "fairness_dpd": (">", 0.10),
    "throughput_rps": ("<", 5.0),
}
BACKTEST_FOR = timedelta(minutes=5)
STEP = timedelta(minutes=1)
STALENESS = timedelta(minutes=5)


def backtest_policy() -> str:
    lines = [
        "apiVersion: mrp/v1",
        "kind: RollbackPolicy",
        "metadata: {name: backtest}",
        "spec:",
        '  selector: {models: ["*"]}',
        "  evaluation: {step: 1m, staleness: 5m}",
        "  triggers:",
    ]
    for metric, (op, threshold) in BACKTEST_RULES.items():
        lines.append(
            f'    - {{name: {metric}, metric: {metric}, op: "{op}", threshold: {threshold}, for: 5m}}'
        )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Workspaces


def build_store(folder: Path, models: int, days: int, policy: str) -> Path:
    """A synced workspace with the fleet's history; returns the state database."""
    if (folder / ".mrp" / "state.duckdb").exists():
        return folder / ".mrp" / "state.duckdb"
    began = time.perf_counter()
    generate_fleet.generate(folder, models=models, days=days)
    for old in (folder / "policies").glob("*.yaml"):
        old.unlink()
    (folder / "policies" / "bench.yaml").write_text(policy, encoding="utf-8")
    # models, versions, aliases, history and events through the files source; the metrics
    # with the files source's own load statement (skipping its per-file checks, which only
    # make the setup slower)
    parked = folder / "metrics-parked"
    (folder / "metrics").rename(parked)
    (folder / "metrics").mkdir()
    ws = open_workspace(folder)
    outcomes = sync_workspace(ws)
    assert all(o.ok for o in outcomes), outcomes
    files = sorted(str(p) for p in parked.glob("*.parquet"))
    with connect(ws.db_path) as con:
        con.execute(sql("load/metrics_parquet"), {"files": files, "source": "offline"})
        rows = con.execute("SELECT count(*) FROM metrics").fetchone()
    shutil.rmtree(folder / "metrics")
    parked.rename(folder / "metrics")
    print(
        f"  built {folder.name}: {rows[0] if rows else 0:,} samples in {time.perf_counter() - began:.0f}s"
    )
    return ws.db_path


def time_ordered_copy(db: Path) -> Path:
    """The same store with its metrics rewritten in time order (so row groups cover short
    spans of time and a time-range read skips the rest)."""
    target = db.with_name("state-by-time.duckdb")
    if target.exists():
        return target
    shutil.copy(db, target)
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE metrics_by_time AS SELECT * FROM metrics ORDER BY ts")
    con.execute("DELETE FROM metrics")
    con.execute("INSERT INTO metrics SELECT * FROM metrics_by_time")
    con.execute("DROP TABLE metrics_by_time")
    con.execute("CHECKPOINT")
    con.close()
    return target


def writable_copy(db: Path, name: str) -> duckdb.DuckDBPyConnection:
    """A copy of the store, on this mrp's schema, opened as mrp opens it."""
    target = db.with_name(name)
    shutil.copy(db, target)
    con = with_session_settings(duckdb.connect(str(target)))
    migrate(con, str(target))
    return con


# ---------------------------------------------------------------------------------------------
# Measurements


CPU: list[float] = []
"""Process CPU time (all threads) of the last ``timed`` call's rounds."""


def timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], Any]:
    times, result = [], None
    CPU.clear()
    for _ in range(rounds):
        began, cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - began)
        CPU.append(time.process_time() - cpu)
    return times, result


def ms(times: list[float]) -> str:
    return f"{min(times) * 1000:.0f} ms (median {statistics.median(times) * 1000:.0f})"


def cpu_ms(times: list[float]) -> str:
    return f"{min(times) * 1000:.0f} ms"


def bench_current(db: Path, policies: Any, rounds: int) -> dict[str, Any]:
    con = writable_copy(db, "bench-current.duckdb")
    cold, states = timed(lambda: evaluate_at(con, policies, NOW), rounds)
    cold_cpu = list(CPU)
    first_at = NOW - timedelta(minutes=rounds + 1)
    began = time.perf_counter()
    refresh_states(con, policies, first_at)
    first = time.perf_counter() - began
    continued = count_stored_rules()
    steady, steady_cpu, same, same_cpu = [], [], [], []
    for minute in range(rounds, 0, -1):
        moment = NOW - timedelta(minutes=minute)
        began, cpu = time.perf_counter(), time.process_time()
        refresh_states(con, policies, moment)
        steady.append(time.perf_counter() - began)
        steady_cpu.append(time.process_time() - cpu)
        began, cpu = time.perf_counter(), time.process_time()
        current_states(con, policies, moment)
        same.append(time.perf_counter() - began)
        same_cpu.append(time.process_time() - cpu)
    read, _ = timed(lambda: current_states(con, policies, NOW), rounds)
    read_cpu = list(CPU)
    stored_rules = continued()
    con.execute("DELETE FROM trigger_states")  # cold again, with the baselines now cached
    cached, _ = timed(lambda: evaluate_at(con, policies, NOW), rounds)
    samples = con.execute("SELECT count(*) FROM metrics").fetchone()
    con.close()
    return {
        "pairs": len(states),
        "samples": samples[0] if samples else 0,
        "cold": cold,
        "cold_cpu": cold_cpu,
        "first_refresh": first,
        "refresh": steady,
        "refresh_cpu": steady_cpu,
        "same": same,
        "same_cpu": same_cpu,
        "read": read,
        "read_cpu": read_cpu,
        "cached": cached,
        "stored_rules": stored_rules,
        "firing": sum(s.state == "firing" for s in states),
    }


def count_stored_rules() -> Callable[[], str]:
    """Count how often an evaluation continued from the stored rules (``engine._stored_rules``
    answering True) until the returned function is called; it says "n of m"."""
    original = engine._stored_rules
    answers: list[bool] = []

    def counting(*args: Any) -> bool:
        answers.append(original(*args))
        return answers[-1]

    engine._stored_rules = counting

    def done() -> str:
        engine._stored_rules = original
        return f"{sum(answers)} of {len(answers)}"

    return done


def bench_backtest(db: Path, policies: Any, rounds: int) -> dict[str, Any]:
    con = with_session_settings(duckdb.connect(str(db), read_only=True))
    series = {
        (model, metric)
        for model, metric in con.execute(
            "SELECT DISTINCT model, metric FROM metrics WHERE metric IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [list(BACKTEST_RULES)],
        ).fetchall()
    }
    times, transitions = timed(lambda: backtest(con, policies), rounds)
    cpu = list(CPU)
    began = time.perf_counter()
    reference = pandas_backtest(con)
    pandas_time = time.perf_counter() - began
    con.close()
    # models without a metric have its trigger in no_data all along, which is no transition
    # (pandas has no such series)
    ours = {(t.model, t.trigger, t.at, t.to_state) for t in transitions}
    theirs = {(m, tr, at, to) for m, tr, at, to in reference}
    return {
        "series": len(series),
        "times": times,
        "cpu": cpu,
        "transitions": len(transitions),
        "pandas": pandas_time,
        "pandas_transitions": len(reference),
        "agree": ours == theirs,
        "only_mrp": sorted(ours - theirs)[:5],
        "only_pandas": sorted(theirs - ours)[:5],
    }


# ---------------------------------------------------------------------------------------------
# The straightforward pandas implementation of the same rules (latest-sample thresholds)


def pandas_backtest(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime, str]]:
    import numpy as np
    import pandas as pd

    step = STEP // timedelta(microseconds=1)
    stale = STALENESS // timedelta(microseconds=1)
    hold = BACKTEST_FOR // timedelta(microseconds=1)
    samples = con.execute(
        "SELECT model, version, metric, epoch_us(ts) AS ts, value FROM metrics "
        "WHERE metric IN (SELECT unnest(?::VARCHAR[]))",
        [list(BACKTEST_RULES)],
    ).df()
    switches = con.execute(
        "SELECT DISTINCT model, version, epoch_us(switched_at) AS at_us FROM deployment_events "
        "WHERE alias = 'champion' ORDER BY model, at_us"
    ).df()
    start = -(-int(samples.ts.min()) // step) * step
    end = int(samples.ts.max()) // step * step
    # serving periods: from each switch to the next
    switches["until"] = switches.groupby("model").at_us.shift(-1).fillna(2**62).astype("int64")
    switches["period"] = np.arange(len(switches))
    periods = switches.sort_values("at_us")
    samples = pd.merge_asof(
        samples.sort_values("ts"),
        periods,
        left_on="ts",
        right_on="at_us",
        by="model",
        suffixes=("", "_served"),
    )
    samples = samples[(samples.ts < samples.until) & (samples.version == samples.version_served)]
    # the step grid of every series, each step in its serving period
    series = samples[["model", "metric"]].drop_duplicates()
    grid = series.merge(pd.DataFrame({"t": np.arange(start, end + 1, step)}), how="cross")
    grid = pd.merge_asof(
        grid.sort_values("t"),
        periods[["model", "at_us", "until", "period"]],
        left_on="t",
        right_on="at_us",
        by="model",
    ).dropna(subset=["period"])
    grid = grid[grid.t < grid.until]
    # the latest sample of the same period no older than the staleness (inclusive)
    grid = pd.merge_asof(
        grid.sort_values("t"),
        samples[["model", "metric", "period", "ts", "value"]].sort_values("ts"),
        left_on="t",
        right_on="ts",
        by=["model", "metric", "period"],
        tolerance=stale,
        direction="backward",
    )
    grid = grid.sort_values(["model", "metric", "t"]).reset_index(drop=True)
    ops = grid.metric.map({m: op for m, (op, _x) in BACKTEST_RULES.items()})
    limits = grid.metric.map({m: x for m, (_op, x) in BACKTEST_RULES.items()})
    holds = np.where(ops == "<", grid.value < limits, grid.value > limits)
    data = grid.value.notna().to_numpy()
    same = (
        (grid.model == grid.model.shift())
        & (grid.metric == grid.metric.shift())
        & (grid.period == grid.period.shift())
    ).to_numpy()
    held = holds & data
    starts = held & ~(np.roll(held, 1) & same)
    run = np.cumsum(starts)
    active = pd.Series(np.where(starts, grid.t, 0)).groupby(run).transform("max").to_numpy()
    state = np.where(
        ~data,
        "no_data",
        np.where(~held, "ok", np.where(grid.t - active >= hold, "firing", "pending")),
    )
    series_start = ~((grid.model == grid.model.shift()) & (grid.metric == grid.metric.shift()))
    # before a series' first step: ok, except that starting without data is no change
    before = np.where(
        series_start, np.where(state == "no_data", "no_data", "ok"), np.roll(state, 1)
    )
    changed = state != before
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [
        (m, tr, epoch + timedelta(microseconds=int(t)), s)
        for m, tr, t, s in zip(
            grid.model[changed], grid.metric[changed], grid.t[changed], state[changed], strict=True
        )
    ]


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> str:
    return (
        f"{cpu_name()}, {os.cpu_count()} CPUs, {memory_gib():.0f} GiB RAM; {platform.platform()}; "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "mrp-bench-triggers"
    )
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--days", type=int, default=1, help="history for the current state")
    parser.add_argument("--backtest-models", type=int, default=192)
    parser.add_argument("--backtest-days", type=int, default=14)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=["current", "backtest"])
    parser.add_argument("--write", type=Path, help="write the results as Markdown here")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    report = [
        "# Trigger engine benchmark",
        "",
        f"`benchmarks/bench_triggers.py`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on: "
        f"{machine()}. Load average when it started: {load_average()}.",
        "",
    ]
    if args.only in (None, "current"):
        rows = []
        for days in (args.days, args.days * 10):
            print(f"current state: {args.models} models, {days} day(s) of history")
            folder = args.work / f"fleet-{args.models}m-{days}d"
            db = build_store(folder, args.models, days, BENCH_POLICY)
            policies = load_policies([folder / "policies"])
            for label, store in (("as loaded", db), ("ordered by time", time_ordered_copy(db))):
                result = bench_current(store, policies, args.rounds)
                rows.append((days, label, result))
                print(
                    f"  {label}: cold {ms(result['cold'])}, refresh {ms(result['refresh'])}, read {ms(result['read'])}"
                )
        report += current_report(args, rows)
    if args.only in (None, "backtest"):
        print(f"backtest: {args.backtest_models} models, {args.backtest_days} days")
        folder = args.work / f"fleet-{args.backtest_models}m-{args.backtest_days}d"
        db = build_store(folder, args.backtest_models, args.backtest_days, backtest_policy())
        policies = load_policies([folder / "policies"])
        result = bench_backtest(time_ordered_copy(db), policies, max(1, args.rounds // 3))
        print(
            f"  mrp {min(result['times']):.2f}s, pandas {result['pandas']:.2f}s, "
            f"{result['transitions']} transitions, agree: {result['agree']}"
        )
        report += backtest_report(args, result)
    report += ["", f"Load average when it ended: {load_average()}.", ""]
    if args.write:
        args.write.write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report))
    return 0


def current_report(
    args: argparse.Namespace, rows: list[tuple[int, str, dict[str, Any]]]
) -> list[str]:
    lines = [
        f"## Current state: {args.models:,} models x 8 triggers",
        "",
        "Best of the runs, median in brackets; CPU: the least process CPU time of the runs, "
        "DuckDB's threads included (DuckDB runs on both CPUs).",
        "",
        "- *refresh*: `refresh_states` one minute after the previous one: what runs after each "
        "sync. It continues from `trigger_states` (the stored serving periods and thresholds, "
        "when they still hold) and stores its result without building Python objects.",
        "- *read, same step*: `current_states` right after a refresh at the same instant "
        "(`mrp sync && mrp status`): one step evaluated, 8,000 `TriggerState` objects built.",
        "- *read, next step*: `current_states` one minute after the last refresh (`mrp "
        "evaluate` later on): two steps evaluated.",
        "- *cold*: `evaluate_at` with nothing stored (the steps `for` needs, previous-version "
        "baselines read from history); *cold, cached*: the same once a refresh has cached "
        "those baselines; *first refresh*: the very first, which looks 6 hours back.",
        "",
        "| history | samples | refresh | read, same step | read, next step | CPU refresh / "
        "same / next | cold | cold, cached | first refresh | from stored rules |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for days, label, r in rows:
        lines.append(
            f"| {days} day(s), {label} | {r['samples']:,} | **{ms(r['refresh'])}** | "
            f"{ms(r['same'])} | {ms(r['read'])} | {cpu_ms(r['refresh_cpu'])} / "
            f"{cpu_ms(r['same_cpu'])} / {cpu_ms(r['read_cpu'])} | {ms(r['cold'])} | "
            f"{ms(r['cached'])} | {r['first_refresh']:.1f} s | {r['stored_rules']} |"
        )
    lines.append("")
    lines.append(
        f"{rows[0][2]['pairs']:,} (model, trigger) pairs; {rows[0][2]['firing']} firing at {NOW:%Y-%m-%dT%H:%MZ}."
    )
    return lines


def backtest_report(args: argparse.Namespace, r: dict[str, Any]) -> list[str]:
    best = min(r["times"])
    return [
        "",
        f"## Backtest: {args.backtest_days} days x 1-minute samples x {r['series']:,} series",
        "",
        f"{args.backtest_models} models, one latest-sample threshold trigger with `for: 5m` per "
        "series, step 1m, staleness 5m, metrics ordered by time. The pandas implementation "
        "applies the same rules (serving periods, `merge_asof` with the staleness as "
        "tolerance, runs by cumulative sum).",
        "",
        "| implementation | seconds | transitions |",
        "|---|---:|---:|",
        f"| mrp `backtest` (DuckDB SQL) | **{best:.2f}** (all: {', '.join(f'{t:.2f}' for t in r['times'])}; "
        f"CPU {min(r['cpu']):.2f}) | {r['transitions']:,} |",
        f"| pandas | {r['pandas']:.2f} | {r['pandas_transitions']:,} |",
        f"| ratio | **{r['pandas'] / best:.1f}x** | same transitions: {'yes' if r['agree'] else 'NO'} |",
        "",
    ] + (
        []
        if r["agree"]
        else [f"Only mrp: {r['only_mrp']}", "", f"Only pandas: {r['only_pandas']}", ""]
    )


if __name__ == "__main__":
    raise SystemExit(main())
