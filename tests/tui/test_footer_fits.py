"""At 80 columns Textual's footer cut its last labels off the right edge: the model screen's
read `? Help  s ▏^p palette` (Sync now, History and Quit gone, `s` alone), History's ended
at `q ▏`. The footer now shows whole keys only, leaving out the app-wide ones (quit, then
history, then sync) that do not fit; `?` and the screen's own keys always stay. A key left
out still works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey
from tui_helpers import SIZE, open_model, ready, wait_for

from console.runbook.drill import drill_signers
from console.settings import open_workspace
from console.tui.screens.history import HistoryScreen
from console.tui.screens.runbook_open import OpenStep
from console.tui.widgets.key_footer import KeyFooter, keys_that_fit

SMALL = (80, 24)


@pytest.fixture
def drill(workspace_root: Path) -> Iterator[None]:
    previous = keyring.get_keyring()
    drill_signers(open_workspace(workspace_root))
    yield
    keyring.set_keyring(previous)


def footer_line(app: Any) -> str:
    strips = app.screen._compositor.render_strips()
    return str(strips[-1].text)


def labels(app: Any) -> list[str]:
    """The keys the footer shows, as a person reads them (``s Sync now``)."""
    footer = app.screen.query_one(KeyFooter)
    return [
        f"{key.key_display} {key.description}".strip()
        for key in footer.query(FooterKey)
        if key.display
    ]


def cut(app: Any) -> list[str]:
    """The labels shown that the footer line does not hold whole."""
    line = " ".join(footer_line(app).split())
    return [label for label in labels(app) if label not in line]


async def test_the_model_screen_footer_shows_whole_keys_at_80x24(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_model(pilot, "fraud-scoring")
        await pilot.pause()
        assert cut(app) == [], footer_line(app)
        shown = labels(app)
        for key in ("esc Back", "r Rollback", "t Triggers", "v Versions", "a Records", "? Help"):
            assert key in shown, shown
        assert "^p palette" in shown
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: "q Quit" in labels(app))
        assert {"s Sync now", "h History", "q Quit"} <= set(labels(app))
        assert cut(app) == [], footer_line(app)


async def test_a_key_left_out_of_the_footer_still_works(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_model(pilot, "fraud-scoring")
        assert "h History" not in labels(app)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))


async def test_the_history_footer_shows_whole_keys_at_80x24(make_app: Any) -> None:
    """With a filter typed, esc clears it (a longer label), and quit gives way."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.pause()
        assert cut(app) == [], footer_line(app)
        shown = labels(app)
        assert "h History" not in shown, "h does nothing on History itself"
        for key in ("esc Back", "/ Filter", "e Export CSV", "? Help", "s Sync now", "q Quit"):
            assert key in shown, shown
        app.screen.query_one("#filter-text", Input).value = "deploy"
        await wait_for(pilot, lambda: "esc Clear filter" in labels(app))
        await pilot.pause()
        assert cut(app) == [], footer_line(app)
        assert "q Quit" not in labels(app)


@pytest.mark.parametrize("size", [SMALL, SIZE], ids=["80x24", "120x40"])
async def test_the_fleet_footer_shows_every_key(make_app: Any, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert cut(app) == [], footer_line(app)
        assert {"/ Filter", "? Help", "s Sync now", "h History", "q Quit"} <= set(labels(app))


@pytest.mark.usefixtures("drill")
async def test_the_wizard_footer_fits_80x24(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        app.start_rollback("search-ranking")
        await wait_for(pilot, lambda: isinstance(app.screen, OpenStep), timeout=20)
        await pilot.pause(0.1)
        line = footer_line(app)
        assert "esc Cancel" in line and "^p palette" in line, line


def test_the_app_keys_give_way_last_shown_first() -> None:
    widths = [("back", 10), ("help", 8), ("sync", 12), ("history", 11), ("quit_key", 8)]
    assert keys_that_fit(widths, 49) == {"back", "help", "sync", "history", "quit_key"}
    assert keys_that_fit(widths, 48) == {"back", "help", "sync", "history"}
    assert keys_that_fit(widths, 30) == {"back", "help", "sync"}
    assert keys_that_fit(widths, 29) == {"back", "help"}
    assert keys_that_fit(widths, 10) == {"back", "help"}
    assert keys_that_fit(widths, 0) == {"back", "help", "sync", "history", "quit_key"}
