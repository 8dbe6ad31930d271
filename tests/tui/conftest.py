"""Console test fixtures: a synced copy of the demo workspace under a fixed clock, a pinned
wall clock and timezone, stored trigger states, and an app factory."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import FIXED_NOW, SAMPLE_DATA, WALL, naive, write_states

from console.clock import Clock
from console.settings import open_workspace
from console.sources.sync import sync_workspace
from console.store import connect
from console.tui.app import MrpApp
from console.tui.triggers_bridge import stored_states


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The console shows local time; tests read it in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def synced_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, synced once per test session, with pinned sync times and states."""
    root = tmp_path_factory.mktemp("tui-template") / "workspace"
    shutil.copytree(SAMPLE_DATA, root, ignore=shutil.ignore_patterns(".mrp"))
    ws = open_workspace(root)
    outcomes = sync_workspace(ws)
    assert all(o.ok for o in outcomes), outcomes
    with connect(ws.db_path) as con:
        con.execute(
            "UPDATE sync_runs SET started_at = ?, finished_at = ?",
            [naive(WALL - timedelta(seconds=14)), naive(WALL - timedelta(seconds=12))],
        )
    write_states(root)
    return root


@pytest.fixture
def workspace_root(synced_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(synced_template, target)
    return target


AppFactory = Callable[..., MrpApp]


@pytest.fixture
def make_app(workspace_root: Path) -> AppFactory:
    def build(root: Path | None = None, **options: Any) -> MrpApp:
        settings: dict[str, Any] = {
            "clock": Clock(fixed=FIXED_NOW),
            "theme": "mrp-dark",
            "remember": False,
            "sync_at_start": False,
            "evaluator": stored_states,
            "wall": lambda: WALL,
        }
        settings.update(options)
        return MrpApp(open_workspace(root or workspace_root), **settings)

    return build
