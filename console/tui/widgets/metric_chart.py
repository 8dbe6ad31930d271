"""One metric's chart: the series, trigger thresholds and the baseline as lines, version
switches as marked vertical lines. A plotext figure per widget (textual-plotext)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from plotext._utility import get_labels, get_lim
from textual.app import RenderResult
from textual.color import Color, ColorParseError
from textual.geometry import Size
from textual_plotext import PlotextPlot

from console.fleet import TriggerView
from console.model_detail import Series, Switch
from console.tui.format import SYMBOL, number

RGB = tuple[int, int, int]
Alignment = Literal["left", "right"]
_TICKS = 4
_TICK_GAP = 2
"""Columns between two x labels, at least."""
_TITLE_MARGIN = 8
"""plotext drops a title (silently) that does not fit beside the y-axis labels; a title at
most this much narrower than the chart always fits."""
_NAME_ROOM = 10
"""A trigger's name shortened to fewer columns than this (its symbol and a few letters)
says nothing: the title keeps the symbol alone."""
_Y_TICKS = 7
"""At most this many y-axis labels (plotext's default count)."""
_FRAME = 2
"""The columns of the frame's left and right edges."""
_CHROME_ROWS = 4
"""The rows of a chart that are not plot area: title, the frame's top and bottom, x labels."""


@dataclass(frozen=True)
class ChartData:
    metric: str
    start: datetime
    end: datetime
    series: Series | None
    triggers: tuple[TriggerView, ...] = ()
    switches: tuple[Switch, ...] = ()
    baseline: float | None = None
    """The serving version's registered baseline for this metric, if any."""


def _rgb(variables: Mapping[str, str], role: str) -> RGB | None:
    try:
        return Color.parse(variables[role]).rgb
    except (KeyError, ColorParseError):
        return None


def _tick_label(moment: datetime, span: timedelta) -> str:
    local = moment.astimezone()
    return local.strftime("%m-%d %H:%M" if span > timedelta(days=1) else "%H:%M")


def chart_title(data: ChartData, width: int | None = None) -> str:
    """``metric · ✖ trigger · last value`` (the newest sample, as a trigger reads it), fitted
    into ``width``: the triggers' names are shortened first, then (a chart half an 80-column
    terminal wide) only their states' symbols are left, then the word ``last``, so the
    metric, its triggers' states and its last value stay readable."""
    head = data.metric
    triggers = " · ".join(f"{SYMBOL.get(t.state, '?')} {t.trigger}" for t in data.triggers)
    newest = data.series.last if data.series is not None else None
    last = "" if newest is None else f"last {number(newest)}"
    title = " · ".join(p for p in (head, triggers, last) if p)
    if width is None or len(title) <= width:
        return title
    room = width - len(head) - len(" · ") - (len(" · ") + len(last) if last else 0)
    if triggers and room >= _NAME_ROOM:
        return " · ".join(p for p in (head, triggers[: room - 1] + "…", last) if p)
    symbols = "".join(SYMBOL.get(t.state, "?") for t in data.triggers)
    for value in (last, last.removeprefix("last ")):
        short = " · ".join(p for p in (head, symbols, value) if p)
        if len(short) <= width:
            return short
    return title[: max(width - 1, 0)] + "…"


def x_tick_count(canvas: int, label: int) -> int:
    """Into how many parts the x axis is cut (labels at both ends and between): at most
    ``_TICKS``, fewer where two labels would stand a column apart (the labels at the ends
    are moved inwards by half their width). plotext places a label that close to its
    neighbour one way or the other from one drawing to the next, and leaves out one that
    no longer fits: in a chart half an 80-column terminal wide, the last label (now) came
    and went."""
    return max(1, min(_TICKS, canvas // (label + label // 2 + _TICK_GAP)))


def canvas_row(y: float, low: float, high: float, rows: int) -> int:
    """The plot area's row (0 at the bottom) plotext draws ``y`` in (its own rounding)."""
    return math.floor(round(0.5 + (rows - 1) * (y - low) / (high - low), 8))


def y_axis(
    low: float, high: float, rows: int, marks: Sequence[float] = ()
) -> tuple[list[float], list[str]]:
    """The y-axis ticks and labels of a plot area ``rows`` high spanning ``low``..``high``:
    a label on each row (every few rows on a tall chart), each the value that row draws;
    the row a threshold or baseline line is drawn in is labelled with that line's own value,
    as the triggers table writes it (plotext's evenly spaced labels fell between rows, so
    the threshold 0.9 drew on a row labelled 0.910). Later marks win a shared row."""
    if rows < 2 or high <= low:
        return [low], [number(low)]
    step = (high - low) / (rows - 1)
    every = max(1, math.ceil((rows - 1) / (_Y_TICKS - 1)))
    grid = {row: low + row * step for row in range(0, rows, every)}
    grid[rows - 1] = high
    marked = {canvas_row(m, low, high, rows): m for m in marks if low <= m <= high}
    plain = {row: value for row, value in grid.items() if row not in marked}
    ticks = list(plain.values()) + list(marked.values())
    plain_labels = get_labels(list(plain.values())) if len(plain) > 1 else []
    plain_labels = plain_labels or [number(v) for v in plain.values()]
    return ticks, [*plain_labels, *(number(m) for m in marked.values())]


def canvas_width(width: int, labels: Sequence[str]) -> int:
    """The plot area's width in columns, as plotext lays out a chart ``width`` wide with
    these y tick labels: the frame and the widest label take the rest."""
    return width - _FRAME - max((len(label) for label in labels), default=0)


def canvas_column(x: float, start: float, end: float, canvas: int) -> int:
    """The plot area's column plotext draws ``x`` in (its own rounding)."""
    return math.floor(round(0.5 + (canvas - 1) * (x - start) / (end - start), 8))


def switch_label_place(
    at: float, start: float, end: float, label: str, canvas: int
) -> tuple[float, Alignment]:
    """Where a version switch's label goes, as (x, plotext alignment): from the switch's
    line rightwards; when that would run past the plot area's right edge (a switch near
    the end of the range), ending in the column left of the line instead."""
    if canvas < 2 or end <= start:
        return at, "left"
    column = canvas_column(at, start, end, canvas)
    if column + len(label) <= canvas or column < len(label):
        return at, "left"
    return at - (end - start) / (canvas - 1), "right"


class MetricChart(PlotextPlot):
    """Call ``show`` with new data; the figure is rebuilt on data, resize and theme change."""

    def __init__(self, metric: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="metric-chart")
        self.metric = metric
        self._data: ChartData | None = None
        self._drawn_for = Size(0, 0)

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._replot())

    def show(self, data: ChartData) -> None:
        self._data = data
        self._replot()

    def on_resize(self) -> None:
        self._replot()

    def render(self) -> RenderResult:
        if self._data is not None and self._drawn_for != self.size:
            self._figure(self._data)  # drawn before its layout: the axis needs its real size
        return super().render()

    def _replot(self) -> None:
        self._figure(self._data)
        self.refresh()

    def _figure(self, data: ChartData | None) -> None:
        self.plt.clear_data()
        self.plt.clear_figure()
        self._drawn_for = self.size
        if data is not None:
            self._draw(data, self.app.theme_variables)

    def _draw(self, data: ChartData, variables: Mapping[str, str]) -> None:
        plt = self.plt
        width = self.size.width
        plt.title(chart_title(data, width - _TITLE_MARGIN if width else None))
        start, end = data.start.timestamp(), data.end.timestamp()
        span = data.end - data.start
        xs: Sequence[float] = ()
        levels = [t.threshold for t in data.triggers if t.threshold is not None]
        levels += [] if data.baseline is None else [data.baseline]
        low, high = 0.0, 1.0
        if data.series is not None and data.series.values:
            low, high = get_lim([*data.series.values, *levels])
            xs = [t.timestamp() for t in data.series.times]
            plt.plot(
                xs,
                list(data.series.values),
                color=_rgb(variables, "chart-series"),
                marker="braille",
            )
        else:
            plt.text("no data in this range", (start + end) / 2, 0.5)
            plt.ylim(0, 1)
        plt.xlim(start, end)
        for trigger in data.triggers:
            if trigger.threshold is not None:
                plt.hline(trigger.threshold, color=_rgb(variables, "chart-threshold"))
        if data.baseline is not None:
            plt.hline(data.baseline, color=_rgb(variables, "chart-baseline"))
        marks = ([] if data.baseline is None else [data.baseline]) + [
            t.threshold for t in data.triggers if t.threshold is not None
        ]
        ticks, labels = y_axis(low, high, self.size.height - _CHROME_ROWS, marks)
        plt.yticks(ticks, labels)
        switch_colour = _rgb(variables, "chart-switch")
        canvas = canvas_width(width, labels)
        top = max(data.series.values) if data.series and data.series.values else 1.0
        for switch in data.switches:
            at = switch.at.timestamp()
            if start <= at <= end:
                plt.vline(at, color=switch_colour)
                label = f"{'↩' if switch.rollback else '▸'}v{switch.version}"
                x, alignment = switch_label_place(at, start, end, label, canvas)
                plt.text(label, x, top, color=switch_colour, alignment=alignment)
        parts = x_tick_count(canvas, len(_tick_label(data.end, span)))
        positions = [start + (end - start) * i / parts for i in range(parts + 1)]
        plt.xticks(
            positions,
            [_tick_label(datetime.fromtimestamp(p).astimezone(), span) for p in positions],
        )
