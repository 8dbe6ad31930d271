"""The console's verify step names a source whose sync fails while it watches, with the
core's wording (as `mrp` prints it), and the outcome says so: 'waiting for the first
samples' alone read as a quiet model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    Keys,
    drill,
    to_verified,
)
from textual.widgets import Static
from tui_helpers import SIZE

from console.runbook.executors import ExecutorChoice
from tests.unit.test_runbook_support import FakeExecutor

BROKEN = "metrics/late-feed.csv"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine can move the alias (the demo's files cannot): a registry in memory."""
    monkeypatch.setattr(
        "console.runbook.env.choose_executor",
        lambda workspace, mechanism, source: ExecutorChoice(
            FakeExecutor(alias_at="7"), "a registry"
        ),
    )


def break_feed(root: Path) -> None:
    """A CRLF CSV a writer appended an LF-ended line to: the files source cannot read it."""
    (root / BROKEN).write_bytes(
        b"model,version,metric,ts,value\r\n"
        b"fraud-scoring,6,accuracy,2026-11-15T00:00:00Z,0.95\r\n"
        b"fraud-scoring,6,accuracy,2026-11-15T00:01:00Z,0.95\n"
    )


async def test_the_verify_step_names_the_source_that_fails_to_sync(
    make_app: Any, workspace_root: Path, registry: None
) -> None:
    break_feed(workspace_root)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await to_verified(pilot, Keys(pilot))
        screen = pilot.app.screen
        progress = str(screen.query_one("#verify-progress", Static).render())
        outcome = str(screen.query_one("#verify-outcome", Static).render())
    flat = " ".join(progress.split())
    assert "waiting for the first samples of version 6" in flat, flat
    assert f"Source 'offline' failed to sync: {workspace_root / BROKEN}: line " in flat, flat
    said = " ".join(outcome.split())
    assert said.startswith("INCONCLUSIVE: inconclusive: no sample of version 6"), said
    assert "Source 'offline' failed to sync" in said, said
    assert "next: no sample of version 6 to judge by while the sync of 'offline' fails" in said
