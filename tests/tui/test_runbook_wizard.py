"""The rollback wizard driven by Pilot on the demo workspace: a dry-run rollback of
fraud-scoring from the fleet to a verified, closed runbook; the keystrokes it takes; the
refusals on screen; and a snapshot of every step at 120×40 under a fixed clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from textual.widgets import DataTable, Static
from tui_helpers import FIXED_NOW, SIZE, ready, wait_for

from console.audit.log import AuditLog
from console.audit.signers_file import load_signers_file
from console.audit.verify import verify_log
from console.runbook.drill import drill_signers
from console.runbook.store import RunbookStore
from console.settings import open_workspace
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
from console.tui.screens.runbook_wizard import RunbookScreen
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.fleet_grid import FleetGrid
from console.tui.widgets.runbook_steps import RunbookSteps

MODEL = "fraud-scoring"
PHRASE = "fraud-scoring@6"
REASON = "accuracy 0.82 since v7"
KEYSTROKE_BUDGET = 12


@pytest.fixture(autouse=True)
def drill(workspace_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The demo's drill signers (alice, bob) in a keyring inside the workspace; a fixed
    runbook id so snapshots are stable; the process keyring restored afterwards."""
    previous = keyring.get_keyring()
    drill_signers(open_workspace(workspace_root))
    monkeypatch.setattr("secrets.token_hex", lambda n: "beef")
    yield
    keyring.set_keyring(previous)


class Keys:
    """Presses keys and counts them, typing apart (the phrase and the reason)."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)


def step_is(pilot: Any, kind: type) -> bool:
    return isinstance(pilot.app.screen, kind)


async def until(pilot: Any, kind: type) -> None:
    await wait_for(pilot, lambda: step_is(pilot, kind), timeout=20)


async def to_model(pilot: Any, keys: Keys) -> None:
    """From the fleet: move the cursor to the firing fraud-scoring row and open it."""
    await ready(pilot)
    table = pilot.app.screen.query_one(FleetGrid)
    for _ in range(len(pilot.app.snapshot.entries)):
        if table.cursor_key == MODEL:
            break
        await keys.press("down")
    await keys.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))


async def to_open(pilot: Any, keys: Keys) -> None:
    await to_model(pilot, keys)
    await keys.press("r")
    await until(pilot, OpenStep)


async def to_target(pilot: Any, keys: Keys) -> None:
    await to_open(pilot, keys)
    await keys.type(REASON)
    await keys.press("enter")
    await until(pilot, TargetStep)


async def to_checks(pilot: Any, keys: Keys) -> None:
    await to_target(pilot, keys)
    await keys.press("enter")
    await until(pilot, ChecksStep)


async def to_approve(pilot: Any, keys: Keys) -> None:
    await to_checks(pilot, keys)
    await keys.press("enter")
    await until(pilot, ApproveStep)


async def to_execute(pilot: Any, keys: Keys) -> None:
    await to_approve(pilot, keys)
    for _signer in ("alice", "bob"):
        await until(pilot, ApproveStep)
        await keys.type(PHRASE)
        await keys.press("enter")
        await wait_for(pilot, lambda: not step_is(pilot, ApproveStep) or _approved(pilot))
    await until(pilot, ExecuteStep)


def _approved(pilot: Any) -> bool:
    screen = pilot.app.screen
    return isinstance(screen, ApproveStep) and len(screen.runbook.approvals) == 1


async def to_verified(pilot: Any, keys: Keys) -> None:
    await to_execute(pilot, keys)
    await keys.press("enter")
    await until(pilot, VerifyStep)
    await wait_for(pilot, lambda: pilot.app.screen.finished, timeout=30)


async def to_done(pilot: Any, keys: Keys) -> None:
    await to_verified(pilot, keys)
    await keys.press("enter")
    await until(pilot, DoneStep)


async def to_abort_question(pilot: Any, keys: Keys) -> None:
    await to_target(pilot, keys)
    await keys.press("escape")
    await until(pilot, AbortStep)


async def test_dry_run_rollback_from_a_firing_trigger(make_app: Any, workspace_root: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_done(pilot, keys)
        verified_after = keys.count
        await keys.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
    ws = open_workspace(workspace_root)
    (runbook,) = RunbookStore(ws.runbooks_dir).all()
    assert runbook.state == "closed" and runbook.dry_run
    assert (runbook.from_version, runbook.to_version) == ("7", "6")
    assert runbook.outcome == "dry_run_complete"
    assert runbook.verification is not None and runbook.verification.outcome == "recovered"
    assert [a.signer for a in runbook.approvals] == ["alice", "bob"]
    actions = [r.action for r in AuditLog(ws.audit_path).records()]
    assert actions == [
        "runbook.open",
        "runbook.target",
        "runbook.precheck",
        "runbook.approve",
        "runbook.approve",
        "runbook.execute",
        "runbook.verify",
        "runbook.close",
    ]
    assert verified_after <= KEYSTROKE_BUDGET, f"{verified_after} keystrokes"
    print(f"keystrokes from the fleet to a verified, closed dry-run rollback: {verified_after}")


async def test_wrong_phrase_is_refused_on_screen(make_app: Any, workspace_root: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_approve(pilot, keys)
        before = AuditLog(open_workspace(workspace_root).audit_path).head()
        await keys.type("fraud-scoring@5")
        await keys.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ApproveStep)
        assert "does not match" in str(screen.query_one("#step-error").render())
        assert AuditLog(open_workspace(workspace_root).audit_path).head() == before


async def test_an_ineligible_target_is_refused_on_the_step(
    make_app: Any, workspace_root: Path
) -> None:
    """Enter on an archived version is refused on the target step, in the CLI's words,
    before anything is written; the suggestion still goes on to the pre-checks."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_target(pilot, keys)
        log = AuditLog(open_workspace(workspace_root).audit_path)
        before = log.head()
        table = pilot.app.screen.query_one("#targets", DataTable)
        table.move_cursor(row=table.get_row_index("5"))
        await keys.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TargetStep)
        assert str(pilot.app.screen.query_one("#step-error").render()) == (
            "version 5 of fraud-scoring is not eligible (it is archived); choose an eligible "
            "version: 6 (the policy's suggestion)."
        )
        assert log.head() == before
        table.move_cursor(row=table.get_row_index("6"))
        await keys.press("enter")
        await until(pilot, ChecksStep)


async def test_escape_before_opening_writes_nothing(make_app: Any, workspace_root: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_open(pilot, keys)
        await keys.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
    ws = open_workspace(workspace_root)
    assert RunbookStore(ws.runbooks_dir).all() == []
    assert not ws.audit_path.exists() or ws.audit_path.stat().st_size == 0


async def test_escape_then_abort_is_recorded(make_app: Any, workspace_root: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_target(pilot, keys)
        await keys.press("escape")
        await pilot.pause()
        await keys.type("false alarm")
        await keys.press("enter")
        await until(pilot, DoneStep)
    ws = open_workspace(workspace_root)
    (runbook,) = RunbookStore(ws.runbooks_dir).all()
    assert runbook.state == "aborted" and runbook.abort_reason == "false alarm"
    assert [r.action for r in AuditLog(ws.audit_path).records()][-1] == "runbook.abort"


async def test_an_abort_needs_a_reason_and_esc_leaves_the_runbook_open(
    make_app: Any, workspace_root: Path
) -> None:
    """Esc asks over the step (still in view behind the dialog); enter on an empty reason
    aborts nothing and says a reason is needed; ctrl+r goes back to the step; esc again
    leaves the runbook open, resumable."""
    ws = open_workspace(workspace_root)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_target(pilot, keys)
        await keys.press("escape")
        await until(pilot, AbortStep)
        assert isinstance(pilot.app.screen_stack[-2], TargetStep)
        assert pilot.app.screen.styles.background.a < 1, "the step shows through"
        before = AuditLog(ws.audit_path).head()
        await keys.press("enter")
        await pilot.pause()
        assert step_is(pilot, AbortStep)
        assert "needs a reason" in str(pilot.app.screen.query_one("#abort-error").render())
        await keys.press("ctrl+r")
        await until(pilot, TargetStep)
        await keys.press("escape")
        await until(pilot, AbortStep)
        await keys.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
        assert "stays open" in " ".join(n.message for n in pilot.app._notifications)
    assert AuditLog(ws.audit_path).head() == before
    (runbook,) = RunbookStore(ws.runbooks_dir).all()
    assert runbook.state == "target" and runbook.abort_reason is None


async def test_a_lost_audit_log_ends_the_wizard_with_an_error(
    make_app: Any, workspace_root: Path
) -> None:
    """The log deleted mid-rollback (its lock file too: the runbook's recorded seqs alone
    show it): the approval is refused with one sentence as an error notification, the
    wizard closes, and nothing is written; opening the wizard again is refused at once."""
    ws = open_workspace(workspace_root)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_approve(pilot, keys)
        (runbook,) = RunbookStore(ws.runbooks_dir).all()
        document = RunbookStore(ws.runbooks_dir).path(runbook.id).read_bytes()
        ws.audit_path.unlink()
        AuditLog(ws.audit_path).lock_path.unlink()
        await keys.type(PHRASE)
        await keys.press("enter")
        await wait_for(pilot, lambda: _errors(pilot) != [])
        held = max(runbook.audit.values())
        assert _errors(pilot) == [
            f"there is no audit log at {ws.audit_path}, but runbook {runbook.id} records that "
            f"it held seq {held}: the log was deleted or moved, so nothing was recorded; "
            "restore the log from a backup (`mrp audit verify` says more)."
        ]
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))

        pilot.app.clear_notifications()
        await keys.press("r")  # joining the open runbook: refused before any step is shown
        await wait_for(pilot, lambda: _errors(pilot) != [])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
    assert RunbookStore(ws.runbooks_dir).path(runbook.id).read_bytes() == document
    assert not ws.audit_path.exists() and not AuditLog(ws.audit_path).lock_path.exists()


async def test_the_target_step_shows_the_fired_metric_then_and_now(make_app: Any) -> None:
    """search-ranking's latency-regression fired on latency_p99_seconds, which is not among
    a version's first metrics by name: each version shows it, beside its value now."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.start_rollback("search-ranking")
        await until(pilot, OpenStep)
        await pilot.press(*"latency up 40% since 12")
        await pilot.press("enter")
        await until(pilot, TargetStep)
        table = pilot.app.screen.query_one("#targets", DataTable)
        assert str(table.columns[list(table.columns)[3]].label) == "metrics then"
        then = {v: str(table.get_row(v)[3]) for v in ("11", "9")}
    assert re.fullmatch(r"latency_p99_seconds 0\.1[12]\d* \(now 0\.171\)", then["11"])
    assert then["9"].startswith("latency_p99_seconds ")


async def test_the_target_step_keeps_metrics_and_why_in_view_at_80_columns(
    make_app: Any,
) -> None:
    """At 80x24, "served until" and "status" give way (the why says both for an eligible
    version) so that neither "metrics then" nor "why" is cut off on the right."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.start_rollback("search-ranking")
        await until(pilot, OpenStep)
        await pilot.press(*"latency up 40% since 12")
        await pilot.press("enter")
        await until(pilot, TargetStep)
        await pilot.pause()
        table = pilot.app.screen.query_one("#targets", DataTable)
        columns = list(table.columns.values())
        assert [str(c.label) for c in columns] == ["version", "metrics then", "why"]
        assert table.virtual_size.width <= table.scrollable_content_region.width
        metrics = str(table.get_row("11")[1])
        assert metrics.startswith("latency_p99_seconds ") and "(now 0.1" in metrics
        assert columns[1].width >= len(metrics)
        assert str(table.get_row("10")[2]).startswith("not eligible")
        assert columns[2].width >= len("not eligible:")


async def test_the_verify_steps_hint_says_what_esc_does(make_app: Any) -> None:
    """Esc on the verify step asks whether to abort or leave the runbook open, as on every
    step after the opening; the hint said it would just leave it open."""
    assert "esc: abort or leave it open" in VerifyStep.hint  # while verifying
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_verified(pilot, Keys(pilot))
        hint = str(pilot.app.screen.query_one("#step-hint", Static).render())
        assert hint.endswith("· esc: abort or leave it open"), hint
        await pilot.press("escape")
        await until(pilot, AbortStep)


def marks(screen: Any) -> tuple[str, bool, bool]:
    """A step, whether its DRILL banner shows and whether its title says DRY RUN."""
    assert isinstance(screen, StepScreen)
    banner = screen.query_one(DrillBanner)
    drill = banner.display and "DRILL" in str(banner.render())
    return screen.step, drill, "DRY RUN" in str(screen.query_one("#runbook-title").render())


def _errors(pilot: Any) -> list[str]:
    return [n.message for n in pilot.app._notifications if n.severity == "error"]


def _snap(driver: Any) -> Any:
    async def run_before(pilot: Any) -> None:
        await driver(pilot, Keys(pilot))
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize(
    "step",
    [
        to_open,
        to_target,
        to_checks,
        to_approve,
        to_execute,
        to_verified,
        to_done,
        to_abort_question,
    ],
    ids=["open", "target", "checks", "approve", "execute", "verify", "done", "abort"],
)
def test_step_snapshots(snap_compare: Any, make_app: Any, step: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_snap(step))


def test_wizard_screen_is_the_model_screens_r(make_app: Any) -> None:
    assert RunbookScreen.__module__.endswith("runbook_wizard")


async def test_demo_drill_needs_no_key_setup(tmp_path: Path) -> None:
    """`mrp demo`'s workspace: replay clock, drill signers made by prepare_demo, a dry run."""
    import asyncio
    from datetime import UTC, datetime

    from console.demo import prepare_demo
    from console.tui.app import MrpApp

    start = datetime(2026, 11, 14, 20, 7, tzinfo=UTC)
    session = await asyncio.to_thread(prepare_demo, tmp_path / "demo", 60.0, start)
    app = MrpApp(
        session.workspace, clock=session.clock, theme="mrp-dark", remember=False,
        sync_at_start=False,
    )  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        seen: list[tuple[str, bool, bool]] = []

        async def reached(pilot: Any, kind: type) -> None:
            await wait_for(pilot, lambda: step_is(pilot, kind), timeout=20)
            seen.append(marks(pilot.app.screen))

        await wait_for(pilot, lambda: app.snapshot is not None, timeout=30)
        app.open_model(MODEL)
        await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
        await keys.press("r")
        await reached(pilot, OpenStep)
        await keys.type(REASON)
        await keys.press("enter")
        await reached(pilot, TargetStep)
        await keys.press("enter")
        await reached(pilot, ChecksStep)
        await keys.press("enter")
        for _signer in ("alice", "bob"):
            await reached(pilot, ApproveStep)
            await keys.type(PHRASE)
            await keys.press("enter")
            await wait_for(pilot, lambda: not step_is(pilot, ApproveStep) or _approved(pilot))
        await reached(pilot, ExecuteStep)
        await keys.press("enter")
        await reached(pilot, VerifyStep)
        await wait_for(pilot, lambda: pilot.app.screen.finished, timeout=30)
        await keys.press("enter")
        await reached(pilot, DoneStep)
        said = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert f"mrp audit show -w {session.workspace.root}" in said, "a drill's folder is named"
    assert [step for step, _drill, _dry in seen] == [
        "open", "target", "prechecks", "approvals", "approvals", "execute", "verify", "closed",
    ]  # fmt: skip
    assert all(drill and dry for _step, drill, dry in seen), seen
    (runbook,) = RunbookStore(session.workspace.runbooks_dir).all()
    assert runbook.state == "closed" and runbook.dry_run and runbook.outcome == "dry_run_complete"
    trusted = load_signers_file(session.workspace.signers_path)
    assert verify_log(session.workspace.audit_path, trusted).ok


async def test_a_runbook_aborted_at_execute_does_not_tick_execute(
    make_app: Any, workspace_root: Path
) -> None:
    """Aborted with both approvals in, before enter on Execute: nothing was executed, so the
    rail ticks the steps up to the approvals and says where it stopped."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        await keys.press("escape")
        await until(pilot, AbortStep)
        await keys.type("wrong model")
        await keys.press("enter")
        await until(pilot, DoneStep)
        rail = str(pilot.app.screen.query_one(RunbookSteps).render())
    assert "✓ approvals" in rail
    assert "✓ execute" not in rail and "· execute" in rail
    assert rail.rstrip().endswith("✗ aborted at execute")
    (runbook,) = RunbookStore(open_workspace(workspace_root).runbooks_dir).all()
    assert runbook.state == "aborted" and runbook.execution is None


async def test_break_glass_says_so_in_the_steps_hint(make_app: Any) -> None:
    """ctrl+b on the approvals step shows the reason field and says what break-glass does;
    ctrl+b again goes back to an ordinary approval."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_approve(pilot, keys)
        screen = pilot.app.screen
        hint = screen.query_one("#step-hint", Static)
        ordinary = str(hint.render())
        await keys.press("ctrl+b")
        await pilot.pause()
        said = str(hint.render())
        assert said.startswith("BREAK-GLASS: ") and "alone replaces the 2 approvals" in said
        assert screen.query_one("#glass").has_focus
        await keys.press("ctrl+b")
        await pilot.pause()
        assert str(hint.render()) == ordinary and screen.query_one("#phrase").has_focus


async def test_a_refused_opening_keeps_the_reason_typed(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signing as someone whose key this machine lacks is refused on step 1, nothing
    written; the reason stays in its field, so enter (after a fix) need not retype it."""
    monkeypatch.setenv("MRP_SIGNER", "carol")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_open(pilot, keys)
        first = pilot.app.screen
        await keys.type(REASON)
        await keys.press("enter")
        await wait_for(pilot, lambda: step_is(pilot, OpenStep) and pilot.app.screen is not first)
        screen = pilot.app.screen
        assert "no signing key for 'carol'" in str(screen.query_one("#step-error").render())
        assert screen.query_one("#reason").value == REASON
    assert RunbookStore(open_workspace(workspace_root).runbooks_dir).all() == []


async def test_the_verify_step_reads_the_watch_as_evidence_about_the_target(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress line says how the watched triggers stand on the target's samples (or
    that it waits for them), as `mrp` does: it said 'all triggers ok' from the raw readings,
    also before the target had a single sample. (The sample workspace only rehearses, so
    the watch's first look is given to the wizard's watcher here.)"""
    from datetime import timedelta

    from console.runbook import verifying
    from console.runbook.verify import Watching
    from console.runbook.verify_judging import Judgement
    from console.tui.screens import runbook_wizard

    def watching_verify(*args: Any) -> Any:
        watcher = args[6]  # env, runbook id, signer, timeout, progress, poll, watcher
        none_yet = Judgement("inconclusive", (), ("accuracy-floor",), elsewhere="7")
        watcher(Watching(FIXED_NOW, "6", none_yet, timedelta(minutes=14), timedelta(minutes=15)))
        return verifying.verify(*args)

    monkeypatch.setattr(runbook_wizard, "verify", watching_verify)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_verified(pilot, Keys(pilot))
        progress = str(pilot.app.screen.query_one("#verify-progress", Static).render())
        assert "all triggers ok" not in progress
        assert (
            "waiting for the first samples of version 6 (the state database still shows "
            "version 7 serving): accuracy-floor; 14m of the 15m window left"
        ) in progress, progress
