"""A trigger that began before the evaluation looked back is shown as `mrp evaluate` shows
it, `<=TIME` (since_exact false), in the rollback's evidence, `mrp runbook show` and the
open record: the evidence never presents a bound as the moment the incident began."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from console.settings import Workspace
from tests.unit.test_runbook_standing import mrp
from tests.unit.test_runbook_support import NOW, build_workspace, records

LONG_AGO = NOW - timedelta(hours=9)
"""Version 4 went bad here: further back than the six hours an evaluation looks."""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws", switch=LONG_AGO)


def evaluated_since(capsys: pytest.CaptureFixture[str], ws: Workspace) -> str:
    shown = mrp(capsys, ws, "evaluate")
    assert shown.exit_code == 0, shown.stderr
    (row,) = [line for line in shown.stdout.splitlines() if line.startswith("fraud ")]
    found = re.search(r"<=\S+", row)
    assert found is not None, row
    return found.group(0)


def test_an_incident_older_than_the_look_back_is_a_bound_in_the_evidence(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    since = evaluated_since(capsys, ws)
    opened = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--yes", "--reason", "accuracy",
                 "--confirm", "fraud@2", "--as", "alice")  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    firing = [line for line in opened.stdout.splitlines() if "firing   accuracy-floor" in line]
    assert firing and all(line.endswith(f"since {since}") for line in firing), firing

    shown = mrp(capsys, ws, "runbook", "show", "fraud")
    assert f"threshold 0.9 since {since}" in shown.stdout
    (trigger,) = mrp(capsys, ws, "runbook", "show", "fraud", "--json").json()["evidence"][
        "triggers"
    ]
    assert trigger["since_exact"] is False
    ((_action, _actor, details),) = [r for r in records(ws) if r[0] == "runbook.open"]
    (recorded,) = details["triggers"]  # type: ignore[misc]
    assert recorded["since"] == since.removeprefix("<=") and recorded["since_exact"] is False


def test_an_incident_seen_beginning_keeps_its_exact_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = build_workspace(tmp_path / "ws")  # version 4 went bad an hour before NOW
    opened = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--yes", "--reason", "accuracy",
                 "--confirm", "fraud@2", "--as", "alice")  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    assert "threshold 0.9 since 2026-11-02T11:05:00Z" in opened.stdout
    assert "<=" not in opened.stdout
    ((_action, _actor, details),) = [r for r in records(ws) if r[0] == "runbook.open"]
    (recorded,) = details["triggers"]  # type: ignore[misc]
    assert recorded["since_exact"] is True
