"""The fleet at a glance: per model, what serves, since when, and how fresh its data is."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

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


# ---------------------------------------------------------------------------------------------
# The console's view of the fleet as of a given instant (``now`` is a parameter, so a replay
# shows only what had happened by then). Plain frozen data: the TUI receives it whole.

KEY_METRIC_PREFERENCE = ("accuracy", "auc", "error_rate", "latency_p99_seconds")
SPARK_SPAN = timedelta(hours=2)
SPARK_WIDTH = 16


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class TriggerView:
    """One trigger of one model as the console shows it."""

    model: str
    policy: str
    trigger: str
    state: str
    since: datetime | None = None
    value: float | None = None
    threshold: float | None = None
    kind: str | None = None
    metric: str | None = None
    op: str | None = None
    baseline: float | None = None
    severity: str | None = None
    action: str | None = None
    for_: timedelta | None = None
    held_for: timedelta | None = None
    reason: str | None = None


@dataclass(frozen=True)
class FleetEntry:
    """One row of the fleet screen."""

    name: str
    team: str | None
    risk_tier: str | None
    alias: str
    version: str | None
    since: datetime | None
    previous_version: str | None
    last_sample: datetime | None
    worst_state: str | None = None
    firing: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    key_metric: str | None = None
    spark: tuple[float, ...] = ()

    def data_age(self, now: datetime) -> timedelta | None:
        return None if self.last_sample is None else now - self.last_sample


@dataclass(frozen=True)
class SourceHealth:
    """The latest sync run of one source."""

    source: str
    finished_at: datetime | None
    error: str | None
    last_ok: datetime | None


@dataclass(frozen=True)
class FleetSnapshot:
    """Everything the fleet screen and status bar show, as of ``now``."""

    now: datetime
    entries: tuple[FleetEntry, ...]
    triggers: tuple[TriggerView, ...] = ()
    sources: tuple[SourceHealth, ...] = ()
    problems: tuple[str, ...] = ()
    """Sentences about what could not be refreshed (a failing source, invalid policies)."""

    def triggers_of(self, model: str) -> tuple[TriggerView, ...]:
        return tuple(t for t in self.triggers if t.model == model)

    def entry(self, model: str) -> FleetEntry | None:
        return next((e for e in self.entries if e.name == model), None)

    def firing_keys(self) -> frozenset[tuple[str, str]]:
        return frozenset((t.model, t.trigger) for t in self.triggers if t.state == "firing")


def fleet_rows(
    con: duckdb.DuckDBPyConnection, now: datetime, alias: str = "champion"
) -> list[FleetEntry]:
    """Every model as of ``now``, without trigger states."""
    rows = con.execute(sql("console/fleet_at"), {"alias": alias, "now": _naive(now)}).fetchall()
    entries = [
        FleetEntry(
            name=name,
            team=team,
            risk_tier=tier,
            alias=alias,
            version=version,
            since=_aware(since),
            previous_version=previous,
            last_sample=_aware(last_sample),
        )
        for name, team, tier, version, since, previous, last_sample in rows
    ]
    ahead = [e.name for e in entries if e.last_sample is not None and e.last_sample > now]
    if not ahead:
        return entries
    # A replay: the stored history runs past now, so find the newest sample up to now.
    replayed = {
        model: _aware(last)
        for model, last in con.execute(
            sql("console/replayed_last_samples"), {"models": ahead, "now": _naive(now)}
        ).fetchall()
    }
    return [replace(e, last_sample=replayed.get(e.name)) if e.name in ahead else e for e in entries]


def stored_trigger_views(con: duckdb.DuckDBPyConnection) -> list[TriggerView]:
    """Trigger states as last written to ``trigger_states`` (by a sync or the console)."""
    return [
        TriggerView(
            model=model,
            policy=policy,
            trigger=trigger,
            state=state,
            since=_aware(since),
            value=value,
            threshold=threshold,
        )
        for model, policy, trigger, state, since, value, threshold, _at in con.execute(
            sql("model_trigger_states")
        ).fetchall()
    ]


def source_health(con: duckdb.DuckDBPyConnection) -> list[SourceHealth]:
    return [
        SourceHealth(source, _aware(finished), error, _aware(last_ok))
        for source, finished, error, last_ok in con.execute(sql("console/last_syncs")).fetchall()
    ]


def key_metrics(
    con: duckdb.DuckDBPyConnection, triggers: list[TriggerView] | tuple[TriggerView, ...]
) -> dict[str, str]:
    """Per model, the metric its sparkline shows: the metric of its worst metric trigger,
    else the first of ``KEY_METRIC_PREFERENCE`` it reports, else its first metric."""
    reported: dict[str, list[str]] = {}
    for model, metric in con.execute(sql("console/model_metrics")).fetchall():
        reported.setdefault(model, []).append(metric)
    by_trigger: dict[str, tuple[int, str]] = {}
    for t in triggers:
        if t.metric is None or t.metric not in reported.get(t.model, ()):
            continue
        rank = STATE_RANK.get(t.state, 0)
        if t.model not in by_trigger or rank > by_trigger[t.model][0]:
            by_trigger[t.model] = (rank, t.metric)
    chosen: dict[str, str] = {}
    for model, metrics in reported.items():
        if model in by_trigger:
            chosen[model] = by_trigger[model][1]
            continue
        preferred = [m for m in KEY_METRIC_PREFERENCE if m in metrics]
        chosen[model] = preferred[0] if preferred else metrics[0]
    return chosen


def sparklines(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    keys: dict[str, str],
    span: timedelta = SPARK_SPAN,
    width: int = SPARK_WIDTH,
) -> dict[str, tuple[float, ...]]:
    """Per model, ``width`` bucketed averages of its key metric over the ``span`` before now."""
    if not keys:
        return {}
    bucket = max(60, int(span.total_seconds() // width))
    rows = con.execute(
        sql("console/sparklines"),
        {
            "models": list(keys),
            "metrics": list(keys.values()),
            "now": _naive(now),
            "span_seconds": int(span.total_seconds()),
            "bucket_seconds": bucket,
        },
    ).fetchall()
    series: dict[str, list[float]] = {}
    for model, _bucket, value in rows:
        series.setdefault(model, []).append(float(value))
    return {model: tuple(values[-width:]) for model, values in series.items()}


def with_states(entry: FleetEntry, triggers: list[TriggerView]) -> FleetEntry:
    """``entry`` with its worst state and the names of its firing and pending triggers."""
    states = [t.state for t in triggers]
    worst = max(states, key=lambda s: STATE_RANK.get(s, 0), default=None)
    return replace(
        entry,
        worst_state=worst,
        firing=tuple(t.trigger for t in triggers if t.state == "firing"),
        pending=tuple(t.trigger for t in triggers if t.state == "pending"),
    )


def fleet_snapshot(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    triggers: list[TriggerView] | None = None,
    alias: str = "champion",
    problems: tuple[str, ...] = (),
    spark: bool = True,
) -> FleetSnapshot:
    """The fleet as of ``now``, worst first. ``triggers`` default to the stored states."""
    views = stored_trigger_views(con) if triggers is None else triggers
    by_model: dict[str, list[TriggerView]] = {}
    for view in views:
        by_model.setdefault(view.model, []).append(view)
    entries = [with_states(e, by_model.get(e.name, [])) for e in fleet_rows(con, now, alias)]
    if spark:
        keys = key_metrics(con, views)
        lines = sparklines(con, now, keys)
        entries = [
            replace(e, key_metric=keys.get(e.name), spark=lines.get(e.name, ())) for e in entries
        ]
    ordered = sorted(entries, key=lambda e: (-STATE_RANK.get(e.worst_state or "ok", 0), e.name))
    return FleetSnapshot(
        now=now,
        entries=tuple(ordered),
        triggers=tuple(views),
        sources=tuple(source_health(con)),
        problems=problems,
    )


# ---------------------------------------------------------------------------------------------
# One model in detail (the model screen), and the fleet's deployment history.

CHART_POINTS = 240


@dataclass(frozen=True)
class Series:
    metric: str
    times: tuple[datetime, ...]
    values: tuple[float, ...]


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
                at=at.replace(tzinfo=UTC),
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
    grouped: dict[str, tuple[list[datetime], list[float]]] = {}
    for metric, at, value in con.execute(
        sql("console/metric_series"),
        {"model": model, "start": _naive(start), "end": _naive(now), "bucket_seconds": bucket},
    ).fetchall():
        times, values = grouped.setdefault(metric, ([], []))
        times.append(at.replace(tzinfo=UTC))
        values.append(float(value))
    series = tuple(Series(m, tuple(t), tuple(v)) for m, (t, v) in sorted(grouped.items()))
    version_rows = con.execute(sql("console/model_versions"), {"model": model}).fetchall()
    created = {(model, v): _aware(c) for v, c, *_ in version_rows}
    switches = _switches(
        con.execute(
            sql("console/model_switches"), {"model": model, "alias": alias, "now": _naive(now)}
        ).fetchall(),
        created,
    )
    events = tuple(
        EventInfo(_aware(ts) or ts, version, kind, severity, summary)
        for ts, version, kind, severity, summary in con.execute(
            sql("console/model_events"), {"model": model, "now": _naive(now)}
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
        created = _aware(created_at)
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
        (m, v): _aware(c) for m, v, c in con.execute(sql("console/version_created")).fetchall()
    }
    rows = con.execute(sql("console/fleet_switches"), {"now": _naive(now)}).fetchall()
    return _switches(rows, created)


def fleet_events(con: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[str, EventInfo]]:
    """Every model's events up to ``now``, newest first, as (model, event)."""
    return [
        (model, EventInfo(ts.replace(tzinfo=UTC), version, kind, severity, summary))
        for model, ts, version, kind, severity, summary in con.execute(
            sql("console/fleet_events"), {"now": _naive(now)}
        ).fetchall()
    ]
