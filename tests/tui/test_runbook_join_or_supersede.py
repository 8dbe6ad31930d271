"""`r` on a model whose dry run is in flight, where this machine can carry out a real
rollback: the open step offers both, opening the real rollback (which supersedes the dry
run) or joining the dry run (ctrl+r). Where only a dry run is possible, r joins at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    MODEL,
    REASON,
    Keys,
    drill,
    to_model,
    until,
)
from textual.widgets import Static
from tui_helpers import SIZE, wait_for

from console.audit.keys import load_signer
from console.clock import Clock
from console.runbook import service
from console.runbook.drill import activate_drill_keyring
from console.runbook.env import Env
from console.runbook.executors import ExecutorChoice
from console.runbook.planning import plan
from console.runbook.store import RunbookStore
from console.settings import open_workspace
from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_target import TargetStep
from tests.unit.test_runbook_support import FakeExecutor


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine can move the alias (the demo's files cannot): a registry in memory."""
    monkeypatch.setattr(
        "console.runbook.env.choose_executor",
        lambda workspace, mechanism, source: ExecutorChoice(FakeExecutor(), "a registry"),
    )


def bob_rehearses(root: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> str:
    ws = open_workspace(root)
    activate_drill_keyring(ws)
    env = Env.for_workspace(ws, clock=clock)
    dry = service.open_runbook(env, plan(env, MODEL), "rehearse", load_signer(ws, "bob"), True)
    monkeypatch.setattr("secrets.token_hex", lambda n: "cafe")
    return dry.id


async def test_the_real_rollback_supersedes_the_dry_run_in_flight(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch, registry: None
) -> None:
    app = make_app()
    dry = bob_rehearses(workspace_root, app.clock, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_model(pilot, keys)
        await keys.press("r")
        await until(pilot, OpenStep)
        said = str(pilot.app.screen.query_one("#rehearsal", Static).render())
        assert said == (
            f"Dry run {dry}, opened by bob, is in flight (step 'target'): opening the real "
            "rollback aborts it, recorded as superseded by this one. ctrl+r joins the dry "
            "run instead."
        )
        await keys.type(REASON)
        await keys.press("enter")
        await until(pilot, TargetStep)
        real = pilot.app.screen.frame.runbook
    assert real is not None and not real.dry_run and real.supersedes == dry
    store = RunbookStore(open_workspace(workspace_root).runbooks_dir)
    assert store.load(dry).superseded_by == real.id


async def test_ctrl_r_joins_the_dry_run(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch, registry: None
) -> None:
    app = make_app()
    dry = bob_rehearses(workspace_root, app.clock, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_model(pilot, keys)
        await keys.press("r")
        await until(pilot, OpenStep)
        await keys.press("ctrl+r")
        await until(pilot, TargetStep)
        assert pilot.app.screen.frame.runbook.id == dry
    (only,) = RunbookStore(open_workspace(workspace_root).runbooks_dir).all()
    assert only.id == dry and only.state == "target"


async def test_where_only_a_dry_run_is_possible_r_joins_it(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    dry = bob_rehearses(workspace_root, app.clock, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_model(pilot, keys)
        await keys.press("r")
        await until(pilot, TargetStep)
        assert pilot.app.screen.frame.runbook.id == dry
        await wait_for(pilot, lambda: bool(pilot.app._notifications))
        assert f"Joining runbook {dry}" in next(iter(pilot.app._notifications)).message
