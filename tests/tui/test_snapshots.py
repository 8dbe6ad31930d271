"""SVG snapshots of the fleet, model, history and help screens at 120×40 (and of the model
screen at 80×24, an on-call tmux split), under a fixed clock, a pinned wall clock, UTC and
the mrp-dark theme. Update with ``--snapshot-update``."""

from __future__ import annotations

from typing import Any

from tui_helpers import SIZE, ready, wait_for

from console.tui.screens.help import HelpScreen
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen


async def model_ready(pilot: Any) -> None:
    await ready(pilot)
    pilot.app.open_model("fraud-scoring")
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, ModelScreen)
            and pilot.app.screen._detail is not None
            and not any(w.is_running for w in pilot.app.workers)
        ),
    )
    # The range bar says which charts are in view once they are laid out (after a refresh).
    await wait_for(pilot, lambda: " of " in str(pilot.app.screen.query_one("#range-bar").render()))


async def history_ready(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("h")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, HistoryScreen) and pilot.app.screen.shown != (),
    )


async def help_ready(pilot: Any) -> None:
    await ready(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))


def test_fleet(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_model(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=model_ready)


def test_model_80x24(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=model_ready)


def test_history(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=history_ready)


def test_help(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=help_ready)


def test_fleet_high_contrast(snap_compare: Any, make_app: Any) -> None:
    app = make_app(theme="mrp-high-contrast")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
