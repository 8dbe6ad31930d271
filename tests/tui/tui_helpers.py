"""Shared by the console tests: the fixed clock, stored trigger states, waiting helpers."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from console.settings import open_workspace
from console.store import connect
from console.tui.screens.history import HistoryScreen
from console.tui.screens.model import ModelScreen

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"
FIXED_NOW = datetime(2026, 11, 14, 22, 40, tzinfo=UTC)
WALL = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SIZE = (120, 40)

# (model, policy, trigger, state, since, value, threshold)
STATES: tuple[tuple[str, str, str, str, datetime | None, float | None, float | None], ...] = (
    (
        "fraud-scoring",
        "risk-ml",
        "accuracy-floor",
        "firing",
        FIXED_NOW - timedelta(hours=2, minutes=26),
        0.861,
        0.90,
    ),
    ("fraud-scoring", "risk-ml", "error-rate", "ok", None, 0.004, 0.02),
    (
        "search-ranking",
        "growth",
        "latency-regression",
        "firing",
        FIXED_NOW - timedelta(hours=3, minutes=18),
        0.171,
        0.151,
    ),
    (
        "credit-limit",
        "risk-ml",
        "fairness-gap",
        "firing",
        FIXED_NOW - timedelta(minutes=28),
        0.131,
        0.10,
    ),
    (
        "support-intent",
        "trust-safety",
        "security",
        "firing",
        FIXED_NOW - timedelta(minutes=10),
        None,
        None,
    ),
    (
        "churn-predictor",
        "growth",
        "feature-drift",
        "pending",
        FIXED_NOW - timedelta(minutes=4),
        0.231,
        0.2,
    ),
    ("ad-ctr", "growth", "auc-floor", "no_data", FIXED_NOW - timedelta(minutes=65), None, 0.70),
    ("spam-filter", "trust-safety", "error-rate", "ok", None, 0.011, 0.05),
    ("aml-screening", "risk-ml", "accuracy-floor", "ok", None, 0.962, 0.90),
    ("demand-forecast", "platform", "error-rate", "ok", None, 0.006, 0.02),
    ("eta-forecast", "platform", "error-rate", "ok", None, 0.007, 0.02),
    ("homefeed-reco", "growth", "auc-floor", "ok", None, 0.808, 0.70),
    ("loan-default", "risk-ml", "accuracy-floor", "ok", None, 0.93, 0.90),
    ("pricing-optimizer", "platform", "error-rate", "ok", None, 0.008, 0.02),
    ("toxicity-classifier", "trust-safety", "accuracy-floor", "ok", None, 0.94, 0.88),
)


def naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def write_states(root: Path, states: tuple[tuple[Any, ...], ...] = STATES) -> None:
    """Replace the stored trigger states (what the console shows with ``stored_states``)."""
    ws = open_workspace(root)
    with connect(ws.db_path) as con:
        con.execute("DELETE FROM trigger_states")
        for model, policy, trigger, state, since, value, threshold in states:
            con.execute(
                "INSERT INTO trigger_states (model, policy, trigger, state, since, value, "
                "threshold, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [model, policy, trigger, state, naive(since), value, threshold, naive(FIXED_NOW)],
            )


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition`` holds (workers finish, messages land)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the console")
        await pilot.pause(0.05)
    await pilot.pause()


async def ready(pilot: Any) -> None:
    """Wait until the fleet shows its first snapshot and no worker runs."""
    app = pilot.app
    await wait_for(pilot, lambda: app.snapshot is not None and not app.live.running)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_model(pilot: Any, model: str) -> ModelScreen:
    """Open ``model``'s screen from the fleet and wait until it has shown its detail."""
    app = pilot.app
    await ready(pilot)
    app.open_model(model)
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ModelScreen)
            and app.screen._detail is not None
            and not any(w.is_running for w in app.workers)
        ),
    )
    screen = app.screen
    assert isinstance(screen, ModelScreen)
    return screen


async def open_history(pilot: Any) -> HistoryScreen:
    """Open History from the fleet and wait until it shows its records."""
    await ready(pilot)
    await pilot.press("h")
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    await wait_for(pilot, lambda: screen.shown != ())
    await pilot.pause()
    return screen
