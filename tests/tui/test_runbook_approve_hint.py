"""The approvals step says what the approval that completes the count leads to, as
`mrp runbook approve` says it: execute, then the verify window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_runbook_superseded import bob_opens_the_real_rollback
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    Keys,
    drill,
    to_approve,
    to_model,
    until,
)
from textual.widgets import Static
from tui_helpers import SIZE

from console.tui.screens.runbook_approve import ApproveStep
from console.tui.screens.runbook_checks import ChecksStep
from console.tui.screens.runbook_target import TargetStep


def completing(pilot: Any) -> str:
    return str(pilot.app.screen.query_one("#completing", Static).render())


async def test_a_dry_runs_approvals_say_nothing_is_moved(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_approve(pilot, Keys(pilot))
        assert completing(pilot) == (
            "The approval that completes the count leads to execute: enter there rehearses "
            "the move (nothing is moved), then the verify step rehearses the verify window on "
            "the metrics recorded, and enter closes the dry run."
        )


async def test_a_real_rollbacks_approvals_say_they_move_the_alias_and_watch(
    make_app: Any, workspace_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    bob_opens_the_real_rollback(workspace_root, app.clock, monkeypatch)
    async with app.run_test(size=(160, 40)) as pilot:
        keys = Keys(pilot)
        await to_model(pilot, keys)
        await keys.press("r")  # joins bob's real rollback
        await until(pilot, TargetStep)
        await keys.press("enter")
        await until(pilot, ChecksStep)
        await keys.press("enter")
        await until(pilot, ApproveStep)
        assert completing(pilot) == (
            "The approval that completes the count leads to execute: enter there moves "
            "champion to version 6, then the wizard watches the triggers for the 15m verify "
            "window (esc there leaves the runbook open at verify, resumable)."
        )
