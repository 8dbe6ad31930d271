"""The rail of runbook steps: done, current and still to come, always on screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from console.runbook.model import STEPS, Runbook

LABELS = {
    "open": "open",
    "target": "target",
    "prechecks": "pre-checks",
    "approvals": "approvals",
    "execute": "execute",
    "verify": "verify",
    "closed": "close",
}


def aborted_at(runbook: Runbook) -> str:
    """The step a runbook stood at when it was aborted (its last state before the abort)."""
    states = [t.to for t in runbook.history if t.to != "aborted"]
    return states[-1] if states else "open"


def rail(runbook: Runbook | None, current: str = "open") -> Text:
    """``✓ open  ✓ target  ▸ pre-checks  · approvals …``; an aborted runbook ticks only the
    steps it had finished and ends ``✗ aborted at execute`` (a step it stood at was not done:
    an abort at execute moved nothing)."""
    stopped = aborted_at(runbook) if runbook is not None and runbook.state == "aborted" else None
    at = stopped or current
    index = STEPS.index(at) if at in STEPS else 0
    text = Text()
    for position, step in enumerate(STEPS):
        label = LABELS[step]
        if position < index or (stopped is None and current == "closed"):
            text.append(f" ✓ {label} ")
        elif position == index and stopped is None:
            text.append(f" ▸ {label} ", style="bold reverse")
        else:
            text.append(f" · {label} ", style="dim")
    if stopped is not None:
        text.append(f" ✗ aborted at {LABELS.get(stopped, stopped)} ", style="bold reverse")
    return text


class RunbookSteps(Static):
    """The rail, on every step screen."""

    def show_runbook(self, runbook: Runbook | None, current: str = "open") -> None:
        self.update(rail(runbook, current))
