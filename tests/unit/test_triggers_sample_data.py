"""The demo workspace's policies fire on every scripted incident in sample_data (README:
"The scripted incidents"), at the scripted times, and never on the flapping metric."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.policy.loader import load_workspace_policies
from console.settings import Workspace, open_workspace
from console.sources.sync import sync_workspace
from console.store import connect
from console.triggers import Transition, backtest
from console.triggers.state import refresh_states, stored_states

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-14T{text}:00").replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    target = tmp_path_factory.mktemp("sample") / "workspace"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns(".mrp"))
    ws = open_workspace(target)
    outcomes = sync_workspace(ws, after_write=lambda con, now: refresh_states(con, ws, now))
    assert all(o.ok for o in outcomes), outcomes
    return ws


@pytest.fixture(scope="module")
def replayed(synced: Workspace) -> list[Transition]:
    with connect(synced.db_path, read_only=True) as con:
        return backtest(con, load_workspace_policies(synced))


def of(transitions: list[Transition], model: str, trigger: str) -> list[tuple[datetime, str]]:
    return [(t.at, t.to_state) for t in transitions if t.model == model and t.trigger == trigger]


def test_every_scripted_incident_fires_at_its_time(replayed: list[Transition]) -> None:
    assert of(replayed, "fraud-scoring", "accuracy-floor") == [
        (utc("20:00"), "pending"),
        (utc("20:05"), "firing"),
    ]
    # the window after the deploy holds only version 12's samples
    assert of(replayed, "search-ranking", "latency-regression")[-2:] == [
        (utc("19:00"), "pending"),
        (utc("19:10"), "firing"),
    ]
    drift = of(replayed, "churn-predictor", "feature-drift")
    assert drift[0] == (utc("20:58"), "pending") and drift[-1] == (utc("21:16"), "firing")
    assert [s for _t, s in drift].count("firing") == 1
    assert of(replayed, "credit-limit", "fairness-gap") == [
        (utc("22:00"), "pending"),
        (utc("22:10"), "firing"),
    ]
    assert of(replayed, "support-intent", "security") == [(utc("22:30"), "firing")]
    for trigger in ("auc-floor", "error-rate", "feature-drift", "latency-regression"):
        # the last sample, at 21:29, counts up to 21:34 (5m staleness, inclusive)
        assert of(replayed, "ad-ctr", trigger)[-1] == (utc("21:35"), "no_data")


def test_only_the_incidents_fire_and_the_flapping_metric_never_does(
    replayed: list[Transition],
) -> None:
    fired = {(t.model, t.trigger) for t in replayed if t.to_state == "firing"}
    assert fired == {
        ("fraud-scoring", "accuracy-floor"),
        ("search-ranking", "latency-regression"),
        ("churn-predictor", "feature-drift"),
        ("credit-limit", "fairness-gap"),
        ("support-intent", "security"),
    }
    flaps = Counter(t.to_state for t in replayed if t.model == "spam-filter")
    assert flaps == Counter({"pending": 71, "ok": 70})


def test_sync_refreshes_the_stored_states(synced: Workspace) -> None:
    with connect(synced.db_path, read_only=True) as con:
        stored = {(s.model, s.trigger): s for s in stored_states(con)}
    firing = {key: s.since for key, s in stored.items() if s.state == "firing"}
    assert firing == {
        ("fraud-scoring", "accuracy-floor"): utc("20:05"),
        ("search-ranking", "latency-regression"): utc("19:10"),
        ("churn-predictor", "feature-drift"): utc("21:16"),
        ("credit-limit", "fairness-gap"): utc("22:10"),
        ("support-intent", "security"): utc("22:30"),
    }
    assert stored[("spam-filter", "error-rate")].state == "pending"
    assert stored[("ad-ctr", "auc-floor")].state == "no_data"
    assert {s.evaluated_at for s in stored.values()} == {datetime(2026, 11, 15, tzinfo=UTC)}
