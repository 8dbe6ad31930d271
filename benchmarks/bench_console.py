#!/usr/bin/env python3
"""Console speed with a large fleet (issue 6):

- start to an interactive fleet screen with 1,000 models (<= 1.0 s): a fresh process that
  imports the console, opens it headless at 120x40 and waits until every model has a row;
- a live refresh tick with 1,000 models (<= 50 ms of UI-thread time): the app's snapshot
  handler plus the fleet screen's in-place update, timed on the UI thread, for snapshots
  one minute apart (data age, sparklines and states change);
- a keypress while a refresh worker runs (no keypress waits on a sync).

    python benchmarks/bench_console.py                  # generates and syncs the fleet once
    python benchmarks/bench_console.py --fleet DIR      # a synced workspace to reuse

The fleet comes from ``benchmarks/generate_fleet.py --models 1000`` (14 days of 1-minute
history, about 105 million metric rows) and is synced with ``mrp sync``; that takes minutes
and is cached in ``--fleet``. Results go to ``benchmarks/results/console.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from machine_info import cpu_name, load_average, memory_gib

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "console.md"
NOW = datetime(2026, 11, 15, 0, 0, tzinfo=UTC)
SIZE = (120, 40)
START_BUDGET = 1.0
TICK_BUDGET_MS = 50.0

CHILD = """
import sys, time
t0 = float(sys.argv[1]); root = sys.argv[2]; models = int(sys.argv[3]); now = sys.argv[4]
for name in sys.argv[5].split(",") if sys.argv[5] else ():
    sys.modules[name] = None  # as if not installed
import asyncio
from pathlib import Path
from textual import events
from console.clock import Clock, parse_time
from console.settings import open_workspace
from console.tui.app import MrpApp
from console.tui.widgets.fleet_grid import FleetGrid

async def main() -> None:
    app = MrpApp(open_workspace(Path(root)), clock=Clock(fixed=parse_time(now)),
                 theme="mrp-dark", remember=False, sync_at_start=False)
    async with app.run_test(size=(120, 40)):
        while True:
            grids = list(app.screen.query(FleetGrid))
            if grids and grids[0].row_count >= models:
                break
            await asyncio.sleep(0.002)
        app.post_message(events.Key("j", "j"))  # interactive: a key moves the cursor
        while grids[0].cursor_row != 1:
            await asyncio.sleep(0.002)
        print(f"{time.time() - t0:.4f}", flush=True)
        app.exit()

asyncio.run(main())
"""


def ensure_fleet(folder: Path, models: int) -> Path:
    mrp = Path(sys.executable).parent / "mrp"
    if not (folder / "mrp.toml").exists():
        print(f"generating a {models}-model fleet in {folder} …", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_fleet.py"),
                "--out",
                str(folder),
                "--models",
                str(models),
            ],
            check=True,
        )
    if not (folder / ".mrp" / "state.duckdb").exists():
        print("syncing it (minutes) …", file=sys.stderr)
        subprocess.run([str(mrp), "sync", "-w", str(folder)], check=True)
    return folder


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cold_starts(root: Path, models: int, runs: int, hide: str = "") -> list[float]:
    """Seconds from spawning a fresh interpreter to a keypress moving the cursor on a full
    fleet. ``hide`` names modules to treat as not installed."""
    times = []
    env = dict(os.environ, MRP_NOW="")
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, repr(t0), str(root), str(models), NOW.isoformat(), hide],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
        without = f" without {hide}" if hide else ""
        say(f"start to interactive{without}: {times[-1]:.2f} s")
    return times


async def ticks(root: Path, models: int, count: int) -> dict[str, Any]:
    """UI-thread CPU time (``time.thread_time`` on the event loop's thread, so other
    processes on a busy machine do not inflate it) per refresh tick."""
    from console.clock import Clock
    from console.settings import open_workspace
    from console.tui.app import MrpApp
    from console.tui.messages import SnapshotReady
    from console.tui.screens.fleet import FleetScreen
    from console.tui.widgets.fleet_grid import FleetGrid
    from console.tui.widgets.fleet_table import fleet_rows

    clock = Clock(fixed=NOW - timedelta(hours=2))
    app = MrpApp(
        open_workspace(root),
        clock=clock,
        theme="mrp-dark",
        remember=False,
        sync_at_start=False,
        live_refresh=False,
    )
    handled: list[float] = []
    show = FleetScreen.show_snapshot

    def timed_show(self: Any, snapshot: Any) -> None:
        started = time.thread_time()
        show(self, snapshot)
        handled.append(time.thread_time() - started)

    def build() -> tuple[Any, Any]:
        snapshot = app.gateway.snapshot()
        return snapshot, fleet_rows(snapshot)

    FleetScreen.show_snapshot = timed_show  # type: ignore[method-assign]
    worker, update, ui_cpu, wall = [], [], [], []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for minute in range(count + 1):
                clock.fixed = NOW - timedelta(hours=2) + timedelta(minutes=minute)
                started = time.perf_counter()
                snapshot, rows = await asyncio.to_thread(build)  # the worker's part
                worker.append(time.perf_counter() - started)
                handled.clear()
                posted, cpu = time.perf_counter(), time.thread_time()
                app.post_message(SnapshotReady(snapshot, False, rows))
                while not handled:
                    await asyncio.sleep(0)
                await pilot.pause()  # until the screen is repainted
                if minute:  # the first fills an empty table: that is the start, not a tick
                    ui_cpu.append(time.thread_time() - cpu)
                    wall.append(time.perf_counter() - posted)
                    update.append(sum(handled))
                    say(
                        f"tick {minute}: worker {worker[-1] * 1000:.0f} ms, UI thread "
                        f"{ui_cpu[-1] * 1000:.1f} ms CPU ({update[-1] * 1000:.1f} ms update)"
                    )
            table = app.screen.query_one(FleetGrid)
            assert table.row_count == models, table.row_count
            key_latency = await keypress_during_refresh(app, pilot)
    finally:
        FleetScreen.show_snapshot = show  # type: ignore[method-assign]
    return {"worker": worker[1:], "update": update, "ui": ui_cpu, "wall": wall, "key": key_latency}


async def keypress_during_refresh(app: Any, pilot: Any) -> float:
    """Time from a key event to the cursor having moved, half a second into a refresh
    that syncs every source."""
    from textual import events

    from console.tui.widgets.fleet_grid import FleetGrid

    table = app.screen.query_one(FleetGrid)
    app.live.poll_now(sync=True)  # a real sync of the whole fleet, in a worker
    while not app.live.running:
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.5)  # well into the sync
    row = table.cursor_row
    started = time.perf_counter()
    app.post_message(events.Key("j", "j"))
    while table.cursor_row == row and time.perf_counter() - started < 30:
        await asyncio.sleep(0.001)
    latency = time.perf_counter() - started
    say(f"keypress during a refresh: {latency * 1000:.1f} ms")
    still_running = app.live.running
    while app.live.running:
        await asyncio.sleep(0.05)
    assert table.cursor_row == row + 1, (row, table.cursor_row, app.status)
    assert still_running, "the refresh ended before the key was handled"
    return latency


def machine() -> str:
    import duckdb
    import textual

    return (
        f"{cpu_name()}, {os.cpu_count()} CPUs, {memory_gib():.0f} GiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"Textual {textual.__version__}, DuckDB {duckdb.__version__}"
    )


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


def _other_sections() -> str:
    """What bench_startup.py keeps in the results file (its section "CLI start-up" and on),
    carried over unchanged."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    _, found, rest = text.partition("\n## CLI start-up")
    return found + rest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet", type=Path, default=Path("/tmp/mrp-bench-fleet-1000"))
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="print, do not record")
    args = parser.parse_args(argv)
    root = ensure_fleet(args.fleet, args.models)
    installed = [name for name in ("pandas", "numpy") if importlib.util.find_spec(name)]
    starts = cold_starts(root, args.models, args.runs, "pandas")
    as_is = cold_starts(root, args.models, args.runs) if installed else starts
    plain = cold_starts(root, args.models, args.runs, "pandas,numpy")
    measured = asyncio.run(ticks(root, args.models, args.ticks))
    load = load_average(" / ")
    start_ok = max(starts) <= START_BUDGET
    tick_ok = max(measured["ui"]) * 1000 <= TICK_BUDGET_MS
    report = f"""# Console benchmark

`python benchmarks/bench_console.py` on {datetime.now(UTC):%Y-%m-%d}: {args.models} models,
14 days of 1-minute history (generate_fleet.py), synced with `mrp sync`, fixed clock.

Machine: {machine()}; load average {load}.

| what | budget | measured | |
|---|---|---|---|
| start to an interactive fleet ({args.models} rows, a key moves the cursor), fresh process, {args.runs} runs: `mrp-console[test]` (numpy, no pandas, as CI installs it) | ≤ {START_BUDGET:.1f} s | median {statistics.median(starts):.2f} s, max {max(starts):.2f} s | {"✔" if start_ok else "✖"} |
| … `mrp-console` alone (neither numpy nor pandas) | | median {statistics.median(plain):.2f} s, max {max(plain):.2f} s | |
| … this venv as it is ({", ".join(installed) or "nothing extra"} installed) | | median {statistics.median(as_is):.2f} s, max {max(as_is):.2f} s | |
| refresh tick, UI-thread CPU from message to repainted screen, {args.ticks} ticks | ≤ {TICK_BUDGET_MS:.0f} ms | {ms(measured["ui"])} | {"✔" if tick_ok else "✖"} |
| … of which the fleet screen's in-place table update | | {ms(measured["update"])} | |
| … wall time, message to repainted screen | | {ms(measured["wall"])} | |
| refresh tick, worker thread (evaluate {args.models} models + fleet + sparklines) | off the UI thread | {ms(measured["worker"])} | |
| keypress half a second into a refresh (sync of every source, then evaluation) | no wait on the refresh | {measured["key"] * 1000:.1f} ms | |

The first paint uses the stored trigger states without sparklines (two small queries); the
evaluation with the trigger engine and the sparkline scan follow in the same worker and
land as the next snapshot. A tick's snapshot and the fleet table's rows (plain text and
theme role per cell) are built in the worker; the UI thread compares each row with the one
on screen and updates only the changed cells by row key, inside one `batch_update` and one
refresh. The repaint renders only the visible rows, so it does not grow with the fleet.
Column widths are kept from the text, not measured cell by cell by DataTable.

DuckDB's Python client imports pandas and numpy, when they are installed, at the first
query with parameters (about 0.3 s here, on the path to the first paint). mrp depends on
neither; the test extra brings numpy. The start rows say which modules were importable.
"""
    print(report)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report + _other_sections(), encoding="utf-8")
    return 0 if start_ok and tick_ok else 1


if __name__ == "__main__":
    sys.exit(main())
