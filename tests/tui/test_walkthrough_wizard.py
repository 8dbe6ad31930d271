"""What an on-call engineer tripped over in the rollback wizard (a walkthrough of `mrp
demo` in tmux): the closed step offered `h` for history and `h` did nothing there; the
open step's footer said esc would abort or leave while its hint said esc cancels; the
evidence box never said when its values were taken, so at the verify step its 0.175 read
as contradicting the target table's "now 0.1748"."""

from __future__ import annotations

from typing import Any

from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    PHRASE,
    REASON,
    Keys,
    drill,
    to_done,
    to_open,
    until,
)
from textual.widgets import Static
from tui_helpers import SIZE, wait_for

from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_approve import ApproveStep
from console.tui.screens.runbook_checks import ChecksStep
from console.tui.screens.runbook_done import DoneStep
from console.tui.screens.runbook_execute import ExecuteStep
from console.tui.screens.runbook_step import StepScreen
from console.tui.screens.runbook_target import TargetStep
from console.tui.screens.runbook_verify import VerifyStep
from console.tui.screens.runbook_wizard import RunbookScreen
from console.tui.widgets.runbook_evidence import RunbookEvidence


def hint(screen: Any) -> str:
    return str(screen.query_one("#step-hint", Static).render())


def footer_esc(screen: Any) -> str:
    """What the footer says esc does on ``screen``."""
    return str(screen.active_bindings["escape"].binding.description)


async def test_h_on_the_closed_step_opens_history(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_done(pilot, Keys(pilot))
        step = pilot.app.screen
        body = " ".join(str(s.render()) for s in step.query(Static))
        assert "or h for history" in body
        said, footer = hint(step), step.active_bindings
        await pilot.press("h")
        await pilot.pause()
        assert step not in pilot.app.screen_stack, "h did nothing on the closed step"
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
        assert "h: history" in said and footer["h"].binding.description == "History"
        assert not [s for s in pilot.app.screen_stack if isinstance(s, RunbookScreen)]
        await wait_for(pilot, lambda: pilot.app.screen.shown != ())
        assert any(r.action == "runbook.close" for r in pilot.app.screen.shown)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))


class EscChecked(Keys):
    """Before each key on a step: the footer's esc is the hint's esc."""

    def __init__(self, pilot: Any) -> None:
        super().__init__(pilot)
        self.steps: set[str] = set()

    async def press(self, *keys: str) -> None:
        self.check()
        await super().press(*keys)

    def check(self) -> None:
        screen = self.pilot.app.screen
        if not isinstance(screen, StepScreen):
            return
        said = footer_esc(screen).lower()
        assert f"esc: {said}" in hint(screen), (screen.step, said, hint(screen))
        self.steps.add(screen.step)


async def test_footer_and_hint_say_the_same_esc_on_every_step(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = EscChecked(pilot)
        await to_open(pilot, keys)
        assert footer_esc(pilot.app.screen) == "Cancel"
        await keys.type(REASON)
        await keys.press("enter")
        for kind in (TargetStep, ChecksStep):
            await until(pilot, kind)
            await keys.press("enter")
        for _signer in ("alice", "bob"):
            await until(pilot, ApproveStep)
            keys.check()
            await keys.type(PHRASE)
            await keys.press("enter")
            await pilot.pause(0.2)
        await until(pilot, ExecuteStep)
        await keys.press("enter")
        await until(pilot, VerifyStep)
        keys.check()  # while it watches
        await wait_for(pilot, lambda: pilot.app.screen.finished, timeout=30)
        await keys.press("enter")
        await until(pilot, DoneStep)
        keys.check()
        assert keys.steps == {
            "open",
            "target",
            "prechecks",
            "approvals",
            "execute",
            "verify",
            "closed",
        }


async def test_the_evidence_box_says_when_it_was_taken(make_app: Any) -> None:
    """The time of the evidence, in the console's time format, before and after the runbook
    records it; the box keeps it to the end (the recorded evidence is what was decided on)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_open(pilot, keys)
        box = pilot.app.screen.query_one(RunbookEvidence)
        assert box.border_title == (
            "evidence as of 2026-11-14 22:40 UTC (recorded when the runbook opens)"
        )
        await keys.type(REASON)
        await keys.press("enter")
        await until(pilot, TargetStep)
        opened = "evidence as of 2026-11-14 22:40 UTC (recorded when the runbook opened)"
        assert pilot.app.screen.query_one(RunbookEvidence).border_title == opened
