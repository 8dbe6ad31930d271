"""What is typed in the rollback wizard stays in the wizard: the app's letter keys (h, ?, s,
q) and the fleet's / do nothing on any step, whatever has the focus (the target table, the
signer list, the verify step while it watches, the abort question; h on the closed step
opens History, as that step says), and the palette offers no screen to open over a step.
On the open step tab turns the dry run on and off, as its hint says, and the reason keeps
the focus. Once the wizard is closed the keys work again."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from test_runbook_overtaken import registry  # noqa: F401 (a registry that can move the alias)
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    Keys,
    drill,
    to_abort_question,
    to_approve,
    to_checks,
    to_done,
    to_execute,
    to_open,
    to_target,
    until,
)
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Input, Select, Static
from tui_helpers import SIZE, wait_for

from console.runbook.facts import ModelFacts
from console.settings import open_workspace
from console.store import connect
from console.tui.screens.help import HelpScreen
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_verify import VerifyStep
from console.tui.screens.runbook_wizard import RunbookScreen

LETTERS = ("h", "question_mark", "s", "q", "slash")
"""History, help, sync, quit (the app's) and filter (the fleet's)."""
OTHER_SCREENS = ("History", "Help", "Sync now", "Fleet")


def sync_runs(root: Path) -> int:
    with connect(open_workspace(root).db_path, read_only=True) as con:
        row = con.execute("SELECT count(*) FROM sync_runs").fetchone()
    assert row is not None
    return int(row[0])


def footer_keys(screen: Screen[Any]) -> str:
    return " ".join(
        f"{key}:{b.binding.description}" for key, b in screen.active_bindings.items() if b.enabled
    )


async def letters_stay_in_the_wizard(
    pilot: Any, root: Path, letters: tuple[str, ...] = LETTERS
) -> None:
    app = pilot.app
    step, synced = app.screen, sync_runs(root)
    others = OTHER_SCREENS if "h" in letters else tuple(n for n in OTHER_SCREENS if n != "History")
    for key in letters:
        await pilot.press(key)
        await pilot.pause()
        assert app.is_running and app.return_code is None, f"{key} quit the console"
        assert app.screen is step, f"{key} left {type(step).__name__} for {app.screen}"
    await wait_for(pilot, lambda: not app.live.running)
    assert not [s for s in app.screen_stack if isinstance(s, HistoryScreen | HelpScreen)]
    assert sync_runs(root) == synced, "s synced from inside the wizard"
    shown = footer_keys(step)
    assert not [name for name in others if name in shown], shown
    offered = [c.title for c in app.get_system_commands(step)]
    assert not [name for name in OTHER_SCREENS if name in offered], offered


Driver = Callable[[Any, Keys], Awaitable[None]]


async def on_the_signer_list(pilot: Any, keys: Keys) -> None:
    await to_approve(pilot, keys)
    await keys.press("shift+tab")
    assert isinstance(pilot.app.focused, Select)


@pytest.mark.parametrize(
    "driver",
    [to_target, to_checks, on_the_signer_list, to_execute, to_done, to_abort_question],
    ids=["target table", "checks", "signer list", "execute", "done", "abort question"],
)
async def test_letters_do_nothing_on_a_step(
    make_app: Any, workspace_root: Path, driver: Driver
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await driver(pilot, Keys(pilot))
        # h on the closed step opens History, as it says (test_walkthrough_wizard)
        letters = tuple(k for k in LETTERS if k != "h") if driver is to_done else LETTERS
        await letters_stay_in_the_wizard(pilot, workspace_root, letters)


@pytest.mark.usefixtures("registry")
async def test_letters_do_nothing_while_the_verify_step_watches(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        wizard = next(s for s in pilot.app.screen_stack if isinstance(s, RunbookScreen))
        evaluate, watching, go_on = wizard.env.evaluate, threading.Event(), threading.Event()

        def held(facts: ModelFacts, at: datetime) -> Any:
            watching.set()
            go_on.wait(timeout=20)
            return evaluate(facts, at)

        wizard.env.evaluate = held
        await keys.press("enter")
        await until(pilot, VerifyStep)
        await wait_for(pilot, watching.is_set)
        try:
            await letters_stay_in_the_wizard(pilot, workspace_root)
        finally:
            go_on.set()
        await wait_for(pilot, lambda: pilot.app.screen.finished, timeout=30)
        notes = pilot.app.screen.query_one("#notes", Input)
        assert notes.value == "", "what was typed while it watched went into the hidden notes"
        assert pilot.app.focused is notes


@pytest.mark.usefixtures("registry")
async def test_tab_turns_the_dry_run_on_and_off_and_the_reason_keeps_the_typing(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_open(pilot, Keys(pilot))
        step = pilot.app.screen
        assert "tab: dry run on/off" in str(step.query_one("#step-hint", Static).render())
        box, reason = step.query_one("#dry-run", Checkbox), step.query_one("#reason", Input)
        assert not box.value
        await pilot.press("tab")
        assert box.value and pilot.app.focused is reason
        assert "DRY RUN" in str(step.query_one("#runbook-title", Static).render())
        await letters_stay_in_the_wizard(pilot, workspace_root)
        assert reason.value == "h?sq/"
        await pilot.press("tab")
        assert not box.value and pilot.app.focused is reason
        assert "DRY RUN" not in str(step.query_one("#runbook-title", Static).render())


async def test_the_keys_work_again_once_the_wizard_is_closed(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_open(pilot, Keys(pilot))
        assert isinstance(pilot.app.screen, OpenStep)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
        assert "History" in footer_keys(pilot.app.screen)
        assert pilot.app.screen.query_one(Footer)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
