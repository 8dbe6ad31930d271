"""Current-state evaluation: every trigger of every model as of one instant.

Only the steps that decide the state are evaluated: the last step at or before the instant,
back over ``for`` (rounded up to whole steps) plus one step. The samples read are those of
``[first step - max(window, staleness), instant]`` (plus each previous version's last window
before its switch, for previous_version baselines), so the cost follows the evaluation window,
not the length of the stored history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import duckdb

from console.clock import format_duration, format_time
from console.store import sql
from console.store.rows import fetch_rows
from console.triggers.engine import (
    drop_tables,
    few_steps,
    one_transaction,
    run_pipeline,
    unordered,
    use_threads,
)
from console.triggers.plan import Plan, PlannedTrigger, PolicyLike, build_plan
from console.triggers.timeutil import floor_step, from_us, span_us, to_us
from console.triggers.types import TriggerState


def evaluate_at(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    at: datetime,
    *,
    alias: str = "champion",
    models: Collection[str] | None = None,
    look_back: timedelta | None = None,
    seeded: bool = False,
) -> list[TriggerState]:
    """The state of every trigger of every model (or of ``models``) at ``at``, ordered by
    model and trigger.

    Without more, the steps looked at are those that decide the state (``for`` plus a step);
    a state that began earlier has ``since_exact`` false. ``look_back`` looks further back.
    ``seeded`` continues from the states stored in ``trigger_states`` (by ``refresh_states``)
    when they are at most ``MAX_SEED_AGE`` old: only the steps since are evaluated, and
    ``since`` carries over (Prometheus evaluates rules the same way, step after step)."""
    with evaluated(
        con, policies, at, alias=alias, models=models, look_back=look_back, seeded=seeded
    ) as done:
        if done is None:
            return []
        plan, grids, _ = done
        rows = fetch_rows(con.execute(sql("triggers/result_rows")))
    return _states(plan, rows, grids)


class Evaluation(NamedTuple):
    """What ``evaluated`` evaluated; its result is in ``mrp_result``."""

    plan: Plan
    grids: dict[int, tuple[int, int]]
    """Each trigger's (tid) first and last step evaluated (microseconds)."""
    continued: bool
    """Serving periods and thresholds were taken from the stored states, unchanged."""


@contextmanager
def evaluated(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    at: datetime,
    *,
    alias: str = "champion",
    models: Collection[str] | None = None,
    look_back: timedelta | None = None,
    seeded: bool = False,
    store: bool = False,
) -> Iterator[Evaluation | None]:
    """Evaluate as ``evaluate_at`` does and leave the result in the temporary table
    ``mrp_result`` while the block runs (``refresh_states`` stores it from there without
    building Python objects); yields what was evaluated, or None when no policy selects
    a model. The evaluation is one transaction. With ``store`` (``refresh_states``; needs a
    writable connection) the block's writes are committed with it and newly computed
    previous_version baselines are cached (``source_state``); without, it is rolled back."""
    wanted = None if models is None else frozenset(models)
    plan = build_plan(con, policies, None if wanted is None else wanted.__contains__)
    if plan.empty:
        yield None
        return
    at_us = to_us(at)
    extra = span_us(look_back) if look_back is not None else 0
    seeds = _seeds(con) if seeded else {}
    grids = {
        t.tid: _grid(t, at_us, extra, seeds.get((t.policy, t.trigger.name))) for t in plan.triggers
    }
    data_from = min(grids[t.tid][0] - t.reach_us for t in plan.triggers)
    # One thread only when continuing from stored states: a fresh evaluation reads each
    # previous version's history for its baselines, a scan that wants every core.
    use_threads(con, few=bool(seeds) and few_steps(plan, grids))
    with unordered(con), one_transaction(con, commit=store):
        continued = run_pipeline(
            con,
            plan,
            grids,
            (max(data_from, 0), at_us),
            alias,
            current=True,
            cache_until=at_us if store else None,
            seeded=seeded,
        )
        yield Evaluation(plan, grids, continued)
        if store:
            drop_tables(con)  # a rollback takes the working tables with it


MAX_SEED_AGE = timedelta(hours=6)
"""A stored state older than this is not continued: the evaluation starts afresh."""


def _seeds(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """(policy, trigger) -> the earliest step any model's stored state was evaluated at."""
    return {
        (policy, trigger): to_us(earliest)
        for policy, trigger, earliest, _latest in con.execute(sql("triggers/seed_steps")).fetchall()
    }


def _grid(t: PlannedTrigger, at_us: int, extra: int, seed: int | None) -> tuple[int, int]:
    last = floor_step(at_us, t.step_us)
    if seed is not None and 0 <= last - seed <= span_us(MAX_SEED_AGE):
        return floor_step(seed, t.step_us), last
    first = floor_step(last - t.hold_us - t.step_us - max(extra, 0), t.step_us)
    return max(first, 0), last


def _states(
    plan: Plan, rows: list[tuple[Any, ...]], grids: dict[int, tuple[int, int]]
) -> list[TriggerState]:
    """Rows of ``current_states`` as ``TriggerState`` (8,000 of them in a few ms: the
    per-trigger parts and the instants are computed once)."""
    fixed = {
        t.tid: (
            t,
            t.policy,
            t.trigger.name,
            t.trigger.kind,
            t.trigger.metric if t.trigger.metric is not None else t.trigger.event,
            t.trigger.severity,
            t.trigger.action,
            t.trigger.for_,
            t.trigger.op,
            from_us(max(grids[t.tid][0] - t.reach_us, 0)),
        )
        for t in plan.triggers
    }
    instants: dict[int | None, datetime | None] = {None: None}
    for us in {r[1] for r in rows} | {r[3] for r in rows} | {r[12] for r in rows}:
        if us is not None:
            instants[us] = from_us(us)
    spans: dict[int | None, timedelta | None] = {None: None}
    for held in {r[5] for r in rows}:
        if held is not None:
            spans[held] = timedelta(microseconds=held)
    reasons: dict[tuple[Any, ...], str | None] = {}
    build = TriggerState.from_fields
    states = []
    names = plan.model_names
    count = len(plan.triggers)
    for (
        pid,
        at_us,
        state,
        since_us,
        exact,
        held_us,
        value,
        threshold,
        baseline,
        missing,
        version,
        no_sample,
        last_us,
        period_us,
    ) in rows:
        idx, tid = divmod(pid, count)
        planned, policy, name, kind, metric, severity, action, for_, op, looked = fixed[tid]
        at = instants[at_us]
        assert at is not None
        last_ts = instants[last_us]
        reason = None
        if missing is not None or (no_sample and kind != "event"):
            key = (tid, state, missing, version, last_us, at_us, period_us)
            if key not in reasons:
                began = from_us(period_us) if period_us else None
                reasons[key] = _reason(
                    planned, state, (missing, version), last_ts, (looked, at), began
                )
            reason = reasons[key]
        states.append(
            build(
                (
                    names[idx],
                    policy,
                    name,
                    kind,
                    metric,
                    state,
                    instants[since_us],
                    value,
                    threshold,
                    baseline,
                    severity,
                    action,
                    for_,
                    spans[held_us],
                    last_ts,
                    reason,
                    at,
                    version,
                    op,
                    exact,
                )
            )
        )
    return states


def _reason(
    planned: PlannedTrigger,
    state: str,
    baseline: tuple[object, object],
    last_ts: datetime | None,
    looked: tuple[datetime, datetime],
    began: datetime | None = None,
) -> str | None:
    """Why a trigger has no data (or why no data counts as ok or firing); ``began``: when the
    serving version began serving, if known."""
    trig = planned.trigger
    missing, version = baseline
    looked_from, at = looked
    of_version = f" of version {version}" if version is not None else ""
    if missing == "no_previous_version":
        return f"no baseline: version {version} has no previous version to compare with"
    if missing == "no_previous_samples":
        span = format_duration(trig.window or timedelta(microseconds=planned.stale_us))
        return f"no baseline: no {trig.metric} samples of the previous version in the {span} before the switch"
    if missing == "no_registered":
        return f"no baseline: no registered {trig.metric} baseline{of_version}"
    stale = format_duration(timedelta(microseconds=planned.stale_us))
    if last_ts is None and began is not None and looked_from < began <= at:
        # the version's samples from before it began serving (an earlier period) do not count
        told = f"no {trig.metric} sample{of_version} since it began serving at {format_time(began)}"
    elif last_ts is None:  # how long it has been silent is not known: only what was looked at
        span_looked = format_duration(at - looked_from)
        told = f"no {trig.metric} sample{of_version} in the {span_looked} looked at"
    elif at - last_ts > timedelta(microseconds=planned.stale_us):
        told = f"latest {trig.metric} sample{of_version} at {format_time(last_ts)} is older than the {stale} staleness"
    else:
        window = format_duration(trig.window) if trig.window else stale
        told = f"no {trig.metric} sample{of_version} in the {window} window"
    if state == "no_data":
        return told
    return f"{told} (on_no_data: {planned.no_data})"
