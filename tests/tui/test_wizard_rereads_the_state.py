"""Back from the rollback wizard, the model screen and the fleet show what the state database
says now. The executor here is the files source's own registry: a move rewrites the
workspace's deployments.json as a platform would, and the verify step's sync records it in
the database, so the database really changes under the console. No live refresh runs in
between (the console's refresh is 30s): only the re-read on closing can show it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from test_runbook_wizard import (  # noqa: F401 (drill: the autouse fixture)
    MODEL,
    Keys,
    drill,
    to_execute,
    until,
)
from tui_helpers import FIXED_NOW, SIZE, wait_for

from console.runbook.executors import ExecutorChoice, Moved
from console.settings import open_workspace
from console.store import connect
from console.tui.screens.fleet import FleetScreen
from console.tui.screens.model import ModelScreen
from console.tui.screens.runbook_abort import AbortStep
from console.tui.screens.runbook_done import DoneStep
from console.tui.screens.runbook_verify import VerifyStep
from console.tui.widgets.fleet_grid import FleetGrid
from console.tui.widgets.model_header import ModelHeader


@dataclass
class DeploymentsFile:
    """The alias as the files source reads it: ``move`` rewrites deployments.json (the alias
    and a history entry), which the next sync stores."""

    path: Path
    at: datetime
    source: str = "offline"
    mechanism: str = "alias_swap"

    def _models(self) -> tuple[dict[str, Any], dict[str, Any]]:
        data = json.loads(self.path.read_text())
        return data, next(m for m in data["models"] if m["name"] == MODEL)

    def current(self, model: str, alias: str) -> str | None:
        return str(self._models()[1]["aliases"][alias])

    def move(
        self, model: str, alias: str, version: str, key: str, actor: str, reason: str
    ) -> Moved:
        data, entry = self._models()
        before = entry["aliases"][alias]
        entry["aliases"][alias] = version
        at = self.at.isoformat().replace("+00:00", "Z")
        entry["history"].append({"alias": alias, "version": version, "at": at, "actor": actor})
        self.path.write_text(json.dumps(data, indent=2))
        return Moved(version, before, False, f"moved {model} {before} → {version}")


@pytest.fixture
def registry(workspace_root: Path, monkeypatch: pytest.MonkeyPatch) -> DeploymentsFile:
    files = DeploymentsFile(workspace_root / "deployments.json", FIXED_NOW)
    monkeypatch.setattr(
        "console.runbook.env.choose_executor",
        lambda workspace, mechanism, source: ExecutorChoice(files, "the deployments file"),
    )
    return files


def stored_champion(root: Path) -> str:
    with connect(open_workspace(root).db_path, read_only=True) as con:
        row = con.execute(
            "SELECT version FROM aliases WHERE model = ? AND alias = 'champion'", [MODEL]
        ).fetchone()
    assert row is not None
    return str(row[0])


def header(pilot: Any) -> str:
    return str(pilot.app.screen.query_one(ModelHeader).render())


async def back_to_the_model(pilot: Any) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelScreen))
    await wait_for(pilot, lambda: "champion → v6" in header(pilot))


async def test_a_closed_rollback_shows_the_new_version_on_the_model_and_the_fleet(
    make_app: Any, workspace_root: Path, registry: DeploymentsFile
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        model = next(s for s in pilot.app.screen_stack if isinstance(s, ModelScreen))
        assert "champion → v7" in str(model.query_one(ModelHeader).render())
        await keys.press("enter")
        await until(pilot, VerifyStep)
        await wait_for(pilot, lambda: pilot.app.screen.finished, timeout=30)
        assert stored_champion(workspace_root) == "6", "the verify step's sync stored the move"
        await keys.press("enter")
        await until(pilot, DoneStep)
        await keys.press("enter")
        await back_to_the_model(pilot)
        await keys.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FleetScreen))
        grid = pilot.app.screen.query_one(FleetGrid)
        assert grid.cell_text(MODEL, "version").startswith("v6"), grid.cell_text(MODEL, "version")


async def test_leaving_the_runbook_open_at_verify_shows_the_new_version(
    make_app: Any, workspace_root: Path, registry: DeploymentsFile
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = Keys(pilot)
        await to_execute(pilot, keys)
        await keys.press("enter")
        await until(pilot, VerifyStep)
        await wait_for(pilot, lambda: pilot.app.screen.finished, timeout=30)
        await keys.press("escape")
        await until(pilot, AbortStep)
        await keys.press("escape")
        await back_to_the_model(pilot)
        told = " ".join(n.message for n in pilot.app._notifications)
        assert "stays open at step 'verify'" in told
        assert "champion → v6" in header(pilot)
