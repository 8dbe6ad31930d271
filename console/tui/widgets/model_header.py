"""The model screen's heading: what serves, since when, and how it is doing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from console.fleet import FleetEntry
from console.tui.format import age, local_time, role_style, state_text


def header_text(
    model: str, entry: FleetEntry | None, now: datetime, variables: Mapping[str, str]
) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(model, style="bold")
    if entry is None:
        line.append("  (not in the fleet as of now)")
        return line
    line.append(f" · team {entry.team or '-'} · tier {entry.risk_tier or '-'}  ")
    if entry.worst_state is not None:
        line.append_text(state_text(entry.worst_state, variables))
    if entry.firing:
        line.append(": " + ", ".join(entry.firing), style=role_style(variables, "trigger-firing"))
    elif entry.pending:
        line.append(": " + ", ".join(entry.pending), style=role_style(variables, "trigger-pending"))
    line.append("\n")
    line.append(f"{entry.alias} → v{entry.version or '?'}")
    if entry.since is not None:
        line.append(f" since {local_time(entry.since)} ({age(now - entry.since)} ago)")
    if entry.previous_version:
        line.append(f" · previous v{entry.previous_version}")
    line.append(f" · data age {age(entry.data_age(now))}")
    return line


class ModelHeader(Static):
    def show(
        self, model: str, entry: FleetEntry | None, now: datetime, variables: Mapping[str, str]
    ) -> None:
        self.update(header_text(model, entry, now, variables))
