"""Why the runbook exists: the serving version and every trigger that is not ok, as they
stood when the evidence was taken. The box says when (its border title) and is never
refreshed: the recorded evidence is what the rollback was decided on, while a step's own
table shows the values now."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from console.runbook.model import Evidence, TriggerEvidence
from console.tui.format import local_time, number, state_text


def evidence_since(trigger: TriggerEvidence) -> str:
    """When the trigger's state began; ``<=`` before a time it began at or before, as
    ``mrp rollback`` and ``mrp runbook show`` write it."""
    if trigger.since is None:
        return "-"
    return ("" if trigger.since_exact else "<=") + local_time(trigger.since)


def evidence_table(evidence: Evidence, variables: Mapping[str, str]) -> Table:
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
    for name in ("trigger", "state", "value", "threshold", "since"):
        table.add_column(name, no_wrap=True)
    shown = [t for t in evidence.triggers if t.state != "ok"] or list(evidence.triggers)
    for t in shown:
        table.add_row(
            Text(t.trigger, style="bold" if t.state == "firing" else ""),
            state_text(t.state, variables),
            number(t.value),
            number(t.threshold),
            evidence_since(t),
        )
    return table


def evidence_title(evidence: Evidence, recorded: bool) -> str:
    """When the evidence was taken (as the wizard opened): kept with the runbook when it
    opens, so a later step's values are not the box's."""
    when = "recorded when the runbook opened" if recorded else "recorded when the runbook opens"
    return f"evidence as of {local_time(evidence.at)} ({when})"


class RunbookEvidence(Static):
    def show_evidence(
        self,
        evidence: Evidence | None,
        model: str,
        variables: Mapping[str, str],
        recorded: bool = True,
    ) -> None:
        """``recorded``: the runbook is open, with this evidence in its records."""
        if evidence is None:
            self.border_title = None
            self.update("no evidence recorded")
            return
        self.border_title = evidence_title(evidence, recorded)
        since = f" since {local_time(evidence.serving_since)}" if evidence.serving_since else ""
        head = Text(f"{model}: version {evidence.serving_version or '-'} serving{since}")
        grid = Table.grid()
        grid.add_row(head)
        grid.add_row(evidence_table(evidence, variables))
        self.update(grid)
