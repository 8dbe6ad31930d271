"""Current-state evaluation: every trigger of every model as of one instant.

Only the steps that decide the state are evaluated: the last step at or before the instant,
back over ``for`` (rounded up to whole steps) plus one step. The samples read are those of
``[first step - max(window, staleness), instant]`` (plus each previous version's last window
before its switch, for previous_version baselines), so the cost follows the evaluation window,
not the length of the stored history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

import duckdb

from console.clock import format_duration, format_time
from console.store import sql
from console.triggers.engine import drop_tables, run_pipeline
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
) -> list[TriggerState]:
    """The state of every trigger of every model (or of ``models``) at ``at``, ordered by
    model and trigger. ``look_back`` evaluates further back than needed, so that ``since`` is
    exact for states that began within it."""
    wanted = None if models is None else frozenset(models)
    plan = build_plan(con, policies, None if wanted is None else wanted.__contains__)
    if plan.empty:
        return []
    at_us = to_us(at)
    extra = span_us(look_back) if look_back is not None else 0
    grids = {t.tid: _grid(t, at_us, extra) for t in plan.triggers}
    data_from = min(grids[t.tid][0] - t.reach_us for t in plan.triggers)
    try:
        run_pipeline(con, plan, grids, max(data_from, 0), at_us, alias)
        rows = con.execute(sql("triggers/current_states")).fetchall()
    finally:
        drop_tables(con)
    return _states(plan, rows, grids)


def _grid(t: PlannedTrigger, at_us: int, extra: int) -> tuple[int, int]:
    last = floor_step(at_us, t.step_us)
    first = floor_step(last - t.hold_us - t.step_us - max(extra, 0), t.step_us)
    return max(first, 0), last


def _states(
    plan: Plan, rows: list[tuple[object, ...]], grids: dict[int, tuple[int, int]]
) -> list[TriggerState]:
    by_tid = plan.by_tid()
    states = []
    for row in rows:
        (
            model,
            tid,
            at_us,
            state,
            since_us,
            since_exact,
            held_us,
            value,
            threshold,
            baseline,
            missing,
            version,
            no_sample,
            last_us,
        ) = row
        planned = by_tid[int(tid)]  # type: ignore[call-overload]
        trig = planned.trigger
        at = from_us(int(at_us))  # type: ignore[call-overload]
        last_ts = None if last_us is None else from_us(int(last_us))  # type: ignore[call-overload]
        states.append(
            TriggerState(
                model=str(model),
                policy=planned.policy,
                trigger=trig.name,
                kind=trig.kind,
                metric=trig.metric if trig.metric is not None else trig.event,
                state=str(state),  # type: ignore[arg-type]
                since=None if since_us is None else from_us(int(since_us)),  # type: ignore[call-overload]
                value=None if value is None else float(value),  # type: ignore[arg-type]
                threshold=None if threshold is None else float(threshold),  # type: ignore[arg-type]
                baseline=None if baseline is None else float(baseline),  # type: ignore[arg-type]
                severity=trig.severity,
                action=trig.action,
                for_=trig.for_,
                held_for=None if held_us is None else timedelta(microseconds=int(held_us)),  # type: ignore[call-overload]
                last_sample_ts=last_ts,
                reason=_reason(
                    planned,
                    str(state),
                    (missing, version),
                    bool(no_sample),
                    last_ts,
                    (from_us(max(grids[planned.tid][0] - planned.reach_us, 0)), at),
                ),
                at=at,
                version=None if version is None else str(version),
                op=trig.op,
                since_exact=bool(since_exact),
            )
        )
    return states


def _reason(
    planned: PlannedTrigger,
    state: str,
    baseline: tuple[object, object],
    no_sample: bool,
    last_ts: datetime | None,
    looked: tuple[datetime, datetime],
) -> str | None:
    """Why a trigger has no data (or why no data counts as ok or firing)."""
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
    if trig.kind == "event" or not no_sample:
        return None
    stale = format_duration(timedelta(microseconds=planned.stale_us))
    if last_ts is None:
        told = f"no {trig.metric} sample{of_version} since {format_time(looked_from)}"
    elif at - last_ts > timedelta(microseconds=planned.stale_us):
        told = f"latest {trig.metric} sample{of_version} at {format_time(last_ts)} is older than the {stale} staleness"
    else:
        window = format_duration(trig.window) if trig.window else stale
        told = f"no {trig.metric} sample{of_version} in the {window} window"
    if state == "no_data":
        return told
    return f"{told} (on_no_data: {planned.no_data})"
