"""The rollback wizard on a small terminal (a laptop split, a phone's SSH client): at 80x24
and 100x30 every step keeps its title, the current step on the rail and the hint with the
keys to press on screen, and the screen itself never scrolls (a step's body scrolls inside
its own region). search-ranking is the model whose target table wraps the most."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Static
from tui_helpers import FIXED_NOW, ready, wait_for

from console.clock import Clock
from console.runbook.drill import drill_signers
from console.settings import open_workspace
from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_abort import AbortStep
from console.tui.screens.runbook_approve import ApproveStep
from console.tui.screens.runbook_checks import ChecksStep
from console.tui.screens.runbook_done import DoneStep
from console.tui.screens.runbook_execute import ExecuteStep
from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_step import StepBody, StepScreen
from console.tui.screens.runbook_target import TargetStep
from console.tui.screens.runbook_verify import VerifyStep
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.runbook_steps import LABELS, RunbookSteps, fitted_rail, rail

MODEL = "search-ranking"
PHRASE = "search-ranking@11"
SMALL = [(80, 24), (100, 30)]


@pytest.fixture(autouse=True)
def drill(workspace_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    drill_signers(open_workspace(workspace_root))
    monkeypatch.setattr("secrets.token_hex", lambda n: "beef")
    yield
    keyring.set_keyring(previous)


def on_screen(screen: Widget, widget: Widget) -> bool:
    """Wholly inside the terminal and inside every region that clips it."""
    geometry = screen.find_widget(widget)  # type: ignore[attr-defined]
    region: Region = geometry.region
    return (
        region.height > 0
        and screen.region.contains_region(region)
        and geometry.clip.contains_region(region)
    )


def fit_problems(pilot: Any, where: str) -> list[str]:
    """What a person on this terminal would miss on the step shown now."""
    screen = pilot.app.screen
    assert isinstance(screen, StepScreen), screen
    problems = []
    if screen.max_scroll_y > 0 or screen.scroll_y > 0:
        problems.append(f"{where}: the screen scrolls ({screen.max_scroll_y} rows)")
    hint = screen.query_one("#step-hint", Static)
    if not on_screen(screen, hint):
        problems.append(f"{where}: the hint is cut off ({hint.region} on {screen.region})")
    elif hint.region.height < len(hint.render_lines(hint.region.reset_offset)):
        problems.append(f"{where}: the hint is cut short")
    focused = pilot.app.focused
    if focused is not None and not on_screen(screen, focused):
        problems.append(f"{where}: the field being typed in is out of view: {focused}")
    title = screen.query_one(".step-title", Static)
    if not on_screen(screen, title):
        problems.append(f"{where}: the step's title is cut off")
    steps = screen.query_one(RunbookSteps)
    shown = str(steps.render())
    current = f"▸ {LABELS.get(screen.step, screen.step)}"
    if screen.step != "closed" and current not in shown:
        problems.append(f"{where}: the rail does not show {current!r}: {shown!r}")
    if not on_screen(screen, steps) or Text(shown).cell_len > steps.content_region.width:
        problems.append(f"{where}: the rail is cut off: {shown!r}")
    return problems


async def until(pilot: Any, kind: type) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind), timeout=20)
    await pilot.pause(0.1)


async def walk(pilot: Any, where: str) -> list[str]:
    """From the model screen to a closed dry run, checking each step (and the refusals,
    break-glass and the verify outcome that make a step taller) as it is shown."""
    problems: list[str] = []

    async def check(step: str) -> None:
        await pilot.pause(0.1)
        problems.extend(fit_problems(pilot, f"{where} {step}"))

    app = pilot.app
    await ready(pilot)
    app.open_model(MODEL)
    await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
    await pilot.press("r")
    await until(pilot, OpenStep)
    await check("open")
    await pilot.press("enter")  # no reason: refused on the step
    await check("open, refused")
    await pilot.press(*"latency up 40% since 12", "enter")
    await until(pilot, TargetStep)
    await check("target")
    table = app.screen.query_one("#targets", DataTable)
    table.move_cursor(row=table.get_row_index("9"))
    await pilot.press("enter")  # archived: refused on the step
    await check("target, refused")
    table.move_cursor(row=table.get_row_index("11"))
    await pilot.press("enter")
    await until(pilot, ChecksStep)
    await check("pre-checks")
    await pilot.press("enter")
    await until(pilot, ApproveStep)
    await check("approvals")
    await pilot.press("ctrl+b")
    await check("approvals, break-glass")
    body = app.screen.query_one(StepBody)
    first = body.children[0]
    if not on_screen(app.screen, first):
        await pilot.press("pageup")
        await pilot.pause()
        if not on_screen(app.screen, first):
            problems.append(f"{where} approvals, break-glass: page up does not show it all")
        await pilot.press("pagedown")
        await pilot.pause()
    await pilot.press("ctrl+b", *PHRASE, "enter")
    await until(pilot, ExecuteStep)
    await check("execute")
    await pilot.press("enter")
    await until(pilot, VerifyStep)
    await check("verify, watching")
    await wait_for(pilot, lambda: app.screen.finished, timeout=30)
    await check("verify, outcome")
    await pilot.press("enter")
    await until(pilot, DoneStep)
    await check("done")
    return problems


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_every_step_fits_a_small_terminal(make_app: Any, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        problems = await walk(pilot, "{}x{}".format(*size))
    assert not problems, "\n".join(problems)


async def test_the_target_table_scrolls_inside_its_step_at_80x24(make_app: Any) -> None:
    """The versions table takes the room left between the step's first line and its hint
    and scrolls there: the suggestion line above it stays in view as the cursor moves."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.start_rollback(MODEL)
        await until(pilot, OpenStep)
        await pilot.press(*"latency up 40% since 12", "enter")
        await until(pilot, TargetStep)
        screen = app.screen
        intro = screen.query(".step-body Static").first()
        table = screen.query_one("#targets", DataTable)
        for _ in range(table.row_count):
            await pilot.press("down")
            await pilot.pause()
            assert on_screen(screen, intro), "the suggestion line scrolled away"
            assert on_screen(screen, table)
            assert fit_problems(pilot, "target") == []
        assert table.cursor_row == table.row_count - 1
        assert table.max_scroll_y > 0, "the table scrolls, not the step"


async def test_the_abort_question_and_the_aborted_rail_fit_80_columns(make_app: Any) -> None:
    """Esc on a step asks whether to abort or leave; at 80 columns the dialog and its reason
    field stay inside the terminal, and the aborted runbook's rail says where it stopped."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.start_rollback(MODEL)
        await until(pilot, OpenStep)
        await pilot.press(*"latency up 40% since 12", "enter")
        await until(pilot, TargetStep)
        await pilot.press("escape")
        await until(pilot, AbortStep)
        screen = app.screen
        for widget in (screen.query_one("#abort-reason"), *screen.query(Static)):
            assert on_screen(screen, widget), widget
        await pilot.press(*"false alarm", "enter")
        await until(pilot, DoneStep)
        assert fit_problems(pilot, "aborted") == []
        assert (
            str(app.screen.query_one(RunbookSteps).render())
            .rstrip()
            .endswith("✗ aborted at target")
        )


@pytest.mark.parametrize("width", [78, 60, 40])
def test_the_rail_gives_way_on_a_narrow_terminal(width: int) -> None:
    """The usual rail fits 80 columns unchanged; narrower, the done steps lose their labels
    first, then the steps to come, and the current step keeps its own."""
    assert fitted_rail(None, "verify", 200) == rail(None, "verify")
    shown = fitted_rail(None, "verify", width)
    assert shown.cell_len <= width, shown.plain
    assert "▸ verify" in shown.plain
    if width >= rail(None, "verify").cell_len:
        assert shown == rail(None, "verify")


@pytest.mark.parametrize("ended", [False, True], ids=["replaying", "history ended"])
async def test_the_drill_banner_says_nothing_real_is_touched_at_80_columns(
    make_app: Any, ended: bool
) -> None:
    """The banner over every screen of a drill (`mrp demo`) was cut at 80 columns before
    "no production system is touched"; there it says the speed and time shorter."""
    start = FIXED_NOW - timedelta(hours=1)
    clock = Clock(replay_from=start, speed=60.0, replay_until=start if ended else None)
    app = make_app(clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        banner = app.screen.query_one(DrillBanner)
        said = str(banner.render()).strip()
        assert said.startswith("DRILL · ") and said.endswith("no production system is touched")
        assert len(said) <= 80
        assert ("history ends" in said) == ended
