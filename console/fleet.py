"""The fleet at a glance: per model, what serves, since when, how fresh its data is and
how its triggers stand. ``mrp status`` reads the aliases as they are now; the console reads
the fleet as of a given instant (``now`` is a parameter, so a replay shows only what had
happened by then). Plain frozen data: the TUI receives it whole.

One model in detail and the deployment history are in ``console.model_detail``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import duckdb

from console.clock import aware_utc, naive_utc
from console.sources.records import SyncWarning
from console.store import sql
from console.triggers.types import STATE_RANK as STATE_RANK

KEY_METRIC_PREFERENCE = ("accuracy", "auc", "error_rate", "latency_p99_seconds")
SPARK_SPAN = timedelta(hours=2)
SPARK_WIDTH = 16


class Reading(Protocol):
    """What ``with_states`` needs of a trigger reading (``TriggerView``, ``TriggerState``)."""

    @property
    def model(self) -> str: ...
    @property
    def trigger(self) -> str: ...
    @property
    def state(self) -> str: ...


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
    since_exact: bool = True
    """False when the state began at or before ``since`` (it already held at the first step
    looked at)."""
    measure: str | None = None
    """What ``value`` is when it is not the newest sample: ``avg 15m`` (a window's
    aggregate)."""


@dataclass(frozen=True)
class FleetEntry:
    """One model of the fleet: a row of the fleet screen and of ``mrp status``."""

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
    no_data: tuple[str, ...] = ()
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
    warnings: tuple[SyncWarning, ...] = ()
    """What the latest run warned of (it succeeded, but something needs the user's eye)."""


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


def _entry(
    alias: str,
    name: str,
    team: str | None,
    tier: str | None,
    version: str | None,
    since: datetime | None,
    previous: str | None,
    last_sample: datetime | None,
) -> FleetEntry:
    """A fleet entry from a row of stored (naive UTC) values, without trigger states."""
    return FleetEntry(
        name=name,
        team=team,
        risk_tier=tier,
        alias=alias,
        version=version,
        since=aware_utc(since),
        previous_version=previous,
        last_sample=aware_utc(last_sample),
    )


def fleet_rows(
    con: duckdb.DuckDBPyConnection, now: datetime, alias: str = "champion"
) -> list[FleetEntry]:
    """Every model as of ``now``, without trigger states."""
    rows = con.execute(sql("console/fleet_at"), {"alias": alias, "now": naive_utc(now)}).fetchall()
    entries = [_entry(alias, *row) for row in rows]
    ahead = [e.name for e in entries if e.last_sample is not None and e.last_sample > now]
    if not ahead:
        return entries
    # A replay: the stored history runs past now, so find the newest sample up to now.
    replayed = {
        model: aware_utc(last)
        for model, last in con.execute(
            sql("console/replayed_last_samples"), {"models": ahead, "now": naive_utc(now)}
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
            since=aware_utc(since),
            value=value,
            threshold=threshold,
            since_exact=exact is not False,
        )
        for model, policy, trigger, state, since, value, threshold, _at, exact in con.execute(
            sql("model_trigger_states")
        ).fetchall()
    ]


def source_health(
    con: duckdb.DuckDBPyConnection, configured: Collection[str]
) -> list[SourceHealth]:
    """The latest sync run of each source in ``configured`` (the workspace's sources): one
    taken out of ``mrp.toml`` is no longer reported, though its runs stay recorded."""
    return [
        SourceHealth(
            source,
            aware_utc(finished),
            error,
            aware_utc(last_ok),
            tuple(SyncWarning(w["message"], w["metric"]) for w in warnings),
        )
        for source, finished, error, last_ok, warnings in con.execute(
            sql("console/last_syncs")
        ).fetchall()
        if source in configured
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
            "now": naive_utc(now),
            "span_seconds": int(span.total_seconds()),
            "bucket_seconds": bucket,
        },
    ).fetchall()
    series: dict[str, list[float]] = {}
    for model, _bucket, value in rows:
        series.setdefault(model, []).append(float(value))
    return {model: tuple(values[-width:]) for model, values in series.items()}


def _with_own_states(entry: FleetEntry, readings: list[Reading]) -> FleetEntry:
    worst = max((r.state for r in readings), key=lambda s: STATE_RANK.get(s, 0), default=None)
    return replace(
        entry,
        worst_state=worst,
        firing=tuple(r.trigger for r in readings if r.state == "firing"),
        pending=tuple(r.trigger for r in readings if r.state == "pending"),
        no_data=tuple(r.trigger for r in readings if r.state == "no_data"),
    )


def with_states(entries: Iterable[FleetEntry], readings: Iterable[Reading]) -> list[FleetEntry]:
    """Each entry with its worst state and the names of its firing, pending and no-data
    triggers, from ``readings`` (any models'; an entry without any has no state)."""
    by_model: dict[str, list[Reading]] = {}
    for reading in readings:
        by_model.setdefault(reading.model, []).append(reading)
    return [_with_own_states(e, by_model.get(e.name, [])) for e in entries]


def worst_first(entries: Iterable[FleetEntry]) -> list[FleetEntry]:
    return sorted(entries, key=lambda e: (-STATE_RANK.get(e.worst_state or "ok", 0), e.name))


def fleet_snapshot(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    sources: Collection[str],
    triggers: list[TriggerView] | None = None,
    alias: str = "champion",
    problems: tuple[str, ...] = (),
    spark: bool = True,
) -> FleetSnapshot:
    """The fleet as of ``now``, worst first, with the last sync of each of ``sources`` (the
    configured ones). ``triggers`` default to the stored states."""
    views = stored_trigger_views(con) if triggers is None else triggers
    entries = with_states(fleet_rows(con, now, alias), views)
    if spark:
        keys = key_metrics(con, views)
        lines = sparklines(con, now, keys)
        entries = [
            replace(e, key_metric=keys.get(e.name), spark=lines.get(e.name, ())) for e in entries
        ]
    return FleetSnapshot(
        now=now,
        entries=tuple(worst_first(entries)),
        triggers=tuple(views),
        sources=tuple(source_health(con, sources)),
        problems=problems,
    )
