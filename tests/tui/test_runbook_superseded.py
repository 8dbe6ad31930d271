"""A wizard left open on a dry run that another signer's real rollback superseded (the core
aborts the dry run as the real one opens): the wizard's next action ends on a step that says
so, names the real runbook and who opened it, and writes nothing more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    MODEL,
    PHRASE,
    Keys,
    drill,
    to_approve,
    to_checks,
    to_execute,
    to_target,
    until,
)
from textual.widgets import Static
from tui_helpers import SIZE, wait_for

from console.audit.keys import load_signer
from console.audit.log import AuditLog
from console.clock import Clock
from console.runbook import service
from console.runbook.drill import activate_drill_keyring
from console.runbook.env import Env
from console.runbook.executors import ExecutorChoice
from console.runbook.planning import plan
from console.settings import open_workspace
from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_done import DoneStep
from tests.unit.test_runbook_support import FakeExecutor


def bob_opens_the_real_rollback(root: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> str:
    """bob, on a machine that can move the alias (the demo's cannot), opens the real one."""
    monkeypatch.setattr("secrets.token_hex", lambda n: "cafe")
    ws = open_workspace(root)
    activate_drill_keyring(ws)
    env = Env.for_workspace(ws, clock=clock)
    found = replace(plan(env, MODEL), executor=ExecutorChoice(FakeExecutor(), "bob's registry"))
    return service.open_runbook(env, found, "accuracy 0.82", load_signer(ws, "bob"), False).id


async def choose(keys: Keys) -> None:
    await keys.press("enter")


async def sign(keys: Keys) -> None:
    await keys.type(PHRASE)
    await keys.press("enter")


Step = Callable[[Any, Keys], Awaitable[None]]


@pytest.mark.parametrize(
    ("reach", "act"),
    [(to_target, choose), (to_checks, choose), (to_approve, sign), (to_execute, choose)],
    ids=["target", "checks", "approvals", "execute"],
)
async def test_a_superseded_dry_run_says_so_and_is_read_only(
    make_app: Any,
    workspace_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    reach: Step,
    act: Callable[[Keys], Awaitable[None]],
) -> None:
    log = AuditLog(open_workspace(workspace_root).audit_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await reach(pilot, keys)
        dry = pilot.app.screen.frame.runbook.id
        real = bob_opens_the_real_rollback(workspace_root, app.clock, monkeypatch)
        after = log.head()
        await act(keys)
        await until(pilot, DoneStep)
        screen = pilot.app.screen
        assert str(screen.query_one(".step-title", Static).render()) == "Superseded"
        said = " ".join(str(w.render()) for w in screen.query("Static"))
        assert (
            f"Dry run {dry} was superseded by the real rollback {real} of {MODEL}, opened by "
            "bob: this dry run is read-only now."
        ) in said
        assert not [n for n in pilot.app._notifications if n.severity == "error"]
        await keys.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
    assert log.head() == after
