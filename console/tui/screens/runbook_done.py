"""The end: the runbook closed (or aborted), and where its records are; ``h`` closes the
wizard and opens History, as the step says."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from console.runbook.model import Runbook
from console.runbook.present import outcome_words
from console.tui.context import mrp_app
from console.tui.screens.runbook_meanwhile import ended_by
from console.tui.screens.runbook_results import Proceed, ToHistory
from console.tui.screens.runbook_step import Frame, StepScreen


class DoneStep(StepScreen):
    step = "closed"
    hint = "enter or esc: back to the model · h: history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go", "Back", priority=True),
        Binding("escape", "go", "Back"),
        Binding("h", "to_history", "History"),
    ]

    def __init__(self, frame: Frame, runbook: Runbook, error: str | None = None) -> None:
        """``error``: what happened meanwhile, when the runbook ended elsewhere while the
        wizard showed a step."""
        super().__init__(frame, error)
        self.runbook = runbook
        self.heading = "7/7 · Closed" if runbook.state == "closed" else "Aborted"
        if runbook.superseded_by is not None:
            self.heading = "Superseded"

    def body(self) -> Iterable[Widget]:
        rb = self.runbook
        if rb.state == "closed":
            text = (
                f"Runbook {rb.id} closed by {ended_by(rb)}: {rb.model} {rb.from_version} → "
                f"{rb.to_version}, {outcome_words(rb)}."
            )
        elif rb.superseded_by is not None:
            text = superseded_words(rb)
        else:
            text = f"Runbook {rb.id} aborted by {ended_by(rb)}: {rb.abort_reason}."
            if not rb.dry_run and rb.execution is not None and rb.execution.done:
                text += (
                    f" {rb.model}'s {rb.alias} stays at version {rb.to_version}: aborting does "
                    "not undo the move."
                )
        app = mrp_app(self)
        # A drill's workspace is a temporary folder: a command in another shell must name it.
        where = f" -w {app.workspace.root}" if app.clock.is_replay else ""
        yield Static(
            f"{text}\nEvery step is a signed record: `mrp runbook show {rb.id}{where}`, "
            f"`mrp audit show{where}`, or h for history."
        )

    def action_go(self) -> None:
        self.dismiss(Proceed())

    def action_to_history(self) -> None:
        self.dismiss(ToHistory())


def superseded_words(runbook: Runbook) -> str:
    """A dry run that a real rollback aborted when it opened: by whom, which one to follow."""
    real = runbook.superseded_by
    who = ended_by(runbook)
    return (
        f"Dry run {runbook.id} was superseded by the real rollback {real} of {runbook.model}, "
        f"opened by {who}: this dry run is read-only now. r on the model joins the real "
        f"rollback (`mrp runbook show {real}`)."
    )
