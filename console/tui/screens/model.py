"""One model: charts over a chosen range, its triggers, versions and records."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from console.fleet import STATE_RANK, FleetSnapshot, TriggerView
from console.model_detail import ModelDetail
from console.tui.context import mrp_app
from console.tui.format import describe, times_in
from console.tui.messages import ModelDetailReady
from console.tui.widgets.drill_banner import DrillBanner
from console.tui.widgets.key_footer import KeyFooter
from console.tui.widgets.metric_chart import ChartData, MetricChart
from console.tui.widgets.model_header import ModelHeader
from console.tui.widgets.records_table import RecordsTable
from console.tui.widgets.status_bar import StatusBar
from console.tui.widgets.triggers_table import TriggersTable
from console.tui.widgets.versions_table import VersionsTable

RANGES: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
DEFAULT_RANGE = "6h"
REREAD_RETRY_SECONDS = 0.5
"""How soon to ask again for the re-read after a wizard, while a refresh already runs."""


def charts_in_view(tops: list[tuple[int, int]], scroll_y: float, height: int) -> str:
    """``charts 1-4 of 7 ↓`` for charts at (top, bottom) rows in a scrolled area: the first
    and last wholly in view, an arrow to each side holding more; empty when all fit."""
    if not tops or max(bottom for _top, bottom in tops) <= height:
        return ""
    shown = [
        i for i, (top, bottom) in enumerate(tops) if top >= scroll_y and bottom <= scroll_y + height
    ]
    if not shown:
        return f"{len(tops)} charts, scroll"
    first, last = shown[0], shown[-1]
    arrows = ("↑" if first > 0 else "") + ("↓" if last < len(tops) - 1 else "")
    return f"charts {first + 1}-{last + 1} of {len(tops)} {arrows}".rstrip()


LEGEND = ("── threshold", "── baseline", "│▸v switch", "↩ rollback")


def range_bar(ranges: list[str], in_view: str, width: int | None = None) -> Text:
    """The ranges (markup), the charts' legend and which charts are in view (``in_view``).
    When that does not fit in ``width``, which charts are in view comes before the legend,
    whose items are left out from the last: the arrow that says more charts are below
    stays in view on a narrow terminal."""
    head = Text.from_markup("range (keys 1-4) " + " ".join(ranges))
    view = Text.from_markup(f"   [b]{in_view}[/]") if in_view else Text()
    legend = "   " + " · ".join(LEGEND)
    if width is None or head.cell_len + len(legend) + view.cell_len <= width:
        return Text.assemble(head, legend, view)
    line = Text.assemble(head, view)
    for count in range(len(LEGEND), 0, -1):
        items = "   " + " · ".join(LEGEND[:count])
        if line.cell_len + len(items) <= width:
            line.append(items)
            break
    return line


def chart_order(detail: ModelDetail, triggers: tuple[TriggerView, ...]) -> list[str]:
    """Metrics with the worst triggers first, then the other metrics by name."""
    worst: dict[str, int] = {}
    for t in triggers:
        if t.metric is not None:
            worst[t.metric] = max(worst.get(t.metric, -1), STATE_RANK.get(t.state, 0))
    metrics = [s.metric for s in detail.series] + [m for m in worst if not detail.series_of(m)]
    return sorted(dict.fromkeys(metrics), key=lambda m: (-worst.get(m, -1), m))


class ModelScreen(Screen[None]):
    DEFAULT_CSS = """
    ModelScreen #trigger-why { padding: 0 1; height: auto; }
    ModelScreen #charts-note { padding: 1 2; height: auto; color: $text-muted; }
    ModelScreen #charts-note.failed { color: $warning; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "range('1h')", "1h", show=False),
        Binding("2", "range('6h')", "6h", show=False),
        Binding("3", "range('24h')", "24h", show=False),
        Binding("4", "range('7d')", "7d", show=False),
        Binding("r", "rollback", "Rollback"),
        Binding("t", "tab('triggers')", "Triggers"),
        Binding("v", "tab('versions')", "Versions"),
        Binding("a", "tab('records')", "Records"),
    ]

    def __init__(self, model: str) -> None:
        super().__init__(classes="model-screen")
        self.model = model
        self.range = DEFAULT_RANGE
        self._detail: ModelDetail | None = None
        self._loaded_at: float | None = None
        self._shown: FleetSnapshot | None = None
        self._wizard_over = False

    def compose(self) -> ComposeResult:
        yield DrillBanner()
        yield ModelHeader(id="model-header", classes="screen-title")
        yield Static(id="range-bar")
        yield VerticalScroll(
            Static(f"reading {self.model}'s charts…", id="charts-note"),
            Grid(id="charts"),
            id="chart-scroll",
        )
        with TabbedContent(id="model-tabs"):
            with TabPane("Triggers", id="tab-triggers"):
                yield TriggersTable(id="triggers-table")
                yield Static(id="trigger-why")
            with TabPane("Versions", id="tab-versions"):
                yield VersionsTable(id="versions-table")
            with TabPane("Records", id="tab-records"):
                yield RecordsTable(with_model=False, id="model-records")
        yield StatusBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        app = mrp_app(self)
        app.snapshot_signal.subscribe(self, self._on_snapshot)
        scroll = self.query_one("#chart-scroll", VerticalScroll)
        self.watch(scroll, "scroll_y", lambda _y: self._show_range(), init=False)
        app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        self._show_range()
        if app.snapshot is not None:
            self._show_snapshot(app.snapshot)
        self.query_one(TriggersTable).focus()
        self.load()

    # -- data ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the charts, versions and records as of the fleet's instant, so the charts'
        last values and the triggers' values are of one moment (a replay's clock runs on
        between two refreshes)."""
        app = mrp_app(self)
        span, model = RANGES[self.range], self.model
        at = app.snapshot.now if app.snapshot is not None else None

        def fetch() -> None:
            detail, records = app.gateway.model(model, span, at)
            self.post_message(ModelDetailReady(detail, records))

        self.run_worker(
            fetch,
            name="model-detail",
            group="model",
            description=f"load {model}'s history",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _on_snapshot(self, snapshot: FleetSnapshot) -> None:
        if self.app.screen is not self:
            return
        self._show_snapshot(snapshot)
        self.load()  # charts and records follow the clock

    def on_screen_resume(self) -> None:
        """Back in front: show the snapshots that landed while another screen was over this
        one; after the rollback wizard (done, aborted or left), re-read the state it may have
        changed (a rollback's verify syncs the move into the database)."""
        snapshot = mrp_app(self).snapshot
        if snapshot is not None and snapshot is not self._shown and self.is_mounted:
            self._show_snapshot(snapshot)
            self.load()
        if self._wizard_over:
            self._wizard_over = False
            self._reread()

    def _reread(self) -> None:
        """A refresh without a sync, through the app's live refresh (off the UI thread); its
        snapshot comes back through ``_on_snapshot``. While a refresh runs, it may have read
        before the wizard's last change: ask again once it is over."""
        if not mrp_app(self).live.poll_now(sync=False):
            self.set_timer(REREAD_RETRY_SECONDS, self._reread)

    def _show_snapshot(self, snapshot: FleetSnapshot) -> None:
        self._shown = snapshot
        variables = mrp_app(self).theme_variables
        self.query_one(ModelHeader).show(
            self.model, snapshot.entry(self.model), snapshot.now, variables
        )
        self.query_one(TriggersTable).show_triggers(snapshot.triggers_of(self.model), snapshot.now)
        self._show_why()

    @on(DataTable.RowHighlighted, "#triggers-table")
    def _show_why(self) -> None:
        table = self.query_one(TriggersTable)
        reason = table.reason
        why = self.query_one("#trigger-why", Static)
        left_out = table.left_out
        about = f"{table.cursor_key} ({left_out})" if left_out else f"{table.cursor_key}"
        said = Text.assemble(("why ", "bold"), f"{about}: {times_in(reason or '')}")
        why.update(said if reason else "")
        why.display = reason is not None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A load that failed (the state database held by another process past the wait,
        say) is said where the charts go, until the next refresh reads them again; the app
        notifies it too."""
        if event.worker.group != "model" or event.state != WorkerState.ERROR:
            return
        if self._detail is None:
            note = self.query_one("#charts-note", Static)
            note.update(
                f"could not read {self.model}'s charts: {describe(event.worker.error)} They are "
                "read again at the next refresh (s: now)."
            )
            note.add_class("failed")

    @on(ModelDetailReady)
    async def _detail_ready(self, message: ModelDetailReady) -> None:
        self._detail = message.detail
        self.query_one("#charts-note", Static).display = False
        await self._show_charts(message.detail)
        self.call_after_refresh(self._show_range)  # the charts mounted: laid out next refresh
        self.query_one(VersionsTable).show_versions(message.detail.versions)
        self.query_one(RecordsTable).show_records(message.records)

    async def _show_charts(self, detail: ModelDetail) -> None:
        snapshot = mrp_app(self).snapshot
        triggers = snapshot.triggers_of(self.model) if snapshot else ()
        grid = self.query_one("#charts", Grid)
        order = chart_order(detail, triggers)
        charts, mounted = self._arrange_charts(grid, order)
        serving = detail.switches[-1].version if detail.switches else None
        baselines = detail.baselines_of(serving)
        for metric, chart in charts.items():
            chart.show(
                ChartData(
                    metric=metric,
                    start=detail.start,
                    end=detail.now,
                    series=detail.series_of(metric),
                    triggers=tuple(t for t in triggers if t.metric == metric),
                    switches=detail.switches,
                    baseline=baselines.get(metric),
                )
            )
        if mounted is not None:
            await mounted

    @staticmethod
    def _arrange_charts(
        grid: Grid, order: list[str]
    ) -> tuple[dict[str, MetricChart], AwaitMount | None]:
        """One chart per metric in ``order``: the charts already there are kept and moved
        (a chart removed and mounted again in one go would clash with itself by id); with
        the mounting of new ones to await, if any."""
        existing = {chart.metric: chart for chart in grid.query(MetricChart)}
        if list(existing) == order:
            return existing, None
        for metric, chart in existing.items():
            if metric not in order:
                chart.remove()
        charts = {m: existing.get(m) or MetricChart(m, id=f"chart-{m}") for m in order}
        mounted = grid.mount_all(c for m, c in charts.items() if m not in existing)
        for before, after in itertools.pairwise(charts.values()):
            grid.move_child(after, after=before)
        return charts, mounted

    def _restyle(self) -> None:
        for table in (self.query_one(TriggersTable),):
            table.forget_styles()
        snapshot = mrp_app(self).snapshot
        if snapshot is not None:
            self._show_snapshot(snapshot)

    # -- actions ------------------------------------------------------------------------------

    def _show_range(self) -> None:
        parts = [f"[reverse] {name} [/]" if name == self.range else f" {name} " for name in RANGES]
        scroll = self.query_one("#chart-scroll", VerticalScroll)
        tops = [
            (c.virtual_region.y, c.virtual_region.bottom)
            for c in self.query_one("#charts", Grid).query(MetricChart)
        ]
        in_view = charts_in_view(tops, scroll.scroll_y, scroll.scrollable_content_region.height)
        bar = self.query_one("#range-bar", Static)
        bar.update(range_bar(parts, in_view, bar.content_region.width or None))

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_range)
        self.call_after_refresh(self._show_why)  # a narrow table may leave out more

    def action_range(self, name: str) -> None:
        if name in RANGES and name != self.range:
            self.range = name
            self._show_range()
            self.load()

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"
        table = {
            "triggers": "#triggers-table",
            "versions": "#versions-table",
            "records": "#model-records",
        }[name]
        self.query_one(table).focus()

    def action_rollback(self) -> None:
        self._wizard_over = True
        mrp_app(self).start_rollback(self.model)

    def palette_commands(self) -> Iterator[SystemCommand]:
        for key, name in enumerate(RANGES, start=1):
            yield SystemCommand(
                f"Range {name}", f"Chart the last {name} ({key})", partial(self.action_range, name)
            )
        yield SystemCommand(
            "Rollback", f"Start the rollback runbook for {self.model} (r)", self.action_rollback
        )
        yield SystemCommand("Back to the fleet", "Close this model (esc)", self.app.pop_screen)
