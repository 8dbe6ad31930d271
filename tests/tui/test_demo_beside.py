"""`mrp demo` beside the headless commands: the console names the drill's workspace (the
temporary folder was printed only before the console took the screen), and `mrp status`
run there reads the instant the console shows, not the end of the recorded history."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_help_fits import words
from textual.widgets import Static
from tui_helpers import SIZE, wait_for

from console.clock import parse_time
from console.demo import DemoSession, prepare_demo
from console.tui.app import MrpApp
from console.tui.screens.help import HelpScreen
from console.tui.widgets.drill_banner import DrillBanner
from tests.unit.cli_helpers import run_mrp

AT_2130 = datetime(2026, 11, 14, 21, 30, tzinfo=UTC)
"""Three models firing; five at the end of the recorded history (00:00Z)."""


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder named as `mrp demo` names its own (a tmp_path is too long for a banner)."""
    made = Path(tempfile.mkdtemp(prefix="mrp-demo-"))
    yield made
    shutil.rmtree(made, ignore_errors=True)


async def _demo(folder: Path, speed: float) -> DemoSession:
    return await asyncio.to_thread(prepare_demo, folder, speed, AT_2130)


def _app(session: DemoSession) -> MrpApp:
    return MrpApp(
        session.workspace, clock=session.clock, theme="mrp-dark", remember=False,
        sync_at_start=False,
    )  # fmt: skip


def _banner(app: MrpApp) -> str:
    return str(app.screen.query_one(DrillBanner).render())


async def test_the_banner_names_the_drill_workspace_where_it_fits(folder: Path) -> None:
    session = await _demo(folder, 120.0)
    app = _app(session)
    root = session.workspace.root
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: f"mrp -w {root}" in _banner(app))
        assert "no production system is touched" in _banner(app)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: f"mrp -w {root}" not in _banner(app))
        said = _banner(app)
        assert len(said) <= 80 and "no production system is touched" in said


async def test_help_says_how_to_point_mrp_at_the_drill(folder: Path) -> None:
    session = await _demo(folder, 120.0)
    app = _app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.1)
        said = words(app.screen.query_one("#help-text", Static))
        assert f"Beside it mrp status -w {session.workspace.root} (at the replayed time)" in said


async def test_status_beside_the_demo_sees_what_the_console_shows(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = await _demo(folder, 1.0)  # real time: nothing changes between the two looks
    app = _app(session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None, timeout=30)
        shown = app.snapshot
        assert shown is not None
    console_firing = sorted({model for model, _trigger in shown.firing_keys()})
    result = run_mrp(capsys, "status", "--json", "-w", session.workspace.root)
    assert result.exit_code == 0, result.stderr
    status = result.json()
    firing = sorted(m["model"] for m in status["models"] if m["worst_state"] == "firing")
    assert firing == console_firing == ["churn-predictor", "fraud-scoring", "search-ranking"]
    assert shown.now.replace(microsecond=0) <= parse_time(status["now"]) <= session.clock.now()
