"""The bottom line: last sync, per-source errors, staleness and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual.widget import Widget

from console.clock import Clock, format_duration
from console.text import plural
from console.tui.context import mrp_app
from console.tui.format import local_time, role_style
from console.tui.status import StatusInfo


class StatusBar(Widget):
    """Rendered at its current width, on every status change and once a second."""

    def on_mount(self) -> None:
        app = mrp_app(self)
        app.status_signal.subscribe(self, self._on_status)
        self.set_interval(1.0, self.refresh, name="status-clock")

    def _on_status(self, _status: StatusInfo) -> None:
        self.refresh()

    def render(self) -> Text:
        return self.render_status(mrp_app(self).status)

    def render_status(self, status: StatusInfo) -> Text:
        app = mrp_app(self)
        variables = app.theme_variables
        ago = _since(app.clock, app.wall())
        bad = role_style(variables, "trigger-firing", bold=True)
        warn = role_style(variables, "trigger-pending")
        line = Text(no_wrap=True, overflow="ellipsis")
        if status.busy:
            line.append(f"⟳ {status.busy}  ")
        if status.refresh_error:
            line.append(f"✖ refresh failed: {status.refresh_error}  ", style=bad)
        for problem in status.problems:
            line.append(f"✖ {problem}  ", style=bad)
        for source in status.sources:
            if source.error:
                last_ok = (
                    f" (last ok {ago(source.last_ok)} ago)" if source.last_ok else " (never synced)"
                )
                error = short_error(source.source, source.error, str(app.workspace.root))
                line.append(f"✖ {source.source}: {error}{last_ok}  ", style=bad)
            else:
                line.append(f"✔ {source.source} synced {ago(source.finished_at)} ago  ")
                for warning in source.warnings:  # as `mrp sync` said it, up to its advice
                    said = warning.about(source.source).split("; ")[0].rstrip(".")
                    line.append(f"⚠ {said}  ", style=warn)
        if not status.sources and not status.refresh_error:
            line.append("not synced yet  ")
        if status.stale_models:
            stale = plural(status.stale_models, "model")
            line.append(f"∅ {stale} with stale data  ", style=warn)
        right = Text(f"  {_clock_words(app.clock)}", no_wrap=True)
        width = max(self.size.width, 40)
        if line.cell_len + right.cell_len > width:
            line.truncate(max(width - right.cell_len, 10), overflow="ellipsis")
        line.pad_right(max(width - line.cell_len - right.cell_len, 0))
        return line + right


def _since(clock: Clock, wall: datetime) -> Callable[[datetime | None], str]:
    """How long ago a real moment (a sync run, recorded at the wall clock) was. In a replay
    it is measured on the replayed clock, as the fleet's ages and the time on the right are:
    the real seconds since are replayed ones (at ×120 a sync 30s ago was an hour of the
    recorded evening ago). Otherwise on the wall clock (a fixed clock does not move)."""

    def ago(moment: datetime | None) -> str:
        if moment is None:
            return "?"
        return format_duration(max(clock.since(moment, wall), timedelta(0)))

    return ago


def _clock_words(clock: Clock) -> str:
    """The console's time, and which clock it is."""
    moment = clock.now()
    if not clock.is_replay:
        return f"now {local_time(moment)}" + (" fixed" if clock.fixed else "")
    if clock.replay_until is not None and moment >= clock.replay_until:
        return f"replay ended · {local_time(moment)}"
    return f"replaying {local_time(moment)} ×{clock.speed:g}"


def short_error(source: str, error: str, root: str) -> str:
    """A source's error for one line: without the repeated source name and workspace path."""
    text = error.removeprefix(f"source '{source}': ")
    return text.replace(root.rstrip("/") + "/", "")
