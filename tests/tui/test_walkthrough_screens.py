"""What an on-call engineer tripped over on the fleet, model and history screens (a
walkthrough of `mrp demo` in tmux): esc in History left the screen with a filter typed,
where the fleet clears it first; enter in the fleet's filter only moved to the table, so
opening the one model found took a second enter; tab on the model screen moved the focus
to the charts unseen, and the arrows then scrolled them instead of moving between
triggers."""

from __future__ import annotations

from typing import Any

from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import Input
from textual.widgets._tabbed_content import ContentTabs
from tui_helpers import SIZE, ready, wait_for

from console.tui.screens.fleet import FleetScreen
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen
from console.tui.widgets.fleet_grid import FleetGrid
from console.tui.widgets.metric_chart import MetricChart
from console.tui.widgets.records_table import RecordsTable
from console.tui.widgets.triggers_table import TriggersTable


def screen_text(app: Any) -> list[str]:
    """The screen as drawn, a line a row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def footer_esc(screen: Any) -> str:
    return str(screen.active_bindings["escape"].binding.description)


async def test_esc_in_history_clears_the_filter_then_leaves(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.shown)
        screen = app.screen
        everything = len(screen.shown)
        assert footer_esc(screen) == "Back"
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"fraud")
        await wait_for(pilot, lambda: len(screen.shown) < everything)
        assert footer_esc(screen) == "Clear filter"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen, "esc left History with a filter typed"
        assert screen.query_one("#filter-model", Input).value == ""
        assert len(screen.shown) == everything
        assert app.focused is screen.query_one(RecordsTable)
        assert footer_esc(screen) == "Back"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen))


async def test_enter_in_the_fleet_filter_opens_the_first_match(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        fleet = app.screen
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"risk-ml")
        await pilot.pause()
        table = fleet.query_one(FleetGrid)
        first = table.shown_keys[0]
        assert first == table.cursor_key == "credit-limit"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
        assert app.screen.model == first
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is fleet)
        field = fleet.query_one("#fleet-filter", Input)
        assert field.value == "risk-ml" and field.display  # the filter kept, in view
        assert app.focused is table


async def test_enter_in_the_fleet_filter_with_no_match_stays_in_the_filter(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        fleet = app.screen
        field = fleet.query_one("#fleet-filter", Input)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"nosuchmodel", "enter")
        await pilot.pause()
        assert app.screen is fleet and fleet.query_one(FleetGrid).shown_keys == []
        assert app.focused is field
        field.value = ""
        await pilot.pause()
        await pilot.press("enter")  # nothing typed: back to the table, the filter hidden
        await pilot.pause()
        assert app.screen is fleet and app.focused is fleet.query_one(FleetGrid)
        assert not field.display


async def test_tab_on_the_model_screen_shows_where_the_focus_is(make_app: Any) -> None:
    """Tab goes to the charts (the arrows scroll them), the tabs, then the triggers again;
    on the charts a bar of the focused cursor's colour marks them, and nothing moves."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.open_model("fraud-scoring")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ModelScreen) and app.screen._detail is not None
        )
        await pilot.pause(0.2)
        screen = app.screen
        charts = screen.query_one("#chart-scroll", VerticalScroll)
        first = screen.query(MetricChart).first()
        at = first.region
        assert app.focused is screen.query_one(TriggersTable)
        assert screen_text(app)[charts.region.y + 1][0] == " "
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is charts
        kind, colour = screen.query_one("#charts").styles.outline_left
        assert kind == "outer"
        assert colour == Color.parse(app.theme_variables["block-cursor-background"])
        assert screen_text(app)[charts.region.y + 1][0] == "▌"
        assert first.region == at, "the charts moved when the focus came"
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, ContentTabs)
        assert screen_text(app)[charts.region.y + 1][0] == " "
        await pilot.press("tab")
        assert app.focused is screen.query_one(TriggersTable)
