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


class RunbookSteps(Static):
    """``✓ open  ✓ target  ▸ pre-checks  · approvals …`` (``✗ aborted`` at the end)."""

    def show_runbook(self, runbook: Runbook | None, current: str = "open") -> None:
        aborted = runbook is not None and runbook.state == "aborted"
        reached = {t.to for t in runbook.history} if runbook is not None else set()
        index = STEPS.index(current) if current in STEPS else 0
        text = Text()
        for position, step in enumerate(STEPS):
            label = LABELS[step]
            if aborted:
                done = step in reached
                text.append(f" {'✓' if done else '·'} {label} ", style="" if done else "dim")
            elif position < index or current == "closed":
                text.append(f" ✓ {label} ")
            elif position == index:
                text.append(f" ▸ {label} ", style="bold reverse")
            else:
                text.append(f" · {label} ", style="dim")
        if aborted:
            text.append(" ✗ aborted ", style="bold reverse")
        self.update(text)
