"""At 80x24 (an on-call engineer's tmux split) the model screen cut off what an operator
reads it for: the serving line lost the data's age off the right edge, the range bar lost
'charts 1-2 of 7 ↓' (in mrp demo: five charts below, unsaid), the chart titles cut the last value or
the trigger's name to 'ac…', the triggers table hid SINCE, HELD, SEVERITY and ACTION behind
a sideways scroll, the versions table its REPLACED times and baselines; History's rows were
six lines high for a DETAIL column scrolled out of view. Narrow tables now leave out their
least needed columns (as the fleet does), the line under the triggers says what was left
out for the highlighted one, and the heading and range bar are written for the width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual.widgets.data_table import ColumnKey
from tui_helpers import SIZE, ready, wait_for
from tui_helpers import open_model as open_shown

from console.fleet import FleetEntry, TriggerView
from console.model_detail import Series
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen, range_bar
from console.tui.widgets.metric_chart import ChartData, MetricChart, chart_title, x_tick_count
from console.tui.widgets.model_header import header_text
from console.tui.widgets.records_table import RecordsTable
from console.tui.widgets.triggers_table import COLUMNS, TriggersTable
from console.tui.widgets.versions_table import VersionsTable

SMALL = (80, 24)


def screen_text(app: Any) -> list[str]:
    """The screen as drawn, a line a row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def line_with(lines: list[str], text: str) -> str:
    found = [line for line in lines if text in line]
    assert found, f"{text!r} is not on the screen:\n" + "\n".join(lines)
    return found[0]


async def open_model(pilot: Any, model: str) -> ModelScreen:
    """The model's screen, once its range bar says which charts are in view."""
    screen = await open_shown(pilot, model)
    await wait_for(pilot, lambda: " of " in str(screen.query_one("#range-bar").render()))
    return screen


def fits(table: Any) -> bool:
    """Nothing of the table is off to the right."""
    return bool(table.virtual_size.width <= table.size.width)


async def test_the_model_screen_at_80x24_keeps_what_an_operator_reads_in_view(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        await pilot.pause()
        lines = screen_text(app)
        state = line_with(lines, "fraud-scoring")
        assert "✖ FIRING: accuracy-floor" in state
        serving = line_with(lines, "champion → v7")
        assert serving.strip() == "champion → v7 since 2h40m ago · previous v6 · data age <1m"
        count = len(screen.query(MetricChart))
        assert count > 2 and f"charts 1-2 of {count} ↓" in line_with(lines, "range (keys 1-4)")
        titles = line_with(lines, "accuracy · ")
        assert "accuracy · ✖ · last 0.8228" in titles  # the chart's newest sample
        assert "error_rate · ✔ · last 0.002767" in titles

        table = screen.query_one(TriggersTable)
        assert fits(table)
        header = line_with(lines, "TRIGGER")
        labels = header.split()
        wanted = ["STATE", "TRIGGER", "VALUE", "LIMIT", "SINCE", "ACTION"]
        assert [label for label in labels if label in wanted] == wanted, labels
        assert "METRIC" not in labels and "SEVERITY" not in labels
        row = " ".join(line_with(lines, "✖ FIRING   accuracy-floor").split())
        assert row.startswith("✖ FIRING accuracy-floor 0.861 < 0.9 2h26m ago")
        assert row.endswith(" rollback")
        why = line_with(lines, "why accuracy-floor")
        assert why.strip() == "why accuracy-floor (critical): accuracy 0.861 < 0.9 for 5m or more"

        await pilot.press("v")
        await pilot.pause()
        versions = screen.query_one(VersionsTable)
        assert fits(versions)
        lines = screen_text(app)
        assert line_with(lines, "VERSION").split() == ["VERSION", "STATUS", "DEPLOYED", "REPLACED"]
        assert line_with(lines, "▶ serving").split()[:5] == [
            "7",
            "▶",
            "serving",
            "2026-11-14",
            "20:00",
        ]
        replaced = line_with(lines, "2026-11-02 14:10 UTC  2026-11-14 20:00 UTC")
        assert replaced.split()[0] == "6"

        await pilot.press("a")
        await pilot.pause()
        assert fits(screen.query_one(RecordsTable))


async def test_columns_left_out_come_back_when_the_terminal_grows(make_app: Any) -> None:
    """From a tmux split to a whole window: every column again, the cursor on its trigger,
    and the line under the table no longer repeats what the row says."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        table = screen.query_one(TriggersTable)
        await pilot.press("down")
        assert table.cursor_key == "error-rate"
        assert "metric" not in table.visible_columns
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: "metric" in table.visible_columns)
        await pilot.pause()
        assert table.visible_columns == [key for key, _label, _width in COLUMNS]
        assert table.cursor_key == "error-rate"
        assert table.get_cell("error-rate", "severity").plain == "high"
        why = str(screen.query_one("#trigger-why").render())
        assert why.startswith("why error-rate: ")
        await pilot.resize_terminal(*SMALL)
        await wait_for(pilot, lambda: "metric" not in table.visible_columns)
        await pilot.pause()
        assert fits(table) and table.cursor_key == "error-rate"
        why = str(screen.query_one("#trigger-why").render())
        assert why.startswith("why error-rate (high): ")


async def test_history_at_80x24_shows_each_records_detail(make_app: Any) -> None:
    """The detail is what a record says; it was wrapped onto six lines a row, 12 columns
    wide, and scrolled off the right edge."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("h")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: screen.shown != ())
        await pilot.pause()
        table = screen.query_one(RecordsTable)
        assert fits(table)
        assert table.visible_columns == ["key", "at", "model", "action", "detail"]
        assert table.columns[ColumnKey("detail")].width >= 20
        lines = screen_text(app)
        assert line_with(lines, "WHEN").split() == ["#", "WHEN", "MODEL", "ACTION", "DETAIL"]
        first = line_with(lines, "support-intent")
        assert first.split()[3:7] == ["support-intent", "security_finding", "[high]", "dependency"]
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: "origin" in table.visible_columns)
        assert fits(table)


NOW = datetime(2026, 11, 14, 22, 40, tzinfo=UTC)
ENTRY = FleetEntry(
    name="fraud-scoring",
    team="risk-ml",
    risk_tier="high",
    alias="champion",
    version="7",
    since=NOW - timedelta(hours=2, minutes=40),
    previous_version="6",
    last_sample=NOW - timedelta(hours=1, minutes=11),
    worst_state="firing",
    firing=("accuracy-floor", "fairness-gap", "latency-regression"),
)


def test_the_model_heading_gives_way_from_the_least_needed_part() -> None:
    """The team and tier, then the firing triggers past the first ones, then the date the
    version came: the state, the versions and the data's age stay."""
    wide = header_text("fraud-scoring", ENTRY, NOW, {}, 140).plain.split("\n")
    assert wide == [
        "fraud-scoring · team risk-ml · tier high  ✖ FIRING: accuracy-floor, fairness-gap, "
        "latency-regression",
        "champion → v7 since 2026-11-14 20:00 UTC (2h40m ago) · previous v6 · data age 1h11m",
    ]
    assert header_text("fraud-scoring", ENTRY, NOW, {}, None).plain.split("\n") == wide
    assert header_text("fraud-scoring", ENTRY, NOW, {}, 78).plain.split("\n") == [
        "fraud-scoring  ✖ FIRING: accuracy-floor, fairness-gap, latency-regression",
        "champion → v7 since 2h40m ago · previous v6 · data age 1h11m",
    ]
    assert header_text("fraud-scoring", ENTRY, NOW, {}, 60).plain.split("\n") == [
        "fraud-scoring  ✖ FIRING: accuracy-floor, fairness-gap +1",
        "champion → v7 since 2h40m ago · previous v6 · data age 1h11m",
    ]
    for width in range(20, 140):
        lines = header_text("fraud-scoring", ENTRY, NOW, {}, width).plain.split("\n")
        assert all(len(line) <= width for line in lines), (width, lines)


def test_the_range_bar_says_which_charts_are_in_view_before_its_legend() -> None:
    ranges = [" 1h ", "[reverse] 6h [/]", " 24h ", " 7d "]
    wide = range_bar(ranges, "charts 1-4 of 7 ↓", 118).plain
    assert wide.startswith("range (keys 1-4)  1h   6h ")
    assert wide.endswith("── baseline · │▸v switch · ↩ rollback   charts 1-4 of 7 ↓")
    narrow = range_bar(ranges, "charts 1-2 of 7 ↓", 78).plain
    assert narrow.endswith("7d    charts 1-2 of 7 ↓   ── threshold")
    assert range_bar(ranges, "", 78).plain.endswith("7d    ── threshold · ── baseline")


def test_a_narrow_charts_title_keeps_the_states_and_the_last_value() -> None:
    """Half an 80-column terminal: ``✖ ac…`` said nothing; the symbol alone does."""
    series = Series("error_rate", (NOW,), (0.002767,))
    ok = TriggerView("fraud-scoring", "risk-ml", "error-rate", "ok")
    firing = TriggerView("fraud-scoring", "risk-ml", "error-spike", "firing")
    data = ChartData("error_rate", NOW - timedelta(hours=6), NOW, series, (ok, firing))
    assert chart_title(data, 31) == "error_rate · ✔✖ · last 0.002767"
    assert chart_title(data, 26) == "error_rate · ✔✖ · 0.002767"
    assert chart_title(data, 50) == "error_rate · ✔ error-rate · ✖ err… · last 0.002767"


def test_x_labels_stand_apart_or_are_fewer() -> None:
    """Charts 6h wide at 80, 100 and 120 columns (31, 40, 51 columns of plot), then 7d."""
    assert [x_tick_count(canvas, 5) for canvas in (31, 40, 51)] == [3, 4, 4]
    assert [x_tick_count(canvas, 11) for canvas in (31, 40, 51)] == [1, 2, 2]
    assert x_tick_count(3, 5) == 1
