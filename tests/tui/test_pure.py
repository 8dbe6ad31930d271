"""The console's pure helpers: formats, row data, history filters, user settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.errors import ConfigError
from console.fleet import FleetEntry
from console.tui.format import age, sparkline, state_label
from console.tui.history_data import HistoryRow
from console.tui.widgets.fleet_table import matches, row_spec, trigger_names
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


def test_history_rollback_filter() -> None:
    def row(action: str) -> HistoryRow:
        return HistoryRow(NOW, "audit", "fraud-scoring", action, "alice", "6", "")

    assert row("rollback").matches("", "rollback", "")
    assert row("runbook.execute").matches("fraud", "rollback", "")
    assert not row("deploy").matches("", "rollback", "")
    assert row("deploy").matches("", "dep", "alice")


def test_user_settings_round_trip(isolated_home: Path) -> None:
    assert load_user_settings().theme is None
    path = remember_theme("mrp-light")
    assert path.is_file() and load_user_settings().theme == "mrp-light"
    path.write_text('theme = "mrp-dark"\ncolour = "red"\n')
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        load_user_settings()
