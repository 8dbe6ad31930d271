"""`?` is the first key a newcomer presses. At 80x24 the help was a fixed 110x34 box: cut
off on the right (the trigger states' meanings ended mid-word, "the con") and at the
bottom, with nothing to scroll. It now fits the terminal, the states under the keys, and
scrolls; it also names the rollback wizard's own keys, where `?` does nothing."""

from __future__ import annotations

from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static
from tui_helpers import SIZE, ready, wait_for

from console.tui.format import MEANING
from console.tui.screens.help import HelpScreen


def words(widget: Static) -> str:
    """The widget's text as drawn at its width, whitespace collapsed."""
    width, height = widget.size
    lines = widget.render_lines(Region(0, 0, width, height))
    return " ".join(" ".join("".join(seg.text for seg in line) for line in lines).split())


@pytest.mark.parametrize("size", [(80, 24), (100, 30), SIZE], ids=["80x24", "100x30", "120x40"])
async def test_help_fits_the_terminal_and_scrolls(make_app: Any, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.1)
        screen = app.screen
        body = screen.query_one("#help-body", VerticalScroll)
        assert screen.region.contains_region(body.region), (body.region, screen.region)
        assert body.max_scroll_x == 0, "the help is cut off on the right"
        text = words(screen.query_one("#help-text", Static))
        assert "…" not in text
        if size[0] < 100:  # one column: each meaning reads on, line after line
            for meaning in MEANING.values():
                assert " ".join(meaning.split()) in text, meaning
        assert "Rollback wizard" in text
        for key in ("tab", "ctrl+b", "pgup pgdn"):
            assert f" {key} " in text, key
        body.scroll_end(animate=False)
        await pilot.pause(0.1)
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
