"""At 80x24 History showed three records: each row was as high as its detail wrapped (up to
six lines) with the date stacked over the time. A record is now a line (the time as
month-day hour, the detail cut short) and the highlighted record's time, source, signer,
version and whole detail stand under the table: a dozen records in view, nothing of one
out of reach (enter still opens the whole record)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static
from tui_helpers import SIZE, open_history, wait_for

from console.tui.screens.history import HistoryScreen
from console.tui.screens.record import RecordScreen
from console.tui.widgets.records_table import RecordsTable

SMALL = (80, 24)


def screen_text(app: Any) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def detail_text(screen: HistoryScreen) -> str:
    """What the pane under the table says, its lines joined."""
    return " ".join(str(screen.query_one("#record-detail", Static).render()).split())


async def test_history_at_80x24_shows_a_dozen_records(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_history(pilot)
        lines = screen_text(app)
        table = screen.query_one(RecordsTable)
        top = table.region.y + 1  # under the header
        rows = [line for line in lines[top : table.region.bottom] if line.split()]
        numbers = [line.split()[0] for line in rows]
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)], rows
        assert len(numbers) >= 12, "\n".join(lines)
        assert rows[0].split()[1:3] == ["11-14", "22:30"]


async def test_the_highlighted_records_detail_is_whole_under_the_table(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_history(pilot)
        table = screen.query_one(RecordsTable)
        for _ in range(4):
            row = table.highlighted
            assert row is not None
            said = detail_text(screen)
            head = f"{row.at:%Y-%m-%d %H:%M} UTC · {row.origin}"
            assert said.startswith(head), said
            if row.actor:
                assert f"by {row.actor}" in said
            if row.version:
                assert f"version {row.version}" in said
            assert " ".join(row.detail.split()) in said
            shown = screen_text(app)[table.region.y + 1 + table.cursor_row]
            assert len(shown.rstrip()) <= app.size.width, "a row is one line"
            await pilot.press("down")
            await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))


async def test_a_filter_matching_nothing_leaves_no_detail(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        pane = screen.query_one("#record-detail", Static)
        assert pane.display
        screen.query_one("#filter-text", Input).value = "no record says this"
        await wait_for(pilot, lambda: screen.shown == ())
        assert not pane.display
