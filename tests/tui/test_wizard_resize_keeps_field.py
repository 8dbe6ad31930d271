"""A terminal made smaller while a step waits for typing (a tmux split, 120x40 to 80x24)
keeps the field being typed in on screen: the approval's confirmation phrase, the reason
for opening and the closing notes. The step's body scrolled to the field only when it took
the focus, so after the resize the phrase went on being typed below the panel's edge,
unseen, and enter signed it."""

from __future__ import annotations

from typing import Any

from test_runbook_small_terminal import PHRASE, drill, fit_problems, until  # noqa: F401
from textual.widgets import Input
from tui_helpers import SIZE, ready, wait_for

from console.tui.screens.runbook_approve import ApproveStep
from console.tui.screens.runbook_checks import ChecksStep
from console.tui.screens.runbook_execute import ExecuteStep
from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_target import TargetStep
from console.tui.screens.runbook_verify import VerifyStep

MODEL = "search-ranking"


async def shrink_and_back(pilot: Any, where: str) -> list[str]:
    """Resize to 80x24 and back, and say what the person would miss at each size."""
    problems: list[str] = []
    for size in ((80, 24), (100, 30), SIZE):
        await pilot.resize_terminal(*size)
        await pilot.pause(0.1)
        problems.extend(fit_problems(pilot, "{} at {}x{}".format(where, *size)))
    return problems


async def test_the_focused_field_stays_in_view_when_the_terminal_shrinks(make_app: Any) -> None:
    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.start_rollback(MODEL)
        await until(pilot, OpenStep)
        await pilot.press(*"latency up")
        problems += await shrink_and_back(pilot, "open")
        await pilot.press(*" 40%", "enter")
        await until(pilot, TargetStep)
        await pilot.press("enter")
        await until(pilot, ChecksStep)
        await pilot.press("enter")
        await until(pilot, ApproveStep)
        await pilot.press(*PHRASE[:5])
        problems += await shrink_and_back(pilot, "approvals")
        await pilot.resize_terminal(80, 24)
        await pilot.press(*PHRASE[5:])
        await pilot.pause(0.1)
        problems += fit_problems(pilot, "approvals, typing at 80x24")
        assert app.screen.query_one("#phrase", Input).value == PHRASE
        await pilot.resize_terminal(*SIZE)
        await pilot.press("enter")
        await until(pilot, ExecuteStep)
        await pilot.press("enter")
        await until(pilot, VerifyStep)
        await wait_for(pilot, lambda: app.screen.finished, timeout=30)
        await pilot.pause(0.1)
        problems += await shrink_and_back(pilot, "verify, closing notes")
    assert not problems, "\n".join(problems)
