"""Pilot tests of the fleet screen: navigation, filter, live updates, failures, themes."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input
from textual.widgets._toast import Toast
from tui_helpers import FIXED_NOW, SIZE, STATES, WALL, naive, ready, wait_for, write_states

from console.store import connect, sql
from console.tui.screens.fleet import FleetScreen
from console.tui.screens.help import HelpScreen
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen
from console.tui.triggers_bridge import evaluate_views
from console.tui.widgets.fleet_grid import FleetGrid
from console.tui.widgets.status_bar import StatusBar
from console.user_settings import load_user_settings


def table(app: Any) -> FleetGrid:
    return app.screen.query_one(FleetGrid)


def cell(app: Any, model: str, column: str) -> str:
    return table(app).cell_text(model, column)


async def test_worst_first_with_state_words(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        keys = table(app).shown_keys
        assert len(keys) == 14
        assert keys[:4] == ["credit-limit", "fraud-scoring", "search-ranking", "support-intent"]
        assert keys[4] == "churn-predictor" and keys[5] == "ad-ctr"
        assert cell(app, "fraud-scoring", "state") == "✖ FIRING"
        assert cell(app, "churn-predictor", "state") == "◐ pending"
        assert cell(app, "ad-ctr", "state") == "∅ no data"
        assert cell(app, "ad-ctr", "triggers") == "∅ auc-floor"
        assert cell(app, "spam-filter", "state") == "✔ ok"
        assert "accuracy-floor" in cell(app, "fraud-scoring", "triggers")
        assert cell(app, "fraud-scoring", "version") == "v7 ← v6"
        assert cell(app, "ad-ctr", "age") == "1h11m"  # the feed went silent after 21:29


async def test_navigation_between_screens(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j", "j", "k")
        assert table(app).cursor_key == "fraud-scoring"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
        assert app.screen.model == "fraud-scoring"
        await pilot.press("escape")
        assert isinstance(app.screen, FleetScreen)
        assert table(app).cursor_key == "fraud-scoring"
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, FleetScreen)


async def test_filter_by_team_and_state(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"risk-ml")
        assert sorted(table(app).shown_keys) == [
            "aml-screening",
            "credit-limit",
            "fraud-scoring",
            "loan-default",
        ]
        app.screen.query_one("#fleet-filter", Input).value = ""
        await pilot.press(*"firing")
        await pilot.pause()
        assert table(app).shown_keys == [
            "credit-limit",
            "fraud-scoring",
            "search-ranking",
            "support-intent",
        ]
        await pilot.press("escape")
        assert app.focused is table(app)
        assert len(table(app).shown_keys) == 14


async def test_live_update_changes_a_row_in_place(make_app: Any, workspace_root: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j")
        fleet = table(app)
        assert fleet.cursor_key == "fraud-scoring"
        before = (fleet.cursor_row, fleet.scroll_y, fleet.row_count)
        # fraud-scoring gains a second firing trigger: same place in the order, new cell.
        extra = ("fraud-scoring", "risk-ml", "error-rate", "firing", FIXED_NOW, 0.031, 0.02)
        write_states(
            workspace_root,
            (*(s for s in STATES if s[2:3] != ("error-rate",) or s[0] != "fraud-scoring"), extra),
        )
        first = app.snapshot
        app.live.poll_now(sync=False)
        await wait_for(pilot, lambda: app.snapshot is not first and not app.live.running)
        assert cell(app, "fraud-scoring", "triggers") == "✖ accuracy-floor +1"
        assert (fleet.cursor_row, fleet.scroll_y, fleet.row_count) == before
        assert fleet.cursor_key == "fraud-scoring"


async def test_cursor_follows_its_model_when_the_order_changes(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("end")
        fleet = table(app)
        selected = fleet.cursor_key
        assert selected is not None
        write_states(
            workspace_root,
            (
                *STATES,
                ("eta-forecast", "platform", "latency-regression", "firing", FIXED_NOW, 1.2, 0.4),
            ),
        )
        first = app.snapshot
        app.live.poll_now(sync=False)
        await wait_for(pilot, lambda: app.snapshot is not first and not app.live.running)
        assert fleet.shown_keys.index("eta-forecast") < 5
        assert fleet.cursor_key == selected


async def test_new_firing_trigger_is_notified(make_app: Any, workspace_root: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        write_states(
            workspace_root,
            (
                *STATES,
                ("eta-forecast", "platform", "latency-regression", "firing", FIXED_NOW, 1.2, 0.4),
            ),
        )
        first = app.snapshot
        app.live.poll_now(sync=False)
        await wait_for(pilot, lambda: app.snapshot is not first and not app.live.running)
        messages = [n.message for n in app._notifications]
        assert "eta-forecast: latency-regression is firing" in messages


async def test_toasts_stand_above_the_status_bar(make_app: Any) -> None:
    """A notification never covers the status bar or the footer, on any screen that has
    them (Textual leaves room for a footer only)."""
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        for open_screen in (None, "h", "model"):
            if open_screen == "h":
                await pilot.press("escape", "h")
            elif open_screen == "model":
                await pilot.press("escape")
                app.open_model("fraud-scoring")
                await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
            app.notify("fraud-scoring: accuracy-floor is firing", title="Trigger firing")
            await wait_for(pilot, lambda: bool(app.screen.query(Toast)))
            await pilot.pause()
            status = app.screen.query_one(StatusBar).region
            for toast in app.screen.query(Toast):
                assert toast.region.bottom <= status.y, type(app.screen).__name__
            app.clear_notifications()


async def test_failing_source_is_shown_in_the_status_bar(
    make_app: Any, workspace_root: Path
) -> None:
    config = workspace_root / "mrp.toml"
    config.write_text(
        config.read_text() + '\n[sources.broken]\nkind = "files"\npath = "no-such-folder"\n'
    )
    app = make_app(sync_at_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any(s.source == "broken" for s in app.status.sources))
        await wait_for(pilot, lambda: not app.live.running)
        line = app.screen.query_one(StatusBar).render_status(app.status).plain
        assert "✖ broken:" in line and "does not exist" in line
        assert "✔ offline" in line
        assert len(table(app).shown_keys) == 14  # stored data kept


async def test_a_source_taken_out_of_the_config_is_no_longer_reported(
    make_app: Any, workspace_root: Path
) -> None:
    config = workspace_root / "mrp.toml"
    kept = config.read_text()
    config.write_text(kept + '\n[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n')
    with connect(workspace_root / ".mrp" / "state.duckdb") as con:
        moment = naive(WALL - timedelta(seconds=12))
        con.execute(sql("record_sync_run"), ["prom", moment, moment, 0, 0, "prom is down.", []])
    async with make_app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        line = app_status_line(pilot.app)
        assert "✖ prom: prom is down." in line
        assert [n.title for n in pilot.app._notifications] == ["Source prom failed"]
    config.write_text(kept)
    async with make_app().run_test(size=SIZE) as pilot:
        await ready(pilot)
        line = app_status_line(pilot.app)
        assert "prom" not in line and "✔ offline" in line
        assert [s.source for s in pilot.app.status.sources] == ["offline"]
        assert not list(pilot.app._notifications)


def app_status_line(app: Any) -> str:
    return str(app.screen.query_one(StatusBar).render_status(app.status).plain)


async def test_refresh_failure_becomes_status_text(make_app: Any) -> None:
    app = make_app()

    def broken(**_options: Any) -> Any:
        raise RuntimeError("the state database exploded")

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.gateway.snapshot = broken  # type: ignore[method-assign]
        app.live.poll_now(sync=False)
        await wait_for(pilot, lambda: app.status.refresh_error is not None)
        assert "exploded" in (app.status.refresh_error or "")
        line = app.screen.query_one(StatusBar).render_status(app.status).plain
        assert "refresh failed" in line
        await wait_for(pilot, lambda: not app.live.running)
        assert app.live._timer is not None  # re-armed after the failure


async def test_a_slow_sync_does_not_block_keys(make_app: Any) -> None:
    app = make_app()
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_sync() -> list[Any]:
        deadline = time.monotonic() + 10
        while not release.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        return []

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.gateway.sync = slow_sync  # type: ignore[method-assign]
        app.live.poll_now(sync=True)
        await wait_for(pilot, lambda: app.live.running)
        started = time.monotonic()
        await pilot.press("j", "j")
        assert table(app).cursor_row == 2
        assert time.monotonic() - started < 1.0
        assert app.live.running  # the sync is still going
        loop.call_soon_threadsafe(release.set)
        await wait_for(pilot, lambda: not app.live.running)


async def test_theme_is_remembered(make_app: Any, isolated_home: Path) -> None:
    app = make_app(remember=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.theme = "mrp-high-contrast"
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert cell(app, "fraud-scoring", "state") == "✖ FIRING"
    assert load_user_settings().theme == "mrp-high-contrast"


async def test_unknown_theme_falls_back(make_app: Any) -> None:
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "mrp-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_palette_offers_every_action(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for wanted in (
            "Help",
            "Sync now",
            "History",
            "Theme: mrp-light",
            "Theme: mrp-high-contrast",
            "Open model",
            "Filter fleet",
        ):
            assert wanted in titles, wanted


def test_states_are_never_colour_alone() -> None:
    from console.tui.format import state_label

    for state in ("firing", "pending", "no_data", "ok"):
        symbol, word = state_label(state).split(" ", 1)
        assert symbol and word
    assert timedelta(0) == timedelta(0)


async def test_untouched_cursor_stays_on_the_worst_model(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert table(app).cursor_key == "credit-limit"
        write_states(
            workspace_root,
            (*STATES, ("aml-screening", "risk-ml", "fairness-gap", "firing", FIXED_NOW, 0.2, 0.1)),
        )
        first = app.snapshot
        app.live.poll_now(sync=False)
        await wait_for(pilot, lambda: app.snapshot is not first and not app.live.running)
        assert table(app).cursor_row == 0
        assert table(app).cursor_key == "aml-screening"


async def test_a_trigger_on_an_unknown_metric_is_named_in_the_status_bar(
    make_app: Any, workspace_root: Path
) -> None:
    """A misspelled metric reads as "no data" where the real one fires (fraud-scoring's
    accuracy-floor): the status bar names it as `mrp status` does."""
    policy = workspace_root / "policies" / "risk-ml.yaml"
    policy.write_text(policy.read_text().replace("metric: accuracy\n", "metric: acuracy\n", 1))
    app = make_app(evaluator=evaluate_views)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: bool(app.status.problems))
        assert list(app.status.problems) == [
            "policies: policies/risk-ml.yaml:15:15: unknown metric 'acuracy' "
            "(did you mean 'accuracy'?)"
        ]
        line = app.screen.query_one(StatusBar).render_status(app.status).plain
        assert "unknown metric 'acuracy'" in line


async def test_at_80_columns_the_firing_triggers_and_data_age_stay_in_view(
    make_app: Any,
) -> None:
    """A narrow terminal leaves out tier, team, trend and since (in that order), not what
    fires: no row runs off the right edge; at 120 columns every column shows."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        grid = pilot.app.screen.query_one(FleetGrid)
        lines = [grid.render_line(y).text for y in range(8)]
        assert grid.virtual_size.width <= grid.size.width
        for label in ("STATE", "MODEL", "SERVING", "FIRING / PENDING", "DATA AGE"):
            assert label in lines[0]
        assert "TEAM" not in lines[0] and "TIER" not in lines[0]
        (fraud,) = [line for line in lines if "fraud-scoring" in line]
        assert "✖ accuracy-floor" in fraud
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        header = grid.render_line(0).text
        assert all(label in header for label in ("TEAM", "TIER", "SINCE", "TREND 2h"))


def test_a_console_sync_stores_the_trigger_states_as_mrp_sync_does(workspace_root: Path) -> None:
    """So `mrp status` and CI gates read what the console saw, in a team that only runs the
    console (and the console's own first paint has states to show next time)."""
    from console.clock import Clock
    from console.settings import open_workspace
    from console.tui.gateway import Gateway

    ws = open_workspace(workspace_root)
    with connect(ws.db_path) as con:
        con.execute("DELETE FROM trigger_states")
    outcomes = Gateway(ws, Clock(fixed=FIXED_NOW)).sync()
    assert outcomes and all(o.ok for o in outcomes)
    with connect(ws.db_path) as con:
        stored = con.execute(
            "SELECT state FROM trigger_states "
            "WHERE model = 'fraud-scoring' AND trigger = 'accuracy-floor'"
        ).fetchall()
    assert stored == [("firing",)]


class _Posted:
    """Stands for the app: records what the refresh worker posts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def post_message(self, message: Any) -> bool:
        self.messages.append(message)
        return True


def test_the_first_paint_waits_for_the_evaluation_when_no_states_are_stored(
    workspace_root: Path,
) -> None:
    """Stored states make the first paint instant; with none, it would read '0 firing'
    whatever the fleet's state, so only the evaluated snapshot is shown."""
    from console.clock import Clock
    from console.settings import open_workspace
    from console.tui.gateway import Gateway
    from console.tui.live import LiveRefresh

    ws = open_workspace(workspace_root)
    gateway = Gateway(ws, Clock(fixed=FIXED_NOW), evaluator=evaluate_views)
    app = _Posted()
    LiveRefresh(app, gateway, interval=30, sync_every=60)._work(sync=False, first=True)  # type: ignore[arg-type]
    assert len(app.messages) == 2  # stored states at once, then the evaluation
    with connect(ws.db_path) as con:
        con.execute("DELETE FROM trigger_states")
    app = _Posted()
    LiveRefresh(app, gateway, interval=30, sync_every=60)._work(sync=False, first=True)  # type: ignore[arg-type]
    [only] = app.messages
    assert any(view.state == "firing" for view in only.snapshot.triggers)


def test_a_sync_warning_stays_in_the_status_bar_until_the_next_sync(workspace_root: Path) -> None:
    """A source that answered with something wrong (here a file the files source does not
    read; a misspelled metric in a PromQL template alike) shows otherwise only as no data:
    its warning is stored with the sync run, so the status bar keeps it until the next sync,
    also in a console started after the sync."""
    from console.clock import Clock
    from console.settings import open_workspace
    from console.tui.gateway import Gateway
    from console.tui.live import LiveRefresh

    def warnings(message: Any) -> list[str]:
        return [w.message for s in message.snapshot.sources for w in s.warnings]

    stray = workspace_root / "metrics" / "notes.txt"
    stray.write_text("to do\n")
    gateway = Gateway(open_workspace(workspace_root), Clock(fixed=FIXED_NOW))
    app = _Posted()
    live = LiveRefresh(app, gateway, interval=30, sync_every=60)  # type: ignore[arg-type]
    expected = "metrics/notes.txt is not read: a metric file ends in .csv or .parquet."
    live._work(sync=True, first=False)
    live._work(sync=False, first=False)  # an evaluation between syncs keeps it
    assert [warnings(m) for m in app.messages] == [[expected], [expected]]
    restarted = _Posted()
    LiveRefresh(
        restarted,
        Gateway(open_workspace(workspace_root), Clock(fixed=FIXED_NOW)),  # type: ignore[arg-type]
        interval=30,
        sync_every=60,
    )._work(sync=False, first=False)
    assert warnings(restarted.messages[-1]) == [expected]
    stray.unlink()
    live._work(sync=True, first=False)  # the next sync has no warning
    assert warnings(app.messages[-1]) == []


async def test_the_status_bar_shows_the_warnings_of_the_last_sync(
    make_app: Any, workspace_root: Path
) -> None:
    from console.settings import open_workspace
    from console.sources.sync import sync_workspace

    (workspace_root / "metrics" / "notes.txt").write_text("to do\n")
    await asyncio.to_thread(sync_workspace, open_workspace(workspace_root))
    app = make_app()
    async with app.run_test(size=(200, 24)) as pilot:
        await ready(pilot)
        line = app.screen.query_one(StatusBar).render_status(app.status).plain
        assert (
            "⚠ offline: metrics/notes.txt is not read: a metric file ends in .csv or .parquet"
            in line
        )
