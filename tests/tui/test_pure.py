"""The console's pure helpers: formats, row data, history filters, user settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from plotext._utility import get_lim
from rich.text import Text
from textual_plotext.plot import Plot

from console.clock import Clock
from console.errors import ConfigError
from console.fleet import FleetEntry, TriggerView
from console.model_detail import Series
from console.runbook.model import Candidate, Evidence, TriggerEvidence
from console.tui.format import (
    age,
    local_time,
    number,
    sparkline,
    state_label,
    times_in,
    wrap_cells,
)
from console.tui.history_data import HistoryRow, audit_row, merge_deploys, record_summary
from console.tui.screens.model import charts_in_view
from console.tui.screens.runbook_target import (
    FiredMetric,
    fired_metrics,
    metrics_then,
    target_columns,
)
from console.tui.widgets.fleet_table import matches, row_spec, trigger_names
from console.tui.widgets.metric_chart import (
    ChartData,
    canvas_column,
    canvas_width,
    chart_title,
    switch_label_place,
    y_axis,
)
from console.tui.widgets.runbook_evidence import evidence_table
from console.tui.widgets.triggers_table import trigger_spec
from console.user_settings import load_user_settings, remember_theme

NOW = datetime(2026, 11, 14, 22, 40, tzinfo=UTC)


def entry(**changes: object) -> FleetEntry:
    base = FleetEntry(
        name="fraud-scoring",
        team="risk-ml",
        risk_tier="high",
        alias="champion",
        version="7",
        since=NOW - timedelta(hours=2, minutes=40),
        previous_version="6",
        last_sample=NOW - timedelta(seconds=30),
        worst_state="firing",
        firing=("accuracy-floor",),
    )
    return FleetEntry(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_states_are_a_symbol_and_a_word() -> None:
    assert [state_label(s) for s in ("firing", "pending", "no_data", "ok")] == [
        "✖ FIRING",
        "◐ pending",
        "∅ no data",
        "✔ ok",
    ]


def test_ages_and_sparklines() -> None:
    assert age(None) == "no data"
    assert age(timedelta(seconds=20)) == "<1m"
    assert age(timedelta(minutes=14, seconds=56)) == "14m"
    assert age(timedelta(days=2, hours=3, minutes=5)) == "2d3h"
    assert sparkline([]) == "···"
    assert len(set(sparkline([1.0, 1.0, 1.0]))) == 1  # flat is flat
    assert sparkline([0.0, 1.0]) == "▁█"
    assert len(set(sparkline([0.950, 0.951, 0.949]))) <= 2  # noise is not news


def test_trigger_names_fit_the_column() -> None:
    assert trigger_names("✖", ("accuracy-floor",)) == "✖ accuracy-floor"
    assert trigger_names("✖", ("accuracy-floor", "error-rate")) == "✖ accuracy-floor +1"
    assert len(trigger_names("✖", ("a-very-long-trigger-name-indeed", "x"))) <= 20


def test_row_spec_and_filter() -> None:
    spec = row_spec(entry(), NOW)
    assert spec[0] == ("✖ FIRING", "trigger-firing", True)
    assert spec[4][0] == "v7 ← v6" and spec[5][0] == "2h40m"
    assert spec[7] == ("<1m", None, False)
    stale = row_spec(entry(last_sample=NOW - timedelta(hours=1)), NOW)
    assert stale[7] == ("1h", "trigger-no-data", False)
    assert matches(entry(), "risk firing")
    assert matches(entry(worst_state="no_data", firing=()), "no data")
    assert not matches(entry(), "growth")


def test_a_model_without_data_names_its_triggers_without_data() -> None:
    silent = entry(worst_state="no_data", firing=(), no_data=("latency-regression", "auc-floor"))
    assert row_spec(silent, NOW)[6] == ("∅ latency-regres… +1", "trigger-no-data", False)
    assert matches(silent, "auc-floor")
    pending = entry(worst_state="pending", firing=(), pending=("drift",), no_data=("auc-floor",))
    assert row_spec(pending, NOW)[6] == ("◐ drift", "trigger-pending", False)


def test_a_since_that_reaches_past_the_evaluation_says_at_least() -> None:
    view = TriggerView(
        "fraud-scoring", "fraud", "accuracy-floor", "ok", since=NOW - timedelta(hours=6)
    )
    assert trigger_spec(view, NOW)[6][0] == "6h ago"
    inexact = TriggerView(
        "fraud-scoring",
        "fraud",
        "accuracy-floor",
        "ok",
        since=NOW - timedelta(hours=6),
        since_exact=False,
    )
    assert trigger_spec(inexact, NOW)[6][0] == "≥6h ago"


def test_history_rollback_filter() -> None:
    def row(action: str) -> HistoryRow:
        return HistoryRow(NOW, "audit", "fraud-scoring", action, "alice", "6", "")

    assert row("rollback").matches("", "rollback", "")
    assert row("runbook.execute").matches("fraud", "rollback", "")
    assert not row("deploy").matches("", "rollback", "")
    assert row("deploy").matches("", "dep", "alice")


def test_each_deploy_shows_once() -> None:
    """A deploy the registry switched and the events feed announced is one row: the
    switch's (actor, previous version), with the event's words kept in its detail."""
    switch = HistoryRow(NOW, "deployments", "fraud", "deploy", "bob", "6", "deploy to 6 (was 5)")
    told = HistoryRow(NOW, "events", "fraud", "deploy", None, "6", "[low] champion -> 6 by bob")
    apart = HistoryRow(NOW - timedelta(days=2), "events", "fraud", "deploy", None, "6", "early")
    other = HistoryRow(NOW, "events", "fraud", "config_change", None, "6", "[low] TTL raised")
    elsewhere = HistoryRow(NOW, "events", "credit", "deploy", None, "6", "[low] credit 6")
    rows = merge_deploys([switch], [told, apart, other, elsewhere])
    assert [(r.origin, r.model, r.action) for r in rows] == [
        ("deployments", "fraud", "deploy"),
        ("events", "fraud", "deploy"),  # two days off: not the same deploy
        ("events", "fraud", "config_change"),
        ("events", "credit", "deploy"),
    ]
    assert rows[0].actor == "bob"
    assert rows[0].detail == "deploy to 6 (was 5) · event: [low] champion -> 6 by bob"
    assert rows[0].matches("", "deploy", "champion -> 6")


def test_user_settings_round_trip(isolated_home: Path) -> None:
    assert load_user_settings().theme is None
    path = remember_theme("mrp-light")
    assert path.is_file() and load_user_settings().theme == "mrp-light"
    path.write_text('theme = "mrp-dark"\ncolour = "red"\n')
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        load_user_settings()


def test_one_time_format_also_inside_core_sentences() -> None:
    assert local_time(NOW) == "2026-11-14 22:40 UTC"
    said = times_in("served 2026-11-03T15:00:00Z → 2026-11-14T19:00:00.123Z, then")
    assert said == "served 2026-11-03 15:00 UTC → 2026-11-14 19:00 UTC, then"


def test_audit_records_read_as_words() -> None:
    base = {"runbook": "rb-1", "from_version": "7", "to_version": "6", "dry_run": True}
    opened = audit_row(NOW, "fraud", "runbook.open", "alice", {**base, "reason": "acc 0.82"})
    assert opened.version == "7 → 6" and opened.detail == "opened (dry run): acc 0.82"
    closed = record_summary(
        "runbook.close", {**base, "outcome": "dry_run_complete", "rehearsal": "recovered"}
    )
    assert closed == "closed: dry run complete, nothing changed; rehearsal: would recover"
    checks = [{"name": "cooldown", "ok": False}, {"name": "data_fresh", "ok": True}]
    failed = record_summary("runbook.precheck", {**base, "passed": False, "checks": checks})
    assert failed == "pre-checks failed: cooldown (back to target)"
    assert record_summary("note", {"text": "hand-over"}) == "hand-over"
    assert "{" not in record_summary("checkpoint", {"seq": 9, "head": "ab12"})


def test_a_replay_held_at_its_end_still_stamps_later_records() -> None:
    clock = Clock(replay_from=NOW, speed=3600.0, replay_until=NOW + timedelta(minutes=1))
    clock._started -= 10  # ten real seconds in: 10 h of replay, held at the end after 1 s
    assert clock.now() == NOW + timedelta(minutes=1)
    assert timedelta(seconds=9) < clock.stamp() - clock.now() < timedelta(seconds=11)
    fixed = Clock(fixed=NOW)
    assert fixed.stamp() == fixed.now() == NOW


def test_a_chart_title_fits_its_chart() -> None:
    """plotext silently drops a title that does not fit, so a long one is shortened."""
    series = Series("latency_p99_seconds", (NOW,), (0.08794,))
    trigger = TriggerView("search-ranking", "growth", "latency-regression", "ok")
    data = ChartData("latency_p99_seconds", NOW - timedelta(hours=6), NOW, series, (trigger,))
    full = "latency_p99_seconds · ✔ latency-regression · last 0.08794"
    assert chart_title(data) == full
    assert chart_title(data, 80) == full
    assert chart_title(data, 50) == "latency_p99_seconds · ✔ latency-re… · last 0.08794"
    assert all(len(chart_title(data, w)) <= w for w in range(10, 60))


def _plot(width: int, ys: tuple[float, ...], height: int = 10) -> list[str]:
    """A chart as MetricChart draws it (series from ys[0] to ys[1], lines at the rest,
    a title, y ticks from y_axis), as plain lines top to bottom."""
    plot = Plot()
    plot.plotsize(width, height)
    plot.title("t")
    plot.plot([0.0, 1.0], [ys[0], ys[1]])
    for level in ys[2:]:
        plot.hline(level)
    low, high = get_lim(list(ys))
    ticks, labels = y_axis(low, high, height - 4, ys[2:])
    plot.yticks(ticks, labels)
    return Text.from_ansi(plot.build()).plain.splitlines()


@pytest.mark.parametrize(
    ("width", "ys"),
    [(57, (0.82, 0.957, 0.9)), (40, (1200.0, 5300.5)), (30, (0.0021, 0.03)), (57, (0.0, 1.0))],
)
def test_the_plot_area_is_as_wide_as_plotext_draws_it(width: int, ys: tuple[float, ...]) -> None:
    low, high = get_lim(list(ys))
    _ticks, labels = y_axis(low, high, 6, ys[2:])
    top = next(line for line in _plot(width, ys) if "┌" in line)
    assert canvas_width(width, labels) == top.index("┐") - top.index("┌") - 1


@pytest.mark.parametrize(
    "ys",
    [
        (0.8196, 0.957, 0.9),  # fraud-scoring's accuracy and its floor
        (0.116, 0.184, 0.1516, 0.1213),  # search-ranking's latency, threshold, baseline
        (1473.0, 2604.0, 2000.0),
        (0.0014, 0.03, 0.03),  # the threshold is the top of the range
    ],
)
def test_a_threshold_line_is_labelled_with_its_own_value(ys: tuple[float, ...]) -> None:
    """The row a threshold or baseline is drawn in carries that value as its y label, as
    the triggers table writes it (plotext's even labels put 0.9's line on a '0.910' row)."""
    lines = _plot(57, ys)
    for level in ys[2:]:
        drawn = [line for line in lines if "├" in line and line.rstrip().endswith("┤")]
        assert any(line.split("├")[0].strip() == number(level) for line in drawn), lines
    labels = [line.split("┤")[0].split("├")[0].strip() for line in lines if "┤" in line]
    assert len([label for label in labels if label]) >= 4, "the axis still reads as a scale"
    values = [float(label.replace(",", "")) for label in labels if label]
    assert values == sorted(values, reverse=True), "labels run from the top down"


def test_a_switch_label_goes_left_of_its_line_only_when_it_would_be_cut() -> None:
    label, canvas = "▸v12", 50
    assert switch_label_place(40.0, 0.0, 100.0, label, canvas) == (40.0, "left")
    x, alignment = switch_label_place(97.0, 0.0, 100.0, label, canvas)
    assert alignment == "right"
    assert canvas_column(x, 0.0, 100.0, canvas) == canvas_column(97.0, 0.0, 100.0, canvas) - 1
    assert switch_label_place(100.0, 0.0, 100.0, label, 3) == (100.0, "left")  # no room either way


def test_wrapped_cells_break_between_words_and_say_when_cut() -> None:
    text = "pre-checks failed: serving_unchanged, change_freeze (only break-glass may proceed)"
    assert wrap_cells(text, 32, 4) == [
        "pre-checks failed:",
        "serving_unchanged, change_freeze",
        "(only break-glass may proceed)",
    ]
    assert wrap_cells(text, 32, 2) == ["pre-checks failed:", "serving_unchanged, change_freez…"]
    assert wrap_cells("abcdefghijklmnop", 6, 4) == ["abcdef", "ghijkl", "mnop"]
    assert wrap_cells("", 10, 3) == [""]


def test_the_target_step_leads_with_the_metric_that_fired() -> None:
    evidence = Evidence(
        at=NOW,
        serving_version="12",
        triggers=(
            TriggerEvidence(policy="growth", trigger="latency-regression", state="firing"),
            TriggerEvidence(policy="growth", trigger="latency-p99", state="firing", value=0.2),
            TriggerEvidence(policy="growth", trigger="security", state="firing"),
            TriggerEvidence(policy="growth", trigger="auc-floor", state="ok", value=0.85),
        ),
    )
    views = [
        TriggerView("m", "growth", "latency-regression", "firing", metric="latency", value=0.17),
        TriggerView("m", "growth", "latency-p99", "firing", metric="latency"),
        TriggerView("m", "growth", "security", "firing", metric="security_finding"),
        TriggerView("m", "growth", "auc-floor", "ok", metric="auc", value=0.85),
    ]
    metrics = {"auc": 0.84, "error_rate": 0.002, "latency": 0.1213}
    eleven = Candidate(version="11", status="approved", eligible=True, why="", metrics=metrics)
    never = Candidate(version="10", status="rejected", eligible=False, why="")
    fired = fired_metrics(evidence, views, [eleven, never])
    assert fired == (FiredMetric("latency", 0.17),)  # once; the event has no data
    assert metrics_then(eleven, fired) == "latency 0.1213 (now 0.17)"
    assert metrics_then(never, fired) == "latency - (now 0.17)"
    assert metrics_then(eleven, ()) == "auc 0.84, error_rate 0.002"
    assert fired_metrics(None, views, [eleven]) == ()
    recorded = fired_metrics(evidence, views[1:], [eleven])  # no live value: the one then
    assert recorded == (FiredMetric("latency", 0.2),)


def test_the_target_step_gives_up_columns_before_the_why() -> None:
    natural, words = [7, 8, 20, 28, 90], [7, 6, 10, 8, 12]
    assert target_columns(natural, words, 120) == [(0, 7), (1, 8), (2, 20), (3, 28), (4, 39)]
    assert target_columns(natural, words, 80) == [(0, 7), (1, 8), (3, 28), (4, 21)]
    assert target_columns([7, 8, 20, 38, 90], [7, 6, 10, 19, 12], 80) == [
        (0, 7),
        (3, 38),
        (4, 21),
    ]
    assert target_columns([7, 8, 20, 38, 90], [7, 6, 10, 19, 12], 60) == [
        (0, 7),
        (3, 19),
        (4, 20),
    ]


def test_wrapped_cells_keep_their_own_line_breaks() -> None:
    text = "accuracy 0.957\nlatency_p99_seconds 0.083"
    assert wrap_cells(text, 30, 3) == ["accuracy 0.957", "latency_p99_seconds 0.083"]
    assert wrap_cells(text, 30, 1) == ["accuracy 0.957 latency_p99_se…"]


def test_the_range_bar_says_which_charts_are_in_view() -> None:
    rows = [(0, 10), (0, 10), (10, 20), (10, 20), (20, 30), (20, 30), (30, 40)]
    assert charts_in_view(rows, 0, 20) == "charts 1-4 of 7 ↓"
    assert charts_in_view(rows, 10, 20) == "charts 3-6 of 7 ↑↓"
    assert charts_in_view(rows, 20, 20) == "charts 5-7 of 7 ↑"
    assert charts_in_view(rows[:4], 0, 20) == ""  # all in view: nothing to say


def test_the_wizard_evidence_marks_a_since_that_is_only_a_bound() -> None:
    began = NOW - timedelta(hours=6)
    exact = TriggerEvidence(policy="p", trigger="accuracy-floor", state="firing", since=began)
    bound = TriggerEvidence(
        policy="p", trigger="latency-p99", state="firing", since=began, since_exact=False
    )
    silent = TriggerEvidence(policy="p", trigger="auc-floor", state="no_data")
    evidence = Evidence(at=NOW, serving_version="7", triggers=(exact, bound, silent))
    since_column = evidence_table(evidence, {}).columns[4]
    assert list(since_column.cells) == [local_time(began), "<=" + local_time(began), "-"]
