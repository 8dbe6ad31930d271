"""The runbook's facts at an instant before the alias (as last synced) took over say what
served at that instant, as the console's model screen does: in `mrp demo`, whose clock
replays a history synced to its end, the evidence said "version 7 serving since 20:00"
at 19:28 while the model screen said version 6."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.runbook.facts import read_facts
from tests.unit.test_runbook_support import NOW, SWITCH, build_workspace


def test_before_the_switch_the_previous_version_is_serving(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws")
    now = read_facts(ws, "fraud", "champion", NOW)
    assert now.serving_version == "4" and now.serving_since == SWITCH

    before = read_facts(ws, "fraud", "champion", SWITCH - timedelta(minutes=30))
    assert before.serving_version == "2"  # 3 was rejected and never served
    assert before.serving_since == datetime(2026, 10, 10, tzinfo=UTC)
