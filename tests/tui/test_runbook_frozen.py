"""The wizard's approval step for a rollback in a change freeze says what `mrp runbook show`
says: blocked, frozen until when, approve once it ends or break-glass now (not "2 more of 2
needed")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from test_runbook_wizard import Keys, to_approve
from textual.widgets import Static
from tui_helpers import SIZE

from console.runbook.drill import drill_signers
from console.settings import open_workspace
from console.tui.screens.runbook_approve import ApproveStep

FREEZE = '    freeze: [{start: "2026-11-14T00:00:00Z", end: "2026-11-16T00:00:00Z"}]\n'


@pytest.fixture(autouse=True)
def frozen_drill(workspace_root: Path) -> Iterator[None]:
    """The demo in a change freeze covering the fixed clock, with the drill's signers."""
    policy = workspace_root / "policies" / "risk-ml.yaml"
    policy.write_text(policy.read_text() + FREEZE)
    previous = keyring.get_keyring()
    drill_signers(open_workspace(workspace_root))
    yield
    keyring.set_keyring(previous)


async def test_the_approval_step_says_blocked_by_the_freeze(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_approve(pilot, Keys(pilot))
        screen = pilot.app.screen
        assert isinstance(screen, ApproveStep)
        said = [str(w.render()) for w in screen.query(Static)]
        assert (
            "Blocked: frozen until 2026-11-16 00:00 UTC: approve once it ends, or break-glass now. "
            "Approved by: none yet."
        ) in said
        assert not any("more of 2 needed" in text for text in said)
        story = str(pilot.app.screen_stack[-2].query_one("#runbook-story", Static).render())
        assert (
            "blocked    frozen until 2026-11-16 00:00 UTC: approve once it ends, or break-glass now"
        ) in story
