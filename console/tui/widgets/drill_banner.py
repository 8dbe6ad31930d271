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
        ended = clock.replay_until is not None and clock.now() >= clock.replay_until
        where = "end of the recorded history" if ended else f"×{clock.speed:g} real time"
        self.update(
            f" DRILL · replaying recorded history at {where} · {local_time(clock.now())} · "
            "no production system is touched "
        )
