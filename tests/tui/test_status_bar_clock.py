"""The status bar reads one clock. In `mrp demo` the console replays a recorded evening
while its sources are synced in real time: the bar said "synced 12s ago" (real seconds)
beside the replayed instant and the fleet's replayed data ages; a sync 12 real seconds ago
at ×60 was 12 replayed minutes ago. The replay says it is one ("replaying …")."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from tui_helpers import FIXED_NOW, SIZE, WALL, naive, ready

from console.clock import Clock
from console.store import connect, sql
from console.tui.widgets.status_bar import StatusBar

START = FIXED_NOW - timedelta(hours=2)


def add_failing_prom(root: Path) -> None:
    """A second source, last good a minute (real) ago, failing since 12 seconds ago."""
    config = root / "mrp.toml"
    config.write_text(
        config.read_text() + '\n[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n'
    )
    ok, failed = naive(WALL - timedelta(seconds=60)), naive(WALL - timedelta(seconds=12))
    with connect(root / ".mrp" / "state.duckdb") as con:
        con.execute(sql("record_sync_run"), ["prom", ok, ok, 10, 1, None, []])
        con.execute(sql("record_sync_run"), ["prom", failed, failed, 0, 0, "prom is down.", []])


async def status_line(app: Any) -> str:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        return str(app.screen.query_one(StatusBar).render_status(app.status).plain)


async def test_a_replay_measures_syncs_on_the_replayed_clock(
    make_app: Any, workspace_root: Path
) -> None:
    add_failing_prom(workspace_root)
    clock = Clock(replay_from=START, speed=60.0, _started=time.monotonic() - 100)
    line = await status_line(make_app(clock=clock))
    assert "✔ offline synced 12m ago" in line, line
    assert "✖ prom: prom is down. (last ok 1h ago)" in line, line
    assert re.search(r"  replaying 2026-11-14 \d\d:\d\d UTC ×60$", line.rstrip()), line
    assert " now " not in line


async def test_past_the_end_of_the_history_syncs_count_real_seconds(
    make_app: Any, workspace_root: Path
) -> None:
    """A replay held at the end of its history stamps what happens there a real second
    apart (``Clock.stamp``): a sync 12 real seconds ago, after the end, was 12s ago."""
    ended = Clock(
        replay_from=START,
        speed=60.0,
        replay_until=START + timedelta(minutes=5),
        _started=time.monotonic() - 100,
    )
    line = await status_line(make_app(clock=ended))
    assert "✔ offline synced 12s ago" in line, line
    assert line.rstrip().endswith("replay ended · 2026-11-14 20:45 UTC"), line


async def test_a_fixed_or_real_clock_measures_syncs_on_the_wall_clock(make_app: Any) -> None:
    line = await status_line(make_app())
    assert "✔ offline synced 12s ago" in line, line
    assert line.rstrip().endswith("now 2026-11-14 22:40 UTC fixed"), line
