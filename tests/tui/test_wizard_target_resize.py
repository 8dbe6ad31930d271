"""The target step fits the terminal it is in now: resized from 120x40 to 80x24 while the
step is on screen, "served until" and "status" give way as they do at 80 columns from the
start, so "why" (eligible or not) is not cut off on the right; the highlighted row stays."""

from __future__ import annotations

from typing import Any

from test_runbook_wizard import drill, until  # noqa: F401 (drill: the autouse fixture)
from textual.widgets import DataTable
from tui_helpers import SIZE, ready

from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_target import TargetStep


def headers(table: DataTable[Any]) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


async def test_the_target_table_fits_a_terminal_resized_to_80_columns(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.start_rollback("search-ranking")
        await until(pilot, OpenStep)
        await pilot.press(*"latency up 40% since 12", "enter")
        await until(pilot, TargetStep)
        table = pilot.app.screen.query_one("#targets", DataTable)
        assert "served until" in headers(table)
        await pilot.press("down")
        highlighted = table.cursor_row
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert headers(table) == ["version", "metrics then", "why"]
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert table.cursor_row == highlighted
        assert pilot.app.screen.has_class("-short")
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert "served until" in headers(table)
