"""One model in detail (the model screen), and the fleet's deployment history (the history
screen): metric series, alias switches with rollbacks marked, versions and events, each as of
a given instant (``now`` is a parameter, so a replay shows only what had happened by then).
Plain frozen data: the TUI receives it whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from console.clock import aware_utc, naive_utc
from console.store import sql

CHART_POINTS = 240


@dataclass(frozen=True)
class Series:
    metric: str
    times: tuple[datetime, ...]
    values: tuple[float, ...]
    """Averages over buckets of the span (a chart's points)."""
    latest: float | None = None
    """The newest sample itself (not its bucket's average)."""

    @property
    def last(self) -> float | None:
        if self.latest is not None:
            return self.latest
        return self.values[-1] if self.values else None


@dataclass(frozen=True)
class Switch:
    """A change of the version behind an alias; ``rollback`` when it went to an older one."""

    model: str
    version: str
    previous_version: str | None
    at: datetime
    actor: str | None
    observed: bool
    rollback: bool


@dataclass(frozen=True)
class VersionInfo:
    version: str
    created_at: datetime | None
    status: str | None
    baselines: dict[str, float]
    deployed_at: datetime | None
    deployed_by: str | None
    replaced_at: datetime | None
    rolled_back: bool
    serving: bool


@dataclass(frozen=True)
class EventInfo:
    ts: datetime
    version: str | None
    kind: str
    severity: str | None
    summary: str | None


@dataclass(frozen=True)
class ModelDetail:
    model: str
    now: datetime
    start: datetime
    series: tuple[Series, ...]
    switches: tuple[Switch, ...]
    versions: tuple[VersionInfo, ...]
    events: tuple[EventInfo, ...]

    def series_of(self, metric: str) -> Series | None:
        return next((s for s in self.series if s.metric == metric), None)

    def baselines_of(self, version: str | None) -> dict[str, float]:
        found = next((v for v in self.versions if v.version == version), None)
        return {} if found is None else found.baselines


def _is_older(version: str, than: str | None, created: dict[str, datetime | None]) -> bool:
    if than is None:
        return False
    mine, theirs = created.get(version), created.get(than)
    if mine is not None and theirs is not None:
        return mine < theirs
    if version.isdigit() and than.isdigit():
        return int(version) < int(than)
    return False


def _switches(
    rows: list[tuple[Any, ...]], created: dict[tuple[str, str], datetime | None]
) -> list[Switch]:
    """Rows of (model, version, previous_version, switched_at, actor, observed)."""
    result = []
    for name, version, previous, at, actor, observed in rows:
        per_model = {v: c for (m, v), c in created.items() if m == name}
        result.append(
            Switch(
                model=name,
                version=version,
                previous_version=previous,
                at=aware_utc(at),
                actor=actor,
                observed=bool(observed),
                rollback=_is_older(version, previous, per_model),
            )
        )
    return result


def model_detail(
    con: duckdb.DuckDBPyConnection,
    model: str,
    now: datetime,
    span: timedelta,
    alias: str = "champion",
    points: int = CHART_POINTS,
) -> ModelDetail:
    """One model's metric history over the ``span`` before ``now`` (averaged in SQL into at
    most about ``points`` buckets per metric), its version switches, versions and events."""
    start = now - span
    bucket = max(60, int(span.total_seconds() // points))
    window = {"model": model, "start": naive_utc(start), "end": naive_utc(now)}
    grouped: dict[str, tuple[list[datetime], list[float]]] = {}
    for metric, at, value in con.execute(
        sql("console/metric_series"), {**window, "bucket_seconds": bucket}
    ).fetchall():
        times, values = grouped.setdefault(metric, ([], []))
        times.append(aware_utc(at))
        values.append(float(value))
    latest = dict(con.execute(sql("console/metric_latest"), window).fetchall())
    series = tuple(
        Series(m, tuple(t), tuple(v), float(latest[m]) if m in latest else None)
        for m, (t, v) in sorted(grouped.items())
    )
    version_rows = con.execute(sql("console/model_versions"), {"model": model}).fetchall()
    created = {(model, v): aware_utc(c) for v, c, *_ in version_rows}
    switches = _switches(
        con.execute(
            sql("console/model_switches"), {"model": model, "alias": alias, "now": naive_utc(now)}
        ).fetchall(),
        created,
    )
    events = tuple(
        EventInfo(aware_utc(ts) or ts, version, kind, severity, summary)
        for ts, version, kind, severity, summary in con.execute(
            sql("console/model_events"), {"model": model, "now": naive_utc(now)}
        ).fetchall()
    )
    return ModelDetail(
        model=model,
        now=now,
        start=start,
        series=series,
        switches=tuple(switches),
        versions=tuple(_versions(version_rows, switches, now)),
        events=events,
    )


def _versions(
    rows: list[tuple[Any, ...]], switches: list[Switch], now: datetime
) -> list[VersionInfo]:
    serving = switches[-1].version if switches else None
    result = []
    for version, created_at, status, metrics, values in rows:
        created = aware_utc(created_at)
        if created is not None and created > now:
            continue  # registered after the replayed instant
        to_it = [s for s in switches if s.version == version]
        away = [s for s in switches if s.previous_version == version]
        last_in = to_it[-1] if to_it else None
        result.append(
            VersionInfo(
                version=version,
                created_at=created,
                status=status,
                baselines=dict(zip(metrics, values, strict=True)),
                deployed_at=last_in.at if last_in else None,
                deployed_by=last_in.actor if last_in else None,
                replaced_at=away[-1].at if away else None,
                rolled_back=any(s.rollback for s in away),
                serving=version == serving,
            )
        )
    return result


def fleet_switches(con: duckdb.DuckDBPyConnection, now: datetime) -> list[Switch]:
    """Every alias switch of every model up to ``now``, newest first; rollbacks marked."""
    created = {
        (m, v): aware_utc(c) for m, v, c in con.execute(sql("console/version_created")).fetchall()
    }
    rows = con.execute(sql("console/fleet_switches"), {"now": naive_utc(now)}).fetchall()
    return _switches(rows, created)


def fleet_events(con: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[str, EventInfo]]:
    """Every model's events up to ``now``, newest first, as (model, event)."""
    return [
        (model, EventInfo(aware_utc(ts), version, kind, severity, summary))
        for model, ts, version, kind, severity, summary in con.execute(
            sql("console/fleet_events"), {"now": naive_utc(now)}
        ).fetchall()
    ]
