"""Step 2: choose the target. The policy's suggestion is under the cursor; every other
version is listed with its status, when it last served, its metrics then (first the metric
of the trigger that fired, beside its value now), and why it is or is not eligible (on a
narrow terminal "served until" and "status" give way to keep that in view); enter on one
that is not is refused on the step (``console.runbook.target.unfit``, as the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual import events, on
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
CELL_PADDING = 2
WHY_MIN = 20
"""The "why" column keeps at least this width: it says whether a version is eligible."""
LEAVE_OUT_FIRST = (2, 1)
"""Where "why" would be narrower than ``WHY_MIN``: "served until", then "status" are left
out (for an eligible version "why" says both; an ineligible one says why)."""
OTHER_METRICS = 2
"""Metrics shown per version when no trigger with a metric fired."""


def metrics_then(candidate: Candidate, fired: Sequence[FiredMetric]) -> str:
    """``accuracy 0.9491 (now 0.8196)``: the fired metrics only (the column is narrow); with
    none, the version's first metrics."""
    others = 0 if fired else OTHER_METRICS
    return metrics_text(shown_metrics(candidate, fired, others), number)


def target_columns(
    natural: Sequence[int], longest_words: Sequence[int], width: int
) -> list[tuple[int, int]]:
    """(index into ``HEADERS``, width) of each column shown on a ``width``-column screen,
    given each column's natural width and its longest word. Every column but "why" at its
    natural width and "why" the rest; where that leaves "why" under ``WHY_MIN``, columns
    are left out (``LEAVE_OUT_FIRST``), then "metrics then" wraps (not below its longest
    word), so a version's eligibility stays in view on an 80-column terminal."""
    shown = list(range(len(HEADERS)))

    def room() -> int:
        return width - PANEL_CHROME - CELL_PADDING * len(shown)

    for index in LEAVE_OUT_FIRST:
        if room() - sum(natural[i] for i in shown[:-1]) >= WHY_MIN:
            break
        shown.remove(index)
    widths = {i: natural[i] for i in shown[:-1]}
    metrics = HEADERS.index("metrics then")
    others = sum(w for i, w in widths.items() if i != metrics)
    widths[metrics] = max(longest_words[metrics], min(natural[metrics], room() - others - WHY_MIN))
    why = len(HEADERS) - 1
    widths[why] = max(WHY_MIN, room() - sum(widths.values()))
    return [(i, widths[i]) for i in shown]


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
        self._width: int | None = None

    def body(self) -> Iterable[Widget]:
        suggestion = self.choice.suggested or "none eligible"
        yield Static(
            f"{self.model} serves version {self.serving or '-'}; the policy's "
            f"'{self.choice.rule}' rule suggests {suggestion}."
        )
        yield DataTable(id="targets", cursor_type="row", zebra_stripes=True)

    def mounted(self) -> None:
        self._fill(self.app.size.width)
        self.query_one("#targets", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        """The columns fit the terminal again when it is resized (the highlighted row kept)."""
        if self.is_mounted and event.size.width != self._width:
            self._fill(event.size.width)

    def _fill(self, width: int) -> None:
        self._width = width
        table = self.query_one("#targets", DataTable)
        highlighted = table.cursor_row if table.row_count else None
        table.clear(columns=True)
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
        # the cells wrap to their column's width (rows grow to fit)
        natural = [max([len(h), *(r[i].cell_len for r in rows)]) for i, h in enumerate(HEADERS)]
        words = [
            max([len(h), *(len(w) for r in rows for w in r[i].plain.split())])
            for i, h in enumerate(HEADERS)
        ]
        columns = target_columns(natural, words, width)
        for index, width in columns:
            table.add_column(HEADERS[index], width=width)
        cursor = 0
        for index, (c, row) in enumerate(zip(self.choice.candidates, rows, strict=True)):
            table.add_row(*(row[i] for i, _ in columns), key=c.version, height=None)
            if c.version == (self.choice.chosen or self.choice.suggested):
                cursor = index
        table.move_cursor(row=cursor if highlighted is None else highlighted)

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
