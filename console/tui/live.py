"""Live refresh: a one-shot thread worker re-armed by a timer, so polls never overlap.

Each poll optionally syncs (when ``sync_every`` has passed), re-evaluates the triggers as of
the clock's now and posts an immutable ``SnapshotReady`` to the app. The app's
``Worker.StateChanged`` handler calls ``finished`` when the worker ends (in success or
failure), which arms the next poll. Nothing here runs on the UI thread but the arming.
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import App
from textual.timer import Timer
from textual.worker import Worker

from console.tui.gateway import Gateway
from console.tui.messages import SnapshotReady
from console.tui.widgets.fleet_table import fleet_rows

GROUP = "live"
SYNC = "syncing"
EVALUATE = "evaluating"


class LiveRefresh:
    def __init__(
        self,
        app: App[Any],
        gateway: Gateway,
        *,
        interval: float,
        sync_every: float,
        sync_at_start: bool = True,
    ) -> None:
        self._app = app
        self._gateway = gateway
        self.interval = interval
        self.sync_every = sync_every
        self._last_sync: float | None = None if sync_at_start else time.monotonic()
        self._timer: Timer | None = None
        self._worker: Worker[None] | None = None
        self._first = True
        self.paused = False

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        self._app.call_later(self._poll)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._worker is not None:
            self._worker.cancel()

    def poll_now(self, sync: bool = True) -> bool:
        """Start a poll at once (forcing a sync); False if one is already running."""
        if self._worker is not None:
            return False
        if sync:
            self._last_sync = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._poll()
        return True

    def finished(self, worker: Worker[Any]) -> None:
        """Called by the app when one of this manager's workers has ended."""
        if worker is self._worker:
            self._worker = None
            self._arm(self.interval)

    def _arm(self, delay: float) -> None:
        self._timer = self._app.set_timer(delay, self._poll, name="live-refresh")

    def _poll(self) -> None:
        self._timer = None
        if self._worker is not None or self.paused:
            if self.paused:
                self._arm(self.interval)
            return
        now = time.monotonic()
        sync = self._last_sync is None or now - self._last_sync >= self.sync_every
        if sync:
            self._last_sync = now
        first, self._first = self._first, False
        self._worker = self._app.run_worker(
            lambda: self._work(sync, first),
            name=SYNC if sync else EVALUATE,
            group=GROUP,
            description="sync the sources and re-evaluate the triggers"
            if sync
            else "re-evaluate the triggers",
            thread=True,
            exit_on_error=False,
        )

    def _work(self, sync: bool, first: bool) -> None:
        """Runs in a worker thread: fetch, then post immutable snapshots."""
        if first:
            # Stored states, no sparklines: the fleet is on screen before any sync,
            # evaluation or metric scan. With none stored yet it would read "0 firing"
            # however the fleet stands: then the first paint waits for the evaluation.
            quick = self._gateway.snapshot(evaluate=False, spark=False)
            if quick.triggers:
                self._app.post_message(SnapshotReady(quick, False, fleet_rows(quick)))
        if sync:
            self._gateway.sync()
        snapshot = self._gateway.snapshot()
        self._app.post_message(SnapshotReady(snapshot, sync, fleet_rows(snapshot)))
