"""The rollback wizard: one screen per runbook step over a screen that keeps the steps and
the evidence in view. ``r`` on a model opens it.

One ``@work`` coroutine drives the sequence: it shows a step screen, waits for the
person's decision (``push_screen_wait``), and hands it to the runbook machine in a thread
(``asyncio.to_thread``: files, signatures, DuckDB and the executor never run on the UI
thread; the console's database lock guards each use of the state database). Step screens
write nothing themselves, so Esc before the runbook is opened leaves no trace; after that,
Esc asks whether to abort it (a signed record) or leave it open for anyone to resume.
An audit log that was deleted or cut short (``RecordsMissing``) ends the wizard with an error
notification and nothing written: it is checked as the wizard opens, and again by every step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.audit.expected import RecordsMissing
from console.audit.keys import held_keys, load_signer
from console.audit.keys_model import Signer
from console.audit.signers_file import load_signers_file
from console.errors import MrpError
from console.runbook import approving, ending, service
from console.runbook.drill import activate_drill_keyring
from console.runbook.env import Env
from console.runbook.execute import execute
from console.runbook.model import Evidence, Runbook, TargetChoice
from console.runbook.planning import Plan, plan
from console.runbook.present import runbook_lines
from console.runbook.store import AlreadyOpen
from console.runbook.target import choose
from console.runbook.verify import Watching
from console.runbook.verifying import verify
from console.tui.context import mrp_app
from console.tui.format import times_in
from console.tui.gateway import DB_LOCK
from console.tui.screens.runbook_abort import AbortStep
from console.tui.screens.runbook_approve import ApproveStep
from console.tui.screens.runbook_checks import ChecksStep
from console.tui.screens.runbook_done import DoneStep
from console.tui.screens.runbook_execute import ExecuteStep
from console.tui.screens.runbook_meanwhile import left_words, meanwhile_words
from console.tui.screens.runbook_open import OpenStep
from console.tui.screens.runbook_results import (
    AbortChoice,
    Chosen,
    Escape,
    Join,
    Opened,
    Proceed,
    Signed,
    StepAnswer,
    ToHistory,
)
from console.tui.screens.runbook_step import Frame
from console.tui.screens.runbook_target import TargetStep
from console.tui.screens.runbook_verify import VerifyStep
from console.tui.widgets.drill_banner import DrillBanner

T = TypeVar("T")
VERIFY_SLICE = timedelta(seconds=20)
"""A watch runs in slices this long, so leaving the wizard stops it between two."""


class RunbookScreen(Screen[None]):
    DEFAULT_CSS = """
    RunbookScreen { layout: vertical; }
    RunbookScreen #runbook-title { text-style: bold; color: $primary; padding: 0 1; }
    RunbookScreen #runbook-story { padding: 0 1; height: 1fr; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = []
    HOLDS_THE_KEYS: ClassVar[bool] = True
    """While this screen is in the stack the app's letter keys (h, s, ?, q) do nothing: what
    is typed in the wizard stays in the wizard (``MrpApp.check_action``)."""

    def __init__(self, model: str) -> None:
        super().__init__(classes="runbook-screen")
        self.model = model
        self.runbook: Runbook | None = None
        self.seen: Runbook | None = None
        """The runbook as the wizard last saw it: what changed since was done elsewhere."""
        self.leaving = False
        self.then_history = False
        """``h`` on the last step: History opens once the wizard is closed."""

    def compose(self) -> ComposeResult:
        yield DrillBanner()
        yield Static(f"Rollback {self.model}", id="runbook-title")
        yield Static("reading the model's state…", id="runbook-story")
        yield Footer()

    def on_mount(self) -> None:
        app = mrp_app(self)
        self.env = Env.for_workspace(app.workspace, clock=app.clock)
        self.env.guard = DB_LOCK
        activate_drill_keyring(app.workspace)
        self.operator = app.workspace.signer_name()
        self.evidence: Evidence | None = None
        self.drive()

    # -- showing ------------------------------------------------------------------------------

    def _show(self, runbook: Runbook | None, found: Plan | None = None) -> None:
        """The host screen, seen between two steps while the machine works."""
        if found is not None:
            self.evidence = found.evidence
        if runbook is not None:
            self.seen = runbook
            self.evidence = runbook.evidence
            self.query_one("#runbook-title", Static).update(self._frame(runbook).title)
            self.query_one("#runbook-story", Static).update(
                times_in("\n".join(runbook_lines(runbook)[1:]))
            )

    def _frame(self, runbook: Runbook | None) -> Frame:
        return Frame(self.model, runbook, self.evidence)

    # -- the driver ---------------------------------------------------------------------------

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)

    async def _ask(self, screen: Screen[Any]) -> Any:
        return await self.app.push_screen_wait(screen)

    def _signer(self, name: str | None = None) -> Signer:
        who = name or self.operator
        if not who:
            raise MrpError("no signer: set operator in mrp.toml or MRP_SIGNER.")
        return load_signer(self.env.workspace, who)

    @work(group="runbook", exclusive=True, exit_on_error=False, description="rollback runbook")
    async def drive(self) -> None:
        try:
            runbook = await self._open()
            while runbook is not None and not self.leaving:
                self.runbook = runbook
                self._show(runbook)
                runbook = await self._step(runbook)
        except MrpError as error:
            self.app.notify(error.message, title="Rollback", severity="error", timeout=12)
        if not self.leaving and self.app.screen is self:
            self.app.pop_screen()
            if self.then_history:
                mrp_app(self).action_history()

    async def _open(self) -> Runbook | None:
        found = await self._call(plan, self.env, self.model)
        await self._call(self.env.log.check)  # a lost log: refused before anything is asked
        self._show(None, found)
        drill = found.dry_run_only or mrp_app(self).clock.is_replay
        rb = found.open_runbook
        if rb is not None and (drill or not rb.dry_run):
            return self._join(rb)
        error: str | None = None
        reason = ""
        while True:
            answer = await self._ask(
                OpenStep(self._frame(None), found, drill, error, reason, rehearsal=rb)
            )
            if isinstance(answer, Join) and rb is not None:
                return self._join(rb)
            if not isinstance(answer, Opened):
                return None  # cancelled: nothing was written
            drill, reason = answer.dry_run, answer.reason
            try:
                signer = await self._call(self._signer)
                return await self._call(
                    service.open_runbook, self.env, found, answer.reason, signer, answer.dry_run
                )
            except AlreadyOpen as joined:
                return joined.runbook
            except RecordsMissing:
                raise  # nothing to retry on this screen: the wizard ends and says why
            except MrpError as refused:
                error = refused.message

    def _join(self, runbook: Runbook) -> Runbook:
        self.app.notify(
            f"Joining runbook {runbook.id}, opened by {runbook.requester} "
            f"(step '{runbook.state}').",
            title="Rollback",
        )
        return runbook

    async def _step(self, runbook: Runbook, error: str | None = None) -> Runbook | None:
        state = runbook.state
        try:
            if state == "target":
                return await self._target(runbook, error)
            if state == "prechecks":
                signer = await self._call(self._signer)
                checked = await self._call(service.run_prechecks, self.env, runbook.id, signer)
                return await self._checks(checked)
            if state == "approvals":
                return await self._approvals(runbook, error)
            if state == "execute":
                return await self._execute(runbook, error)
            if state == "verify":
                return await self._verify(runbook, error)
            answer = await self._ask(DoneStep(self._frame(runbook), runbook, error))
            self.then_history = isinstance(answer, ToHistory)
            return None
        except RecordsMissing:
            raise  # every step would be refused the same way: the wizard ends and says why
        except MrpError as refused:
            latest = await self._call(self.env.store.load, runbook.id)
            said = meanwhile_words(self.seen or runbook, latest)
            self._show(latest)
            if latest.final:  # the refusal only says it ended: its own step says how
                return await self._step(latest, said)
            return await self._step(latest, said or refused.message)

    async def _escape(self, runbook: Runbook, answer: Escape | None = None) -> Runbook | None:
        choice: AbortChoice | None = answer.choice if answer is not None else None
        if choice is None:
            choice = await self._ask(AbortStep(runbook.id))
        if choice.action == "abort":
            signer = await self._call(self._signer)
            return await self._call(ending.abort, self.env, runbook.id, signer, choice.reason)
        if choice.action == "leave":
            latest = await self._call(self.env.store.load, runbook.id)
            self.leaving = True
            self.app.pop_screen()
            self.app.notify(left_words(latest), title="Rollback")
            return None
        return runbook

    async def _target(self, runbook: Runbook, error: str | None) -> Runbook | None:
        choice: TargetChoice = await self._call(self._choice, runbook)
        answer: StepAnswer = await self._ask(
            TargetStep(self._frame(runbook), runbook.model, runbook.from_version, choice, error)
        )
        if isinstance(answer, Escape):
            return await self._escape(runbook, answer)
        assert isinstance(answer, Chosen)
        signer = await self._call(self._signer)
        chosen = await self._call(
            service.choose_target, self.env, runbook.id, signer, answer.version
        )
        self._show(chosen)
        checked = await self._call(service.run_prechecks, self.env, runbook.id, signer)
        return await self._checks(checked)

    def _choice(self, runbook: Runbook) -> TargetChoice:
        facts = self.env.facts(runbook.model)
        return choose(facts, runbook.rollback.target, None)

    async def _checks(self, runbook: Runbook) -> Runbook | None:
        self._show(runbook)
        answer = await self._ask(ChecksStep(self._frame(runbook), runbook))
        if isinstance(answer, Escape):
            return await self._escape(runbook, answer)
        return await self._call(self.env.store.load, runbook.id)  # a real rollback may supersede

    async def _approvals(self, runbook: Runbook, error: str | None) -> Runbook | None:
        signers = await self._call(self._approvers, runbook)
        preferred = self.operator if self.operator in signers else None
        answer = await self._ask(
            ApproveStep(self._frame(runbook), runbook, signers, preferred, error)
        )
        if isinstance(answer, Escape):
            return await self._escape(runbook, answer)
        assert isinstance(answer, Signed)
        signer = await self._call(self._signer, answer.signer)
        if answer.break_glass_reason is not None:
            return await self._call(
                approving.break_glass,
                self.env,
                runbook.id,
                signer,
                answer.phrase,
                answer.break_glass_reason,
            )
        return await self._call(approving.approve, self.env, runbook.id, signer, answer.phrase)

    def _approvers(self, runbook: Runbook) -> list[str]:
        """Signers whose keys this machine holds, trusted now, not yet approved, in a role
        the policy accepts."""
        ws = self.env.workspace
        names = [k.name for k in load_signers_file(ws.signers_path)]
        done = {a.signer for a in runbook.approvals}
        roles = set(runbook.rollback.approvals.roles)
        found = []
        for key in held_keys(ws, names):
            if key.problem is not None or key.trusted is None or key.name in done:
                continue
            if roles and not roles & set(key.trusted.roles):
                continue
            found.append(key.name)
        if self.operator in found:
            found.remove(self.operator)
            found.insert(0, self.operator)
        return found

    async def _execute(self, runbook: Runbook, error: str | None) -> Runbook | None:
        choice = self.env.pick_executor(runbook.rollback.mechanism, None)
        executor = "dry run" if runbook.dry_run else choice.why
        answer = await self._ask(ExecuteStep(self._frame(runbook), runbook, executor, error))
        if isinstance(answer, Escape):
            return await self._escape(runbook, answer)
        signer = await self._call(self._signer)
        return await self._call(execute, self.env, runbook.id, signer)

    async def _verify(self, runbook: Runbook, error: str | None) -> Runbook | None:
        step = VerifyStep(self._frame(runbook), runbook, error)
        answer: asyncio.Future[StepAnswer | None] = asyncio.get_running_loop().create_future()
        await self.app.push_screen(step, callback=answer.set_result)
        try:
            signer = await self._call(self._signer)
            current = await self._watch(step, runbook, signer, answer)
        except MrpError:
            await self._take_down(step)  # the runbook left 'verify' elsewhere, or is refused
            raise
        decision = await answer
        if isinstance(decision, Escape):
            return await self._escape(current, decision)
        assert isinstance(decision, Proceed)
        return await self._call(ending.close, self.env, runbook.id, signer, decision.notes)

    async def _watch(
        self,
        step: VerifyStep,
        runbook: Runbook,
        signer: Signer,
        answer: asyncio.Future[StepAnswer | None],
    ) -> Runbook:
        """Verify in slices until the verification is complete or the person answers; each
        slice first checks that the runbook is still at 'verify' (``MrpError`` if another
        terminal aborted, closed or superseded it meanwhile)."""

        def show(watching: Watching) -> None:
            if not answer.done():  # left or closed meanwhile: the step is gone
                step.show_watching(watching)

        def watched(watching: Watching) -> None:
            self.app.call_from_thread(show, watching)

        current = runbook
        while not answer.done():
            current = await self._call(
                verify, self.env, runbook.id, signer, VERIFY_SLICE, None, None, watched
            )
            if answer.done():
                break
            step.show_result(current)
            self._show(current)
            if current.verification is not None and current.verification.complete:
                break
        return current

    async def _take_down(self, step: Screen[Any]) -> None:
        """Remove ``step`` and whatever is over it (the abort question) without an answer."""
        while step in self.app.screen_stack:
            await self.app.pop_screen()
