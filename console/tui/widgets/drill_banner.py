"""The DRILL banner shown while the console replays history (``mrp demo``); on a narrow
terminal it says the speed and time shorter, so "no production system is touched" stays.

Where the terminal has room it also names the drill's workspace (``mrp -w <folder>``): the
demo's temporary folder is where `mrp status`, `mrp evaluate` and the other headless twins
of the console's actions must be pointed, and it was printed only before the console took
the screen."""

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

    def on_resize(self) -> None:
        if mrp_app(self).clock.is_replay:
            self._redraw()

    def _redraw(self) -> None:
        app = mrp_app(self)
        clock = app.clock
        moment = clock.now()
        now = local_time(moment)
        if clock.replay_until is not None and moment >= clock.replay_until:
            wheres = (f"the recorded history ends here, at {now}", f"history ends · {now}")
        else:
            speed = f"×{clock.speed:g}"
            wheres = (f"replaying recorded history at {speed} · {now}", f"{speed} · {now}")
        heres = [f" DRILL · {where} · no production system is touched" for where in wheres]
        beside = f" · mrp -w {app.workspace.root}"
        texts = [f"{here}{beside} " for here in heres] + [f"{here} " for here in heres]
        width = self.size.width or len(texts[-2])  # not laid out yet: the resize redraws it
        self.update(next((text for text in texts if len(text) <= width), texts[-1]))
