"""The steps of a current state, evaluated on arrays: each pair's ``LastSteps``.

For each pair (and serving period: a rule row) every step from its first to its last is
evaluated: the latest sample within the staleness, a window aggregate over ``(t - window, t]``,
or whether a matching event holds; the comparison gives the step's outcome. Per pair the
last step's outcome and value are kept, with where the run of that outcome began. These are
the rules of the backtest pipeline (``used_samples``, ``window_values``, ``event_intervals``),
which the reference evaluator checks both against.

Why arrays and not SQL: a current-state evaluation is some 16,000 steps over 40,000 samples,
where DuckDB's cost is forty operators' fixed work rather than rows; sorted samples and
binary searches do the same in a few milliseconds (benchmarks/results/triggers.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from console.policy.model import SEVERITY_RANK
from console.store import sql
from console.triggers.pair_arrays import (
    NULL_US,
    Bools,
    Floats,
    Ints,
    LastSteps,
    Outcomes,
    Rules,
    TriggerSettings,
)
from console.triggers.plan import Plan
from console.triggers.sample_search import Samples


def last_steps(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    settings: TriggerSettings,
    rules: Rules,
    samples: Samples,
    max_steps: int,
    data_to: int,
) -> LastSteps:
    """Evaluate the steps of every rule row (at most ``max_steps`` each) over ``samples``
    and the events up to ``data_to``."""
    steps = _steps(rules, settings, len(plan.triggers), max_steps)
    seen = _Seen.of(samples, samples.code(steps.pid, rules.period[steps.row]), steps, settings)
    held = _held_events(con, plan, rules, steps, data_to)
    cond = _outcomes(rules, steps, settings, seen, held)
    return _last(steps, rules, cond, seen, settings)


class _Seen:
    """What each step saw: its value (``has``: whether it has one) and the time of the latest
    sample looked at (``NULL_US``: none)."""

    def __init__(self, size: int) -> None:
        self.value = np.zeros(size, np.float64)
        self.has = np.zeros(size, np.bool_)
        self.ts = np.full(size, NULL_US, np.int64)

    @classmethod
    def of(cls, samples: Samples, code: Ints, steps: _Steps, settings: TriggerSettings) -> _Seen:
        """The latest sample for latest-sample triggers; the window aggregate for the others,
        which counts only when the window's latest sample is within the staleness."""
        seen = cls(len(steps.t))
        at = np.flatnonzero(settings.latest[steps.tid])
        stale = settings.stale_eff[steps.tid[at]]
        found, value, ts = samples.latest(code[at], steps.t[at], stale)
        seen.value[at], seen.has[at], seen.ts[at] = value, found, np.where(found, ts, NULL_US)
        at = np.flatnonzero(settings.windowed[steps.tid])
        tid, t = steps.tid[at], steps.t[at]
        counted, value, ts = samples.windows(code[at], t, settings.window[tid], settings.agg[tid])
        fresh = counted & (ts >= t - settings.stale[tid])
        seen.value[at], seen.has[at], seen.ts[at] = value, fresh, ts
        return seen


@dataclass(frozen=True)
class _Steps:
    """Every evaluated step, ordered by pair and time; ``row``: its rule row."""

    row: Ints
    pid: Ints
    tid: Ints
    t: Ints


def _steps(rules: Rules, settings: TriggerSettings, count: int, max_steps: int) -> _Steps:
    tid = rules.pid % count
    step = settings.step[tid]
    n = np.clip((rules.last - rules.first) // step + 1, 0, max_steps)
    row = np.repeat(np.arange(len(rules.pid)), n)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
    t = rules.first[row] + k * step[row]
    order = np.lexsort((t, rules.pid[row]))
    row, t = row[order], t[order]
    return _Steps(row, rules.pid[row], tid[row], t)


def _held_events(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    rules: Rules,
    steps: _Steps,
    data_to: int,
) -> Bools:
    """Whether a matching event holds at each step of an event trigger: unresolved at t,
    recorded in the serving period and at or before t, of the serving version (or none), of
    at least the trigger's severity (an unknown severity matches)."""
    held = np.zeros(len(steps.t), np.bool_)
    kinds = sorted({t.trigger.event for t in plan.triggers if t.trigger.event is not None})
    if not kinds:
        return held
    events: dict[tuple[str, str], list[tuple[int, str | None, int, int | None]]] = {}
    for model, kind, severity, version, ts, resolved in con.execute(
        sql("triggers/event_rows"), {"kinds": kinds, "to": data_to}
    ).fetchall():
        rank = SEVERITY_RANK.get(str(severity).lower(), 99) if severity is not None else 99
        events.setdefault((model, kind), []).append((rank, version, ts, resolved))
    if not events:
        return held
    count = len(plan.triggers)
    names = plan.model_names
    versions = rules.version
    from_us = rules.from_us
    pair_start = np.searchsorted(steps.pid, np.arange(len(names) * count), side="left")
    pair_end = np.searchsorted(steps.pid, np.arange(len(names) * count), side="right")
    index = {name: idx for idx, name in enumerate(names)}
    for t in plan.triggers:
        if t.trigger.kind != "event" or t.trigger.event is None:
            continue
        min_rank = SEVERITY_RANK[t.trigger.min_severity]
        for (model, kind), found in events.items():
            if kind != t.trigger.event or model not in index:
                continue
            pid = index[model] * count + t.tid
            span = slice(pair_start[pid], pair_end[pid])
            at = steps.t[span]
            rows = steps.row[span]
            for rank, version, ts, resolved in found:
                if rank < min_rank:
                    continue
                serving = versions[rows]
                same_version = np.array(
                    [version is None or v is None or v == version for v in serving.tolist()],
                    np.bool_,
                )
                holds = same_version & (ts >= from_us[rows]) & (ts <= at)
                if resolved is not None:
                    holds &= at < resolved
                held[span] |= holds
    return held


def _outcomes(
    rules: Rules, steps: _Steps, settings: TriggerSettings, seen: _Seen, held: Bools
) -> Outcomes:
    """Each step's outcome: 1 (the condition holds), 0, or -1 (no data). A missing threshold
    compares to nothing (no data); NaN compares as in DuckDB, above every number."""
    row = steps.row
    compared = _compare(seen.value, settings.op[steps.tid], rules.threshold[row])
    cond = np.where(rules.has_threshold[row], compared.astype(np.int8), np.int8(-1))
    cond = np.where(seen.has, cond, rules.gapcond[row])
    cond = np.where(rules.has_missing[row], np.int8(-1), cond)
    outcome: Outcomes = np.where(settings.event[steps.tid], held, cond).astype(np.int8)
    return outcome


def _compare(value: Floats, op: Ints, threshold: Floats) -> Bools:
    """``value op threshold`` with DuckDB's order of NaN: equal to itself, above all else."""
    nan_value, nan_threshold = np.isnan(value), np.isnan(threshold)
    with np.errstate(invalid="ignore"):
        return np.select(
            [op == 0, op == 1, op == 2, op == 3],
            [
                (value < threshold) | (~nan_value & nan_threshold),
                (value <= threshold) | nan_threshold,
                (value > threshold) | (nan_value & ~nan_threshold),
                (value >= threshold) | nan_value,
            ],
            False,
        )


def _last(
    steps: _Steps, rules: Rules, cond: Outcomes, seen: _Seen, settings: TriggerSettings
) -> LastSteps:
    """Each pair's last step and the run that leads to it."""
    size = len(steps.pid)
    if size:
        starts = np.flatnonzero(np.r_[True, steps.pid[1:] != steps.pid[:-1]])
        ends = np.r_[starts[1:], size] - 1
    else:
        starts = ends = steps.pid
    period = rules.period[steps.row]
    last = np.repeat(ends, np.diff(np.r_[starts, size]))
    changed = (cond != cond[last]) | (period != period[last])
    marked = np.where(changed, steps.t, NULL_US)
    run_start = np.maximum.reduceat(marked, starts) if size else steps.pid
    step = settings.step[steps.tid[ends]]
    return LastSteps(
        pid=steps.pid[ends],
        row=steps.row[ends],
        t=steps.t[ends],
        cond=cond[ends],
        value=seen.value[ends],
        has_value=seen.has[ends],
        value_ts=seen.ts[ends],
        first=steps.t[starts],
        first_cond=cond[starts],
        run_start=np.where(run_start == NULL_US, NULL_US, run_start + step),
    )
