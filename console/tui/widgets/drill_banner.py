"""The DRILL banner shown while the console replays history (``mrp demo``)."""

from __future__ import annotations

from textual.widgets import Static

from console.tui.context import mrp_app
from console.tui.format import local_time


class DrillBanner(Static):
    def on_mount(self) -> None:
        clock = mrp_app(self).clock
        self.display = clock.is_replay
        if clock.is_replay:
            self.set_interval(1.0, self._redraw, name="drill-clock")
            self._redraw()

    def _redraw(self) -> None:
        clock = mrp_app(self).clock
        now = clock.now()
        if clock.replay_until is not None and now >= clock.replay_until:
            where = f"the recorded history ends here, at {local_time(now)}"
        else:
            where = f"replaying recorded history at ×{clock.speed:g} · {local_time(now)}"
        self.update(f" DRILL · {where} · no production system is touched ")
