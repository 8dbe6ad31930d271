"""Helpers for the trigger engine's tests: an in-memory store, and histories written to it.

(No tests here: the name keeps it among the trigger engine's test files.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from console.policy.model import RollbackPolicy
from console.store.migrations import migrate
from console.triggers.reference import Event, Sample, Switch
from console.triggers.timeutil import from_us, to_us

T0 = datetime(2026, 11, 14, tzinfo=UTC)
T0_US = to_us(T0)
MINUTE = 60_000_000


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def us(minutes: float) -> int:
    return T0_US + round(minutes * MINUTE)


def store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con, ":memory:")
    return con


def _naive(moment_us: int | None) -> str | None:
    return None if moment_us is None else from_us(moment_us).replace(tzinfo=None).isoformat()


def add_model(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    team: str | None = None,
    tier: str | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    con.execute(
        "INSERT INTO models VALUES (?, ?, ?, ?, 'test', now()::TIMESTAMP)",
        [name, team, tier, json.dumps(tags or {})],
    )


def add_samples(
    con: duckdb.DuckDBPyConnection, model: str, metric: str, samples: Iterable[Sample]
) -> None:
    rows = [
        {"model": model, "version": s.version, "metric": metric, "ts": _naive(s.ts), "v": s.value}
        for s in samples
    ]
    if not rows:
        return
    con.execute(
        """INSERT INTO metrics
        SELECT model, version, metric, ts, v, 'test' FROM (SELECT unnest(json_transform(?::JSON,
        '[{"model":"VARCHAR","version":"VARCHAR","metric":"VARCHAR","ts":"TIMESTAMP","v":"DOUBLE"}]'),
        recursive := true))""",
        [json.dumps(rows)],
    )


def add_switches(
    con: duckdb.DuckDBPyConnection, model: str, switches: Sequence[Switch], alias: str = "champion"
) -> None:
    for s in switches:
        con.execute(
            "INSERT INTO deployment_events VALUES (?, ?, ?, ?, ?, 'tester', false, 'test')",
            [model, alias, s.version, s.previous, _naive(s.at)],
        )
    if switches:
        last = max(switches, key=lambda s: s.at)
        con.execute(
            "INSERT INTO aliases VALUES (?, ?, ?, ?, now()::TIMESTAMP, 'test')",
            [model, alias, last.version, _naive(last.at)],
        )


def add_events(con: duckdb.DuckDBPyConnection, model: str, events: Sequence[Event]) -> None:
    for e in events:
        con.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, 'x', ?, 'test')",
            [_naive(e.ts), model, e.version, e.kind, e.severity, _naive(e.resolved_at)],
        )


def add_baseline(
    con: duckdb.DuckDBPyConnection, model: str, version: str, metric: str, value: float
) -> None:
    con.execute(
        "INSERT INTO baselines VALUES (?, ?, ?, ?, 'test')", [model, version, metric, value]
    )


def policy(
    triggers: Sequence[dict[str, Any]],
    *,
    name: str = "p",
    models: Sequence[str] = ("*",),
    step: str = "1m",
    staleness: str = "5m",
    on_no_data: str = "no_data",
) -> RollbackPolicy:
    return RollbackPolicy.model_validate(
        {
            "apiVersion": "mrp/v1",
            "kind": "RollbackPolicy",
            "metadata": {"name": name},
            "spec": {
                "selector": {"models": list(models)},
                "evaluation": {"step": step, "staleness": staleness},
                "triggers": list(triggers),
                "on_no_data": on_no_data,
            },
        }
    )


def samples_every_minute(
    values: Sequence[float | None], *, start: float = 0, version: str | None = None
) -> list[Sample]:
    """One sample a minute from T0 + ``start`` minutes; None leaves a gap."""
    return [Sample(us(start + i), v, version) for i, v in enumerate(values) if v is not None]
