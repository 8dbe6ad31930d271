"""The fleet at a glance: per model, what serves, since when, and how fresh its data is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from console.store import sql

STATE_RANK = {"ok": 0, "no_data": 1, "pending": 2, "firing": 3}


@dataclass(frozen=True)
class ModelStatus:
    name: str
    team: str | None
    risk_tier: str | None
    alias: str
    version: str | None
    since: datetime | None
    previous_version: str | None
    last_sample: datetime | None
    worst_state: str | None = None
    firing: tuple[str, ...] = field(default_factory=tuple)
    pending: tuple[str, ...] = field(default_factory=tuple)

    def data_age(self, now: datetime) -> timedelta | None:
        return None if self.last_sample is None else now - self.last_sample


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def fleet_status(con: duckdb.DuckDBPyConnection, alias: str = "champion") -> list[ModelStatus]:
    rows = con.execute(sql("fleet_status"), {"alias": alias}).fetchall()
    states: dict[str, list[tuple[str, str]]] = {}
    for model, _policy, trigger, state, *_rest in con.execute(
        sql("model_trigger_states")
    ).fetchall():
        states.setdefault(model, []).append((trigger, state))
    result = []
    for name, team, tier, _source, version, since, previous, last_sample in rows:
        model_states = states.get(name, [])
        worst = max((s for _, s in model_states), key=STATE_RANK.__getitem__, default=None)
        result.append(
            ModelStatus(
                name=name,
                team=team,
                risk_tier=tier,
                alias=alias,
                version=version,
                since=_aware(since),
                previous_version=previous,
                last_sample=_aware(last_sample),
                worst_state=worst,
                firing=tuple(t for t, s in model_states if s == "firing"),
                pending=tuple(t for t, s in model_states if s == "pending"),
            )
        )
    return result


def worst_first(models: list[ModelStatus]) -> list[ModelStatus]:
    return sorted(models, key=lambda m: (-STATE_RANK.get(m.worst_state or "ok", 0), m.name))
