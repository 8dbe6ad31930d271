"""The bottom line: last sync, per-source errors, staleness and the clock.

A sync is a real event: how long ago it was is measured on the wall clock, also in a replay
(``mrp demo``), where the bar says so ("real time"). A replay's data is all stored by the
first sync and shown up to the replayed instant, so the data's age follows the replayed
clock while the syncs only re-read the recording: measured on the replayed clock, a sync 30
real seconds ago read "synced 59m ago" beside a data age of "<1m"."""

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
        ago = _ago(app.wall())
        real = app.clock.is_replay
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
                    f" (last ok {ago(source.last_ok)} ago{', real time' if real else ''})"
                    if source.last_ok
                    else " (never synced)"
                )
                error = short_error(source.source, source.error, str(app.workspace.root))
                line.append(f"✖ {source.source}: {error}{last_ok}  ", style=bad)
            else:
                synced = f"{ago(source.finished_at)} ago{' (real time)' if real else ''}"
                line.append(f"✔ {source.source} synced {synced}  ")
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


def _ago(wall: datetime) -> Callable[[datetime | None], str]:
    """How long before ``wall`` (now, on the wall clock) a sync run's moment was."""

    def ago(moment: datetime | None) -> str:
        if moment is None:
            return "?"
        return format_duration(max(wall - moment, timedelta(0)))

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
