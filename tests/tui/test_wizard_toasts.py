"""Notifications raised while the rollback wizard is up (a trigger that starts firing, a
source that fails, the wizard's own "joining runbook …") never cover what the operator
acts on: the step's hint, the field being typed in (the reason, the confirmation phrase)
and the footer. At 80x24 a toast at Textual's place, bottom right, hid the hint and the
phrase; in the wizard toasts stand at the top, over the evidence."""

from __future__ import annotations

from typing import Any

from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    MODEL,
    PHRASE,
    REASON,
    drill,
    until,
)
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.widgets._toast import Toast
from tui_helpers import ready, wait_for

from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_abort import AbortStep
from console.tui.screens.runbook_approve import ApproveStep
from console.tui.screens.runbook_checks import ChecksStep
from console.tui.screens.runbook_done import DoneStep
from console.tui.screens.runbook_execute import ExecuteStep
from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_step import StepScreen
from console.tui.screens.runbook_target import TargetStep
from console.tui.screens.runbook_verify import VerifyStep

SMALL = (80, 24)


def raise_toasts(app: Any) -> None:
    """What a refresh can raise at once: a trigger that started firing, a failed source."""
    app.notify(
        "search-ranking: latency-regression is firing",
        title="Trigger firing",
        severity="error",
        timeout=8,
    )
    app.notify(
        "source 'prom': could not connect to http://localhost:9090 (connection refused). "
        "Its stored data is kept.",
        title="Source prom failed",
        severity="warning",
        timeout=10,
    )


async def covered(pilot: Any, where: str) -> list[str]:
    """Raise two toasts over the screen shown now and say what they cover of what the
    operator must read there."""
    app = pilot.app
    screen = app.screen
    raise_toasts(app)
    await wait_for(pilot, lambda: len(screen.query(Toast)) == 2)
    await pilot.pause(0.1)
    must_read: dict[str, Widget] = {"footer": screen.query_one(Footer)}
    if isinstance(screen, StepScreen):
        must_read["hint"] = screen.query_one("#step-hint", Static)
    if isinstance(app.focused, Input):
        must_read["field being typed in"] = app.focused
    problems = []
    for toast in screen.query(Toast):
        placed = screen.find_widget(toast)
        shown = placed.region.intersection(placed.clip)
        if not shown.area:
            continue  # scrolled out of the rack: the newest toasts are shown
        for name, widget in must_read.items():
            if shown.overlaps(widget.region):
                problems.append(f"{where}: a toast ({shown}) covers the {name} ({widget.region})")
    app.clear_notifications()
    await wait_for(pilot, lambda: not screen.query(Toast))
    return problems


async def test_toasts_leave_the_wizards_hint_and_phrase_in_view_at_80x24(make_app: Any) -> None:
    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await ready(pilot)
        app.open_model(MODEL)
        await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
        await pilot.press("r")
        await until(pilot, OpenStep)
        problems += await covered(pilot, "open")
        await pilot.press(*REASON, "enter")
        await until(pilot, TargetStep)
        problems += await covered(pilot, "target")
        await pilot.press("enter")
        await until(pilot, ChecksStep)
        problems += await covered(pilot, "pre-checks")
        await pilot.press("enter")
        await until(pilot, ApproveStep)
        await pilot.press(*PHRASE[:5])
        problems += await covered(pilot, "approvals, typing the phrase")
        await pilot.press("ctrl+b")
        await pilot.pause()
        problems += await covered(pilot, "approvals, break-glass")
        await pilot.press("ctrl+b", "ctrl+u", *PHRASE, "enter")
        await wait_for(pilot, lambda: len(app.screen.runbook.approvals) == 1)
        await pilot.press(*PHRASE, "enter")
        await until(pilot, ExecuteStep)
        problems += await covered(pilot, "execute")
        await pilot.press("escape")
        await until(pilot, AbortStep)
        problems += await covered(pilot, "the abort question")
        await pilot.press("ctrl+r")
        await until(pilot, ExecuteStep)
        await pilot.press("enter")
        await until(pilot, VerifyStep)
        problems += await covered(pilot, "verify")
        await wait_for(pilot, lambda: app.screen.finished, timeout=30)
        await pilot.pause(0.1)
        problems += await covered(pilot, "verify, closing notes")
        await pilot.press("enter")
        await until(pilot, DoneStep)
        problems += await covered(pilot, "done")
    assert not problems, "\n".join(problems)
