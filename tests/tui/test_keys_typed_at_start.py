"""Keys typed while the console starts (`mrp demo` prepares its workspace for a few
seconds; an impatient `j` or `enter` waits in the terminal) reached the fleet's hidden
filter: Textual focuses a screen's first focusable widget as it composes, before the
stylesheet hides the filter, so the first keys went into it. The fleet then showed no
model at all ("showing 0 matching “j”") with no filter field on screen to see or clear."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import Input
from tui_helpers import SIZE, ready

from console.tui.app import MrpApp
from console.tui.screens.fleet import FleetScreen


@pytest.fixture
def early_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys arrive as the app mounts, as those buffered by the terminal do."""
    mount = MrpApp.on_mount

    def on_mount(self: MrpApp) -> None:
        mount(self)
        for key in "jj":
            self.post_message(events.Key(key, key))

    monkeypatch.setattr(MrpApp, "on_mount", on_mount)


async def test_keys_typed_at_start_do_not_filter_the_fleet_unseen(
    make_app: Any, early_keys: None
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        field = screen.query_one("#fleet-filter", Input)
        assert screen.query_text == "" or field.display, "the fleet is filtered, unseen"
        assert len(screen.table.shown_keys) == 14
