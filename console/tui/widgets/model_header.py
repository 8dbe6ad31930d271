"""The model screen's heading: what serves, since when, and how it is doing.

It is written for the width it has: on a narrow terminal (80 columns, a tmux split) the
team and tier, then the deployment's date, give way before the state, the firing
triggers, the versions and the data age would be cut off the right edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from console.fleet import FleetEntry
from console.tui.format import age, local_time, names_that_fit, role_style, state_text


def _state_line(
    model: str, entry: FleetEntry, variables: Mapping[str, str], width: int | None
) -> Text:
    names, role = (
        (entry.firing, "trigger-firing") if entry.firing else (entry.pending, "trigger-pending")
    )
    state = Text()
    if entry.worst_state is not None:
        state = state_text(entry.worst_state, variables)
    about = f" · team {entry.team or '-'} · tier {entry.risk_tier or '-'}"
    fixed = len(model) + 2 + state.cell_len
    full = fixed + (len(", ".join(names)) + 2 if names else 0)
    if width is not None and full + len(about) > width:
        about = ""
    line = Text()
    line.append(model, style="bold")
    line.append(about + "  ")
    line.append_text(state)
    if names:
        room = max(width - fixed - len(about) - 2, 0) if width is not None else None
        said = ", ".join(names) if room is None else names_that_fit(names, room)
        line.append(": " + said, style=role_style(variables, role))
    return line


def _serving_line(entry: FleetEntry, now: datetime, width: int | None) -> Text:
    since = short = ""
    if entry.since is not None:
        ago = age(now - entry.since)
        since, short = f" since {local_time(entry.since)} ({ago} ago)", f" since {ago} ago"
    rest = f" · previous v{entry.previous_version}" if entry.previous_version else ""
    rest += f" · data age {age(entry.data_age(now))}"
    head = f"{entry.alias} → v{entry.version or '?'}"
    if width is not None and len(head + since + rest) > width:
        since = short
    return Text(head + since + rest)


def header_text(
    model: str,
    entry: FleetEntry | None,
    now: datetime,
    variables: Mapping[str, str],
    width: int | None = None,
) -> Text:
    """Two lines: the model, its team and tier, its worst state and the triggers in it;
    then the alias's version, since when, the previous version and the data's age. Fitted
    into ``width`` columns when given (what still does not fit ends in an ellipsis)."""
    if entry is None:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(model, style="bold")
        line.append("  (not in the fleet as of now)")
        return line
    lines = [_state_line(model, entry, variables, width), _serving_line(entry, now, width)]
    if width is not None:
        for line in lines:
            line.truncate(width, overflow="ellipsis")
    return Text("\n", no_wrap=True, overflow="ellipsis").join(lines)


@dataclass(frozen=True)
class _Shown:
    model: str
    entry: FleetEntry | None
    now: datetime
    variables: Mapping[str, str]


class ModelHeader(Static):
    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: _Shown | None = None

    def show(
        self, model: str, entry: FleetEntry | None, now: datetime, variables: Mapping[str, str]
    ) -> None:
        self._shown = _Shown(model, entry, now, variables)
        self._write()

    def on_resize(self) -> None:
        self._write()

    def _write(self) -> None:
        shown = self._shown
        if shown is None:
            return
        width = self.content_region.width or None
        self.update(header_text(shown.model, shown.entry, shown.now, shown.variables, width))
