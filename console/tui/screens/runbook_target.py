"""Step 2: choose the target. The policy's suggestion is under the cursor; every other
version is listed with its status, when it last served, its metrics then (first the metric
of the trigger that fired, beside its value now), and why it is or is not eligible; enter
on one that is not is refused on the step (``console.runbook.target.unfit``, as the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import DataTable, Static

from console.runbook.fired import FiredMetric, fired_metrics, metrics_text, shown_metrics
from console.runbook.model import Candidate, TargetChoice
from console.runbook.target import unfit
from console.tui.context import mrp_app
from console.tui.format import local_time, number, times_in
from console.tui.screens.runbook_results import Chosen
from console.tui.screens.runbook_step import Frame, StepScreen

HEADERS = ("version", "status", "served until", "metrics then", "why")
PANEL_CHROME = 8
"""Columns the step panel and the table take around the cells (borders, padding, scrollbar)."""
OTHER_METRICS = 2
"""Metrics shown per version when no trigger with a metric fired."""


def metrics_then(candidate: Candidate, fired: Sequence[FiredMetric]) -> str:
    """``accuracy 0.9491 (now 0.8196)``: the fired metrics only (the column is narrow); with
    none, the version's first metrics."""
    others = 0 if fired else OTHER_METRICS
    return metrics_text(shown_metrics(candidate, fired, others), number)


class TargetStep(StepScreen):
    heading = "2/7 · Choose the version to roll back to"
    step = "target"
    hint = "enter: roll back to the highlighted version · ↑↓: another · esc: abort or leave"

    def __init__(
        self,
        frame: Frame,
        model: str,
        serving: str | None,
        choice: TargetChoice,
        error: str | None = None,
    ) -> None:
        super().__init__(frame, error)
        self.model = model
        self.serving = serving
        self.choice = choice

    def body(self) -> Iterable[Widget]:
        suggestion = self.choice.suggested or "none eligible"
        yield Static(
            f"{self.model} serves version {self.serving or '-'}; the policy's "
            f"'{self.choice.rule}' rule suggests {suggestion}."
        )
        yield DataTable(id="targets", cursor_type="row", zebra_stripes=True)

    def mounted(self) -> None:
        table = self.query_one("#targets", DataTable)
        snapshot = mrp_app(self).snapshot
        views = snapshot.triggers_of(self.model) if snapshot else ()
        fired = fired_metrics(self.frame.evidence, views, self.choice.candidates)
        rows = [
            (
                Text(c.version, style="bold" if c.eligible else "dim"),
                Text(c.status or "-"),
                Text(local_time(c.served_until) if c.served_until else "-"),
                Text(metrics_then(c, fired)),
                Text(times_in(c.why)),
            )
            for c in self.choice.candidates
        ]
        # "why" takes the width the other columns leave and wraps (rows grow to fit)
        widths = [max([len(h), *(r[i].cell_len for r in rows)]) for i, h in enumerate(HEADERS)]
        room = self.app.size.width - PANEL_CHROME - sum(w + 2 for w in widths[:-1]) - 2
        for header, width in zip(HEADERS[:-1], widths, strict=False):
            table.add_column(header, width=width)
        table.add_column(HEADERS[-1], width=max(room, 24))
        cursor = 0
        for index, (c, row) in enumerate(zip(self.choice.candidates, rows, strict=True)):
            table.add_row(*row, key=c.version, height=None)
            if c.version == (self.choice.chosen or self.choice.suggested):
                cursor = index
        table.move_cursor(row=cursor)
        table.focus()

    @on(DataTable.RowSelected, "#targets")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """An ineligible version is refused here, as the CLI refuses it, before anything is
        written."""
        if event.row_key.value is None:
            return
        version = str(event.row_key.value)
        why = unfit(self.model, self.serving, self.choice, version, how="")
        if why is not None:
            self.show_error(why)
            return
        self.dismiss(Chosen(version))
