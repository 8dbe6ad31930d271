"""The wizard overtaken by another terminal while a step is on screen: a real `mrp rollback`
superseding the dry run while the verify step rehearses, `mrp runbook abort` while it
watches, `mrp runbook approve` or `close` before the wizard's own action, and "leave it
open" on a runbook that is no longer open. Each ends on a step that says what happened
(no refusal of a step the runbook has left, no verify screen left behind), and the audit
log keeps what the other terminal wrote and nothing more."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from test_runbook_superseded import bob_opens_the_real_rollback
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    MODEL,
    PHRASE,
    Keys,
    drill,
    step_is,
    to_approve,
    to_execute,
    to_target,
    to_verified,
    until,
)
from textual.widgets import Static
from tui_helpers import SIZE, wait_for

from console.audit.keys import load_signer
from console.audit.log import AuditLog
from console.audit.signers_file import load_signers_file
from console.audit.verify import verify_log
from console.clock import Clock
from console.runbook import approving, ending
from console.runbook.drill import activate_drill_keyring
from console.runbook.env import Env
from console.runbook.executors import ExecutorChoice
from console.runbook.facts import ModelFacts
from console.settings import open_workspace
from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_abort import AbortStep
from console.tui.screens.runbook_done import DoneStep
from console.tui.screens.runbook_execute import ExecuteStep
from console.tui.screens.runbook_verify import VerifyStep
from console.tui.screens.runbook_wizard import RunbookScreen
from tests.unit.test_runbook_support import FakeExecutor


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> FakeExecutor:
    """This machine can move the alias (the demo's files cannot): a registry in memory,
    where fraud-scoring's champion is on version 7, as the demo's state says."""
    alias = FakeExecutor(alias_at="7")
    monkeypatch.setattr(
        "console.runbook.env.choose_executor",
        lambda workspace, mechanism, source: ExecutorChoice(alias, "a registry"),
    )
    return alias


def bobs_env(root: Path, clock: Clock) -> tuple[Env, Any]:
    """bob at his own terminal on the same workspace."""
    ws = open_workspace(root)
    activate_drill_keyring(ws)
    return Env.for_workspace(ws, clock=clock), load_signer(ws, "bob")


def on_first_evaluation(pilot: Any, act: Callable[[], object]) -> list[object]:
    """Run ``act`` (another terminal) as the wizard's verify step first evaluates the
    triggers, then let the evaluation go on; what ``act`` returned is kept."""
    wizard = next(s for s in pilot.app.screen_stack if isinstance(s, RunbookScreen))
    evaluate = wizard.env.evaluate
    done: list[object] = []

    def overtaken(facts: ModelFacts, at: datetime) -> Any:
        if not done:
            done.append(act())
        return evaluate(facts, at)

    wizard.env.evaluate = overtaken
    return done


def said(pilot: Any) -> str:
    return " ".join(str(w.render()) for w in pilot.app.screen.query(Static))


async def back_to_the_model(pilot: Any, keys: Keys) -> None:
    """Enter leaves the last step for the model, with no wizard screen left behind."""
    await keys.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
    assert not [s for s in pilot.app.screen_stack if isinstance(s, RunbookScreen | VerifyStep)]
    assert not [n for n in pilot.app._notifications if n.severity == "error"]


def trail(root: Path) -> list[tuple[str, str]]:
    ws = open_workspace(root)
    assert verify_log(ws.audit_path, load_signers_file(ws.signers_path)).ok
    return [(r.action, r.actor) for r in AuditLog(ws.audit_path).records()]


async def test_a_dry_run_superseded_while_the_verify_step_rehearses(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        dry = pilot.app.screen.frame.runbook.id
        opened = on_first_evaluation(
            pilot, lambda: bob_opens_the_real_rollback(workspace_root, app.clock, monkeypatch)
        )
        await keys.press("enter")
        await until(pilot, DoneStep)
        (real,) = opened
        assert str(pilot.app.screen.query_one(".step-title", Static).render()) == "Superseded"
        assert (
            f"Dry run {dry} was superseded by the real rollback {real} of {MODEL}, opened by "
            "bob: this dry run is read-only now. r on the model joins the real rollback"
        ) in said(pilot)
        assert str(pilot.app.screen.query_one("#step-error", Static).render()) == ""
        await back_to_the_model(pilot, keys)
    assert trail(workspace_root)[-3:] == [
        ("runbook.execute", "alice"),
        ("runbook.abort", "bob"),
        ("runbook.open", "bob"),
    ]


async def test_a_real_rollback_aborted_elsewhere_while_the_verify_step_watches(
    make_app: Any, workspace_root: Path, registry: FakeExecutor
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        runbook = pilot.app.screen.frame.runbook
        assert not runbook.dry_run
        env, bob = bobs_env(workspace_root, app.clock)
        on_first_evaluation(pilot, lambda: ending.abort(env, runbook.id, bob, "handled by hand"))
        await keys.press("enter")
        await until(pilot, DoneStep)
        assert str(pilot.app.screen.query_one(".step-title", Static).render()) == "Aborted"
        assert (
            f"Runbook {runbook.id} aborted by bob: handled by hand. {MODEL}'s champion stays at "
            "version 6: aborting does not undo the move."
        ) in said(pilot)
        assert str(pilot.app.screen.query_one("#step-error", Static).render()) == (
            "Meanwhile bob aborted it: nothing more was recorded from this screen."
        )
        await back_to_the_model(pilot, keys)
    assert trail(workspace_root)[-2:] == [("runbook.execute", "alice"), ("runbook.abort", "bob")]
    assert registry.alias_at == "6", "aborting does not undo the move"


async def test_approvals_completed_elsewhere_say_so_on_the_execute_step(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_approve(pilot, keys)
        await keys.type(PHRASE)
        await keys.press("enter")
        await wait_for(pilot, lambda: len(pilot.app.screen.runbook.approvals) == 1)
        runbook = pilot.app.screen.runbook
        env, bob = bobs_env(workspace_root, app.clock)
        approving.approve(env, runbook.id, bob, PHRASE)
        await keys.type(PHRASE)  # as bob, who has just approved from his own terminal
        await keys.press("enter")
        await until(pilot, ExecuteStep)
        assert str(pilot.app.screen.query_one("#step-error", Static).render()) == (
            f"Meanwhile bob completed the approvals: runbook {runbook.id} is at step 'execute' now."
        )
    assert [a for a in trail(workspace_root) if a[0] == "runbook.approve"] == [
        ("runbook.approve", "alice"),
        ("runbook.approve", "bob"),
    ]


async def test_a_runbook_closed_elsewhere_says_who_closed_it(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_verified(pilot, keys)
        runbook = pilot.app.screen.runbook
        env, bob = bobs_env(workspace_root, app.clock)
        ending.close(env, runbook.id, bob, "closed from the CLI")
        await keys.type("my notes")
        await keys.press("enter")
        await until(pilot, DoneStep)
        assert f"Runbook {runbook.id} closed by bob: {MODEL} 7 → 6" in said(pilot)
        assert str(pilot.app.screen.query_one("#step-error", Static).render()) == (
            "Meanwhile bob closed it: nothing more was recorded from this screen."
        )
        await back_to_the_model(pilot, keys)
    assert trail(workspace_root)[-1] == ("runbook.close", "bob")


async def test_leaving_a_superseded_dry_run_says_it_is_not_open(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_target(pilot, keys)
        dry = pilot.app.screen.frame.runbook.id
        real = bob_opens_the_real_rollback(workspace_root, app.clock, monkeypatch)
        await keys.press("escape")
        await until(pilot, AbortStep)
        await keys.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
        told = " ".join(n.message for n in pilot.app._notifications)
        assert "stays open" not in told
        assert (
            f"Dry run {dry} is no longer open: the real rollback {real}, opened by bob, "
            f"superseded it. r on {MODEL} joins the real rollback."
        ) in told


async def test_leaving_a_runbook_that_moved_on_says_at_which_step(
    make_app: Any, workspace_root: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        runbook = pilot.app.screen.frame.runbook
        await keys.press("escape")
        await until(pilot, AbortStep)
        await keys.press("escape")
        await wait_for(pilot, lambda: not step_is(pilot, AbortStep))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
        told = " ".join(n.message for n in pilot.app._notifications)
        assert (
            f"Runbook {runbook.id} stays open at step 'execute': resume it with r on the model "
            f"or `mrp runbook resume {runbook.id}`."
        ) in told


async def test_leaving_while_the_verify_step_watches_leaves_at_the_slices_end(
    make_app: Any, workspace_root: Path, registry: FakeExecutor
) -> None:
    """Esc, esc while a watch slice evaluates: once the slice is over the wizard leaves and
    says where the runbook stays (it stopped, on the screen the step had left, the wizard's
    host with no key but q)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        runbook = pilot.app.screen.frame.runbook
        evaluating, left = threading.Event(), threading.Event()

        def wait_for_the_person() -> None:
            evaluating.set()
            left.wait(timeout=20)

        on_first_evaluation(pilot, wait_for_the_person)
        await keys.press("enter")
        await until(pilot, VerifyStep)
        await wait_for(pilot, evaluating.is_set)
        await keys.press("escape")
        await until(pilot, AbortStep)
        await keys.press("escape")
        left.set()
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
        told = " ".join(n.message for n in pilot.app._notifications)
        assert f"Runbook {runbook.id} stays open at step 'verify'" in told
        assert not [n for n in pilot.app._notifications if n.severity == "error"]
