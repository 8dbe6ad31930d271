"""The status bar in a replay. In `mrp demo` the console replays a recorded evening while
its sources are synced in real time. Measured on the replayed clock, a sync 30 real seconds
ago at ×120 read "synced 59m ago" beside data ages of "<1m": the replay's data is all stored
by the first sync and shown up to the replayed instant, so the syncs say nothing of its age.
A sync's age is now real seconds, said to be ("(real time)"), as under any other clock; the
replay says it is one ("replaying …")."""

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


async def status_line(app: Any, size: tuple[int, int] = SIZE) -> str:
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        return str(app.screen.query_one(StatusBar).render_status(app.status).plain)


async def test_a_replay_says_its_syncs_in_real_time(make_app: Any, workspace_root: Path) -> None:
    add_failing_prom(workspace_root)
    clock = Clock(replay_from=START, speed=60.0, _started=time.monotonic() - 100)
    line = await status_line(make_app(clock=clock), (160, 40))  # two sources' words
    assert "✔ offline synced 12s ago (real time)" in line, line
    assert "✖ prom: prom is down. (last ok 1m ago, real time)" in line, line
    assert re.search(r"  replaying 2026-11-14 \d\d:\d\d UTC ×60$", line.rstrip()), line
    assert " now " not in line


async def test_past_the_end_of_the_history_syncs_count_real_seconds(
    make_app: Any, workspace_root: Path
) -> None:
    ended = Clock(
        replay_from=START,
        speed=60.0,
        replay_until=START + timedelta(minutes=5),
        _started=time.monotonic() - 100,
    )
    line = await status_line(make_app(clock=ended))
    assert "✔ offline synced 12s ago (real time)" in line, line
    assert line.rstrip().endswith("replay ended · 2026-11-14 20:45 UTC"), line


async def test_a_fixed_or_real_clock_measures_syncs_on_the_wall_clock(make_app: Any) -> None:
    line = await status_line(make_app())
    assert "✔ offline synced 12s ago  " in line, line
    assert "real time" not in line
    assert line.rstrip().endswith("now 2026-11-14 22:40 UTC fixed"), line


async def test_at_80x24_a_replay_reads_its_sync_in_real_time(make_app: Any) -> None:
    """As `mrp demo` shows it in a tmux split: the sync's real age beside the replay."""
    clock = Clock(replay_from=START, speed=120.0, _started=time.monotonic() - 30)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        line = app.screen._compositor.render_strips()[bar.region.y].text
    assert line.startswith(" ✔ offline synced 12s ago (real time)  "), line
    assert re.search(r"  replaying 2026-11-14 21:\d\d UTC ×120$", line.rstrip()), line
