"""The demo drill: a replay of the sample history through the clock fires a trigger live,
and only data up to the replayed instant is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring.core
import pytest
from tui_helpers import SIZE, wait_for

from console.audit.signers_file import load_signers_file
from console.demo import DEFAULT_SPEED, REPLAY_FROM, prepare_demo, replay_clock
from console.errors import MrpError
from console.secrets import ensure_usable_keyring
from console.tui.app import MrpApp
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.fleet_grid import FleetGrid


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    # Start at 19:03, while search-ranking's latency regression is pending (it fires at
    # 19:10), replayed at 90x: the test sees the trigger start firing a few seconds in.
    return prepare_demo(tmp_path, speed=90.0, start=datetime(2026, 11, 14, 19, 3, tzinfo=UTC))


async def test_replay_fires_a_trigger_live(demo: Any) -> None:
    app = MrpApp(
        demo.workspace, clock=demo.clock, theme="mrp-dark", remember=False, sync_at_start=False
    )
    async with app.run_test(size=SIZE) as pilot:
        banner = app.screen.query_one(DrillBanner)
        assert banner.display and "DRILL" in str(banner.render())
        await wait_for(pilot, lambda: app.snapshot is not None)
        first = app.snapshot
        assert first is not None
        assert ("search-ranking", "latency-regression") not in first.firing_keys()
        await wait_for(
            pilot,
            lambda: (
                app.snapshot is not None
                and ("search-ranking", "latency-regression") in app.snapshot.firing_keys()
            ),
            timeout=30,
        )
        assert any(
            n.message == "search-ranking: latency-regression is firing" for n in app._notifications
        )
        table = app.screen.query_one(FleetGrid)
        assert table.shown_keys[0] == "search-ranking"
        assert table.cell_text("search-ranking", "state") == "✖ FIRING"


async def test_replay_shows_nothing_after_the_clock(demo: Any) -> None:
    app = MrpApp(demo.workspace, clock=demo.clock, theme="mrp-dark", remember=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        snapshot = app.snapshot
        assert snapshot is not None
        fraud = snapshot.entry("fraud-scoring")
        assert fraud is not None and fraud.version == "6"  # v7 is deployed at 20:00
        assert all(e.last_sample is None or e.last_sample <= snapshot.now for e in snapshot.entries)
        history = app.gateway.history()
        assert all(row.at <= history.now for row in history.rows)


def test_default_speed_fires_within_the_first_real_minute() -> None:
    clock = replay_clock(DEFAULT_SPEED)
    assert clock.replay_from == REPLAY_FROM
    # search-ranking's regression fires by 19:20 (v12 deployed at 19:00, for: 10m).
    assert REPLAY_FROM + timedelta(seconds=60 * DEFAULT_SPEED) > datetime(
        2026, 11, 14, 19, 20, tzinfo=UTC
    )


def test_the_drill_needs_no_loadable_keyring_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drill keys go into the drill keyring even when PYTHON_KEYRING_BACKEND cannot be
    loaded, and afterwards the process's own keyring is as broken as before, no more."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nowhere.Keyring")
    session = prepare_demo(tmp_path)
    signers = load_signers_file(session.workspace.signers_path)
    assert sorted(key.name for key in signers) == ["alice", "bob"]
    with pytest.raises(MrpError, match=r"PYTHON_KEYRING_BACKEND=nowhere\.Keyring cannot be"):
        ensure_usable_keyring()
