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


TERSER: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"done"}),
    frozenset({"done", "to come"}),
)
"""What gives way on a narrow terminal, in turn: the labels of the steps done, then of the
steps to come (the current step and where an aborted runbook stopped keep theirs)."""


def rail(
    runbook: Runbook | None, current: str = "open", terse: frozenset[str] = frozenset()
) -> Text:
    """``✓ open  ✓ target  ▸ pre-checks  · approvals …``; an aborted runbook ticks only the
    steps it had finished and ends ``✗ aborted at execute`` (a step it stood at was not done:
    an abort at execute moved nothing). The kinds of step in ``terse`` ("done", "to come")
    show their mark without their label: ``✓ ✓ ▸ pre-checks · ·``."""
    stopped = aborted_at(runbook) if runbook is not None and runbook.state == "aborted" else None
    at = stopped or current
    index = STEPS.index(at) if at in STEPS else 0
    text = Text()
    for position, step in enumerate(STEPS):
        label = LABELS[step]
        if position < index or (stopped is None and current == "closed"):
            text.append(" ✓" if "done" in terse else f" ✓ {label} ")
        elif position == index and stopped is None:
            text.append(f" ▸ {label} ", style="bold reverse")
        else:
            text.append(" ·" if "to come" in terse else f" · {label} ", style="dim")
    if stopped is not None:
        text.append(f" ✗ aborted at {LABELS.get(stopped, stopped)} ", style="bold reverse")
    return text


def fitted_rail(runbook: Runbook | None, current: str, width: int) -> Text:
    """The fullest rail that fits ``width`` columns (the tersest where none does)."""
    for terse in TERSER:
        text = rail(runbook, current, terse)
        if text.cell_len <= width:
            break
    return text


class RunbookSteps(Static):
    """The rail, on every step screen, on one line whatever the terminal's width."""

    runbook: Runbook | None = None
    current = "open"

    def show_runbook(self, runbook: Runbook | None, current: str = "open") -> None:
        self.runbook, self.current = runbook, current
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.content_region.width
        if width <= 0:  # not laid out yet: the resize that follows fits it
            self.update(rail(self.runbook, self.current))
            return
        self.update(fitted_rail(self.runbook, self.current, width))
