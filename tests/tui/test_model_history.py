"""Pilot tests of the model screen (charts, ranges, tables, rollback key) and the history
screen (filters, CSV export in a worker)."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.widgets import Input, Static
from textual.widgets.data_table import ColumnKey, RowKey
from tui_helpers import SIZE, open_history, open_model, ready, wait_for

from console.audit.log import AuditLog
from console.settings import open_workspace
from console.tui.format import number
from console.tui.messages import SnapshotReady
from console.tui.screens.model import ModelScreen
from console.tui.triggers_bridge import evaluate_views
from console.tui.widgets.metric_chart import MetricChart, chart_title
from console.tui.widgets.records_table import RecordsTable, row_key
from console.tui.widgets.triggers_table import TriggersTable
from console.tui.widgets.versions_table import VersionsTable
from tests.unit.audit_fixtures import ALICE, T0


async def test_model_screen_shows_charts_triggers_versions(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        charts = list(screen.query(MetricChart))
        assert charts[0].metric == "accuracy"  # the firing trigger's metric comes first
        data = charts[0]._data
        assert data is not None and data.series is not None
        assert [t.threshold for t in data.triggers] == [0.90]
        assert data.baseline == pytest.approx(0.957)
        assert [s.version for s in data.switches][-1] == "7"
        assert "accuracy" in charts[0].plt.build()
        triggers = screen.query_one(TriggersTable)
        assert triggers.shown_keys == ["accuracy-floor", "error-rate"]
        versions = screen.query_one(VersionsTable)
        assert versions.shown_keys == ["7", "6", "5"]
        records = screen.query_one(RecordsTable).rows_shown
        assert len(records) >= 3
        deploys = [(r.at, r.version) for r in records if r.action in ("deploy", "rollback")]
        assert len(deploys) == len(set(deploys)) == 3  # once each, not again from events
        assert {r.origin for r in records if r.action == "deploy"} == {"deployments"}


async def test_range_keys_bound_the_series(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "search-ranking")
        for key, hours in (("1", 1), ("3", 24), ("4", 24 * 7)):
            previous = screen._detail
            await pilot.press(key)
            await wait_for(pilot, lambda p=previous: screen._detail is not p)
            detail = screen._detail
            assert detail is not None
            assert (detail.now - detail.start).total_seconds() == hours * 3600
            assert all(len(s.values) <= 242 for s in detail.series)  # downsampled in SQL


async def test_history_filters_and_exports_csv(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        everything = len(screen.shown)
        assert everything > 30
        deploys = [(r.model, r.at) for r in screen.shown if r.action == "deploy"]
        assert len(deploys) == len(set(deploys))  # each deploy once
        first = screen.query_one(RecordsTable).get_cell("1", "detail").plain
        assert first.startswith("[high] dependency scan")  # data, not markup
        screen.query_one("#filter-model", Input).value = "fraud"
        screen.query_one("#filter-action", Input).value = "deploy"
        await wait_for(pilot, lambda: len(screen.shown) < everything)
        assert {r.model for r in screen.shown} == {"fraud-scoring"}
        assert {r.action for r in screen.shown} == {"deploy"}
        await pilot.press("e")
        await wait_for(pilot, lambda: any("Exported" in n.message for n in app._notifications))
        written = list(tmp_path.glob("mrp-history-*.csv"))
        assert len(written) == 1
        message = next(n.message for n in app._notifications if "Exported" in n.message)
        assert str(written[0]) in message
        rows = list(csv.DictReader(written[0].open(encoding="utf-8")))
        assert len(rows) == len(screen.shown)
        assert rows[0]["model"] == "fraud-scoring" and rows[0]["at"].endswith("Z")


async def test_history_says_when_the_audit_log_was_deleted(
    make_app: Any, workspace_root: Path
) -> None:
    """A missing log is no records yet only in a new workspace: when the append lock shows
    records were written, the history says so in one line instead of showing none."""
    ws = open_workspace(workspace_root)
    AuditLog(ws.audit_path).append(ALICE, "note", "fraud-scoring", {"text": "hi"}, None, T0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        line = screen.query_one("#history-problem", Static)
        assert not line.display  # the log is whole: no line
        assert any(r.origin == "audit" for r in screen.shown)

        ws.audit_path.unlink()
        screen.load()
        await wait_for(pilot, lambda: line.display)
        text = str(line.render())
        assert text == (
            f"⚠ audit log: there is no audit log at {ws.audit_path}, but its lock file "
            "audit.jsonl.lock shows that records were appended to it: the log was deleted or "
            "moved; run `mrp audit verify`."
        )
        assert not any(r.origin == "audit" for r in screen.shown)
    assert not ws.audit_path.exists()


async def test_the_model_records_wrap_a_records_detail_to_read_it_whole(
    make_app: Any, workspace_root: Path
) -> None:
    """On the model's Records tab a record's detail wraps onto the lines its row grows to
    (the date over the time leaves it more room), and wraps again when the terminal is
    resized. (History shows a record a line, the highlighted one's detail whole under the
    table: tests/tui/test_history_one_line.py.)"""
    ws = open_workspace(workspace_root)
    checks = [{"name": "serving_unchanged", "ok": False}, {"name": "change_freeze", "ok": False}]
    details = {"from_version": "7", "to_version": "6", "passed": True, "checks": checks}
    AuditLog(ws.audit_path).append(ALICE, "runbook.precheck", "fraud-scoring", details, None, T0)
    said = "pre-checks failed: serving_unchanged, change_freeze (only break-glass may proceed)"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        await pilot.press("a")
        table = screen.query_one(RecordsTable)
        await wait_for(pilot, lambda: table.size.width > 0)
        key = row_key(next(i for i, r in enumerate(table.rows_shown) if r.origin == "audit"))
        assert table.get_cell(key, "at").plain == "2026-11-01\n03:00 UTC"

        def detail_lines() -> list[str]:
            return str(table.get_cell(key, "detail").plain).split("\n")

        width = table.columns[ColumnKey("detail")].width
        assert width >= 30
        assert " ".join(detail_lines()) == said
        assert all(cell_len(line) <= width for line in detail_lines())
        assert table.get_row_height(RowKey(key)) == len(detail_lines()) == 2

        await pilot.resize_terminal(200, 40)
        await wait_for(pilot, lambda: len(detail_lines()) == 1)
        assert detail_lines() == [said]
        assert table.get_row_height(RowKey(key)) == 2  # the time under the date


async def test_a_switch_near_the_charts_right_edge_keeps_its_label_whole(make_app: Any) -> None:
    """fraud-scoring's switch to 7 is 2h40m before the end: at 7 days, the last columns."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        previous = screen._detail
        await pilot.press("4")
        await wait_for(pilot, lambda: screen._detail is not previous)
        await pilot.pause()
        chart = screen.query_one("#chart-accuracy", MetricChart)
        top_row = next(line for line in chart.render().plain.splitlines() if "├" in line)
        assert "▸v7" in top_row  # left of its line, which is in the last columns


async def test_a_charts_threshold_line_is_labelled_with_the_limit(make_app: Any) -> None:
    """fraud-scoring's accuracy floor is 0.9 and its registered baseline 0.957: the rows
    their lines are drawn in say exactly that, as the triggers table's LIMIT does."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        await pilot.pause()
        lines = screen.query_one("#chart-accuracy", MetricChart).render().plain.splitlines()
    drawn = {line.split("├")[0].strip() for line in lines if "├" in line}
    assert {"0.9", "0.957"} <= drawn, lines


async def test_a_trigger_that_starts_firing_moves_its_chart_first(make_app: Any) -> None:
    """A new snapshot reorders the open model's charts in place (the same charts, moved)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        charts = {c.metric: c for c in screen.query(MetricChart)}
        assert next(iter(charts)) == "accuracy"
        snapshot = app.snapshot
        triggers = tuple(
            replace(t, state="firing" if t.trigger == "error-rate" else "ok")
            if t.model == "fraud-scoring"
            else t
            for t in snapshot.triggers
        )
        previous = screen._detail
        app.post_message(SnapshotReady(replace(snapshot, triggers=triggers), False, app.fleet_rows))
        await wait_for(pilot, lambda: screen._detail is not previous)
        await pilot.pause()
        now = list(screen.query(MetricChart))
        assert [c.metric for c in now][:2] == ["error_rate", "accuracy"]
        assert {c.metric: c for c in now} == charts


async def test_a_charts_last_value_is_its_triggers_value(make_app: Any) -> None:
    """Evaluated by the trigger engine at the fixed clock, a chart's ``last`` is the newest
    sample, as its trigger reads it (not the average of the chart's last bucket); a
    windowed trigger says what its value is instead."""
    app = make_app(evaluator=evaluate_views)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        views = {t.trigger: t for t in app.snapshot.triggers_of("fraud-scoring")}
        charts = {c.metric: c for c in screen.query(MetricChart)}
        for trigger, metric in (("accuracy-floor", "accuracy"), ("error-rate", "error_rate")):
            value = views[trigger].value
            assert value is not None
            assert f"last {number(value)}" in chart_title(charts[metric]._data)
        windowed = views["latency-regression"]
        assert windowed.measure == "avg 15m"
        table = screen.query_one(TriggersTable)
        assert table.reasons["latency-regression"].startswith("latency_p99_seconds (avg 15m) ")


async def test_the_triggers_why_and_the_versions_baselines_read_whole(make_app: Any) -> None:
    """At 120 columns: the highlighted trigger's why under its table, every baseline of a
    version on a line of its own, and the range bar says which charts are in view."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        why = screen.query_one("#trigger-why", Static)
        assert why.display and why.region.bottom <= SIZE[1]
        assert str(why.render()) == "why accuracy-floor: accuracy 0.861 < 0.9 for 5m or more"
        await pilot.press("v")
        versions = screen.query_one(VersionsTable)
        cell = versions.get_cell("7", "baselines").plain
        assert cell.split("\n") == ["accuracy 0.957", "latency_p99_seconds 0.083"]
        assert versions.get_cell("7", "status").plain == "▶ serving\napproved"
        assert versions.virtual_size.width <= versions.size.width  # nothing off to the right
        bar = str(screen.query_one("#range-bar", Static).render())
        count = len(screen.query(MetricChart))
        assert count > 4 and bar.endswith(f"charts 1-4 of {count} ↓")


async def test_history_counts_dry_runs_apart_and_lists_alike_times_newest_first(
    make_app: Any, workspace_root: Path
) -> None:
    ws = open_workspace(workspace_root)
    log = AuditLog(ws.audit_path)
    opened = {"from_version": "7", "to_version": "6", "dry_run": True, "reason": "drill"}
    closed = {"from_version": "7", "to_version": "6", "outcome": "dry_run_complete"}
    log.append(ALICE, "runbook.open", "fraud-scoring", opened, None, T0)
    log.append(ALICE, "runbook.close", "fraud-scoring", closed, None, T0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_history(pilot)
        summary = str(screen.query_one("#history-summary", Static).render())
        assert "↩ 0 rollbacks, 1 dry run ·" in summary
        audit = [r.action for r in screen.shown if r.origin == "audit"]
        assert audit == ["runbook.close", "runbook.open"]


async def test_at_80x24_the_model_screen_keeps_its_header_in_view(make_app: Any) -> None:
    """On a small terminal the tabs give way: the model's name and state, a row of charts,
    the triggers with the firing one, the status bar and the keys all stay on screen."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_model(pilot, "fraud-scoring")
        await pilot.pause()
        assert screen.scroll_y == 0 and screen.virtual_size.height <= 24
        header = screen.query_one("#model-header")
        assert header.region.y == 0 and "fraud-scoring" in str(header.render())
        charts = screen.query_one("#chart-scroll")
        assert charts.region.height >= 8
        table = screen.query_one(TriggersTable)
        assert table.region.bottom <= 22 and table.region.height >= 3


HOLD = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "sys.stdin.read()"
)


async def test_charts_held_up_by_another_process_say_so_until_they_come(
    make_app: Any, workspace_root: Path
) -> None:
    """Another process (a long `mrp sync`, say) holds state.duckdb as the model opens: where
    the charts go, the screen says they are being read, not an empty area; once it lets
    go, the charts come and the note goes."""
    ws = open_workspace(workspace_root)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(ws.db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            app.open_model("fraud-scoring")
            await wait_for(pilot, lambda: isinstance(app.screen, ModelScreen))
            await pilot.pause(0.3)
            screen = app.screen
            note = screen.query_one("#charts-note", Static)
            assert note.display and str(note.render()) == "reading fraud-scoring's charts…"
            assert screen._detail is None
        finally:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=30)
        await wait_for(pilot, lambda: screen._detail is not None, timeout=20)
        await pilot.pause()
        assert not note.display and len(screen.query(MetricChart)) > 0
