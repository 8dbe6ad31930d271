"""The console app: registers themes, owns the state the workers' messages bring, and
routes actions to screens. Workers fetch and post messages; only handlers here and in the
screens change state (see STYLE.md)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from console.clock import Clock
from console.fleet import FleetSnapshot
from console.settings import Workspace
from console.tui import live
from console.tui.format import describe
from console.tui.gateway import Gateway
from console.tui.messages import SnapshotReady
from console.tui.screens.fleet import FleetScreen
from console.tui.screens.help import HelpScreen
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen
from console.tui.status import StatusInfo
from console.tui.themes import DEFAULT_THEME, MRP_THEMES, mrp_themes, role_defaults, stylesheet_path
from console.tui.triggers_bridge import Evaluator
from console.tui.widgets.fleet_table import STALE_AFTER, FleetRows
from console.user_settings import remember_theme

REPLAY_TICK_SECONDS = 2.0
NOTIFY_AT_MOST = 4
KEPT_FROM_THE_WIZARD = frozenset({"help", "sync", "history", "fleet", "quit_key"})
"""The app's actions a key does nothing for while the rollback wizard is up: a letter typed
there must not open another screen over a step, sync, or quit (ctrl+q still quits; the
runbook stays open, resumable)."""


class MrpApp(App[None]):
    TITLE = "mrp"
    CSS_PATH = stylesheet_path()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("s", "sync", "Sync now"),
        Binding("h", "history", "History"),
        Binding("q", "quit_key", "Quit"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        clock: Clock | None = None,
        theme: str | None = None,
        remember: bool = True,
        live_refresh: bool = True,
        sync_at_start: bool = True,
        evaluator: Evaluator | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.clock = clock or workspace.clock()
        self.wall = wall or (lambda: datetime.now(UTC))
        """Wall-clock time, for "synced 12s ago" (tests pin it)."""
        self.gateway = Gateway(workspace, self.clock, alias=workspace.serving_alias)
        if evaluator is not None:
            self.gateway.evaluator = evaluator
        self.snapshot: FleetSnapshot | None = None
        self.fleet_rows: FleetRows = ()
        """The fleet table's rows for ``snapshot`` (built by the worker)."""
        self.status = StatusInfo()
        self.status_signal: Signal[StatusInfo] = Signal(self, "mrp-status")
        self.snapshot_signal: Signal[FleetSnapshot] = Signal(self, "mrp-snapshot")
        self._remember = remember
        for definition in mrp_themes():
            self.register_theme(definition)
        wanted = theme or workspace.config.console.theme
        self._unknown_theme = None if wanted in self.available_themes else wanted
        self.theme = wanted if self._unknown_theme is None else DEFAULT_THEME
        refresh = workspace.config.console.refresh.total_seconds()
        self.live = live.LiveRefresh(
            self,
            self.gateway,
            interval=min(refresh, REPLAY_TICK_SECONDS) if self.clock.is_replay else refresh,
            sync_every=refresh,
            sync_at_start=sync_at_start,
        )
        self._live_refresh = live_refresh

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return role_defaults(self.current_theme)

    def on_mount(self) -> None:
        self.push_screen(FleetScreen())
        if self._unknown_theme:
            self.notify(
                f"There is no theme '{self._unknown_theme}'; using {DEFAULT_THEME} "
                f"(themes: {', '.join(MRP_THEMES)}).",
                severity="warning",
            )
        if self._live_refresh:
            self.live.start()

    def watch_theme(self, name: str) -> None:
        if self._remember and self.is_running:
            self.run_worker(
                lambda: remember_theme(name),
                name="remember-theme",
                group="settings",
                description="remember the theme",
                thread=True,
                exit_on_error=False,
            )

    # -- state from workers -------------------------------------------------------------------

    @on(SnapshotReady)
    def _snapshot_ready(self, message: SnapshotReady) -> None:
        previous, snapshot = self.snapshot, message.snapshot
        self.snapshot, self.fleet_rows = snapshot, message.rows
        if previous is not None:
            self._notify_new_firing(previous, snapshot)
        self._notify_failed_sources(previous, snapshot)
        stale = sum(
            1
            for e in snapshot.entries
            if (a := e.data_age(snapshot.now)) is None or a > STALE_AFTER
        )
        self.set_status(
            sources=snapshot.sources,
            problems=snapshot.problems,
            refresh_error=None,
            refreshed_at=self.wall(),
            stale_models=stale,
        )
        self.snapshot_signal.publish(snapshot)
        if previous is None:
            # The app, its screens and the first fleet stay for the session: keep them out
            # of the cyclic collector's full passes, which otherwise take tens of
            # milliseconds of UI-thread time with a large fleet on screen.
            self.call_after_refresh(gc.freeze)

    def _notify_new_firing(self, previous: FleetSnapshot, snapshot: FleetSnapshot) -> None:
        new = sorted(snapshot.firing_keys() - previous.firing_keys())
        for model, trigger in new[:NOTIFY_AT_MOST]:
            self.notify(
                f"{model}: {trigger} is firing", title="Trigger firing", severity="error", timeout=8
            )
        if len(new) > NOTIFY_AT_MOST:
            self.notify(f"and {len(new) - NOTIFY_AT_MOST} more triggers started firing")

    def _notify_failed_sources(
        self, previous: FleetSnapshot | None, snapshot: FleetSnapshot
    ) -> None:
        before = {s.source: s.error for s in previous.sources} if previous else {}
        for source in snapshot.sources:
            if source.error and before.get(source.source) != source.error:
                self.notify(
                    f"{source.error} Its stored data is kept.",
                    title=f"Source {source.source} failed",
                    severity="warning",
                    timeout=10,
                )

    def set_status(self, **changes: object) -> None:
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]
        self.status_signal.publish(self.status)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure becomes UI here, and the live refresh re-arms."""
        worker = event.worker
        if worker.group == live.GROUP:
            if event.state == WorkerState.RUNNING and worker.name == live.SYNC:
                self.set_status(busy=worker.name)
            elif worker.is_finished:
                self.set_status(busy=None)
                self.live.finished(worker)
        if event.state == WorkerState.ERROR:
            text = describe(worker.error)
            if worker.group == live.GROUP:
                self.set_status(refresh_error=text)
            else:
                self.notify(f"Could not {worker.description}: {text}", severity="error")

    # -- actions ------------------------------------------------------------------------------

    def wizard_is_up(self) -> bool:
        """A screen in the stack keeps the app's keys to itself (the rollback wizard's host,
        under its steps and the abort question)."""
        return any(getattr(s, "HOLDS_THE_KEYS", False) for s in self.screen_stack)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False hides a key from the footer: the app's keys while the wizard is up, and
        ``h`` on History itself, where it would do nothing."""
        if action == "history" and isinstance(self.screen, HistoryScreen):
            return False
        return not (action in KEPT_FROM_THE_WIZARD and self.wizard_is_up())

    async def action_quit_key(self) -> None:
        await self.action_quit()

    def open_model(self, model: str) -> None:
        self.push_screen(ModelScreen(model))

    def start_rollback(self, model: str) -> None:
        """Start the guided rollback runbook of ``model`` (``r`` on the model screen)."""
        from console.tui.screens.runbook_wizard import RunbookScreen

        self.push_screen(RunbookScreen(model))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_sync(self) -> None:
        if not self.live.poll_now(sync=True):
            self.notify("A refresh is already running.", timeout=3)

    def action_history(self) -> None:
        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def action_fleet(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_set_theme(self, name: str) -> None:
        self.theme = name

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not self.wizard_is_up():
            yield from self._screen_commands()
        for name in MRP_THEMES:
            yield SystemCommand(
                f"Theme: {name}",
                f"Switch to the {name} theme (remembered)",
                lambda name=name: self.action_set_theme(name),
            )
        extra = getattr(screen, "palette_commands", None)
        if callable(extra):
            yield from extra()

    def _screen_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Help", "Keys and what each trigger state means (?)", self.action_help)
        yield SystemCommand("Sync now", "Sync the sources and re-evaluate (s)", self.action_sync)
        yield SystemCommand(
            "History", "Rollbacks, deployments, events, audit (h)", self.action_history
        )
        yield SystemCommand("Fleet", "Back to the fleet", self.action_fleet)
