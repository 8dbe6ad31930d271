"""The current state over a few steps per pair, evaluated on arrays: ``mrp_last``.

For each pair (and serving period, ``mrp_rule``) every step from its first to its last is
evaluated: the latest sample within the staleness, a window aggregate over ``(t - window, t]``,
or whether a matching event holds; the comparison gives the step's outcome (``cond``: true,
false or NULL for no data). Per pair the last step's outcome and value are kept, with where
the run of that outcome began (``run_start``; NULL when it reaches back to the first step).
These are the rules of the backtest pipeline (``used_samples``, ``window_values``,
``event_intervals``), which the reference evaluator checks both against; among samples with
one timestamp the largest value wins.

Why arrays and not SQL: a current-state evaluation is some 16,000 steps over 40,000 samples,
where DuckDB's cost is forty operators' fixed work rather than rows; sorted samples and
binary searches do the same in a few milliseconds (benchmarks/results/triggers.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from console.policy.model import SEVERITY_RANK
from console.store import sql
from console.triggers.plan import Plan

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

NULL_US = np.iinfo(np.int64).min
"""An instant that is NULL (``last_steps_from_arrays`` turns it back)."""

PACKED_BITS = 62
"""A search key is one integer (series, then time) when both fit in this many bits, else a
record of two (slower; tests set this to 0 to check the two give the same answers)."""

_AGGREGATES = ("avg", "min", "max", "p50", "p95", "p99")
_QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
_OPS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class _Settings:
    """Each trigger's settings as arrays indexed by tid."""

    step: Ints
    stale: Ints
    stale_eff: Ints
    window: Ints
    mid: Ints
    op: Ints
    agg: Ints
    """Index into ``_AGGREGATES`` for window aggregates, else -1."""
    latest: Bools
    windowed: Bools
    event: Bools

    @classmethod
    def of(cls, plan: Plan) -> _Settings:
        metrics = sorted({t.trigger.metric for t in plan.triggers if t.trigger.metric is not None})
        mids = {metric: index for index, metric in enumerate(metrics)}
        step, stale, stale_eff, window, mid, op, agg = [], [], [], [], [], [], []
        latest, windowed, event = [], [], []
        for t in plan.triggers:
            trig = t.trigger
            is_event = trig.kind == "event"
            is_windowed = not is_event and t.window_us > 0 and trig.aggregate != "last"
            step.append(t.step_us)
            stale.append(t.stale_us)
            last_in_window = trig.aggregate == "last" and t.window_us > 0
            stale_eff.append(min(t.stale_us, t.window_us - 1) if last_in_window else t.stale_us)
            window.append(t.window_us)
            mid.append(-1 if trig.metric is None else mids[trig.metric])
            op.append(_OPS.index(trig.op) if trig.op in _OPS else -1)
            agg.append(_AGGREGATES.index(trig.aggregate) if is_windowed else -1)
            latest.append(not is_event and not is_windowed)
            windowed.append(is_windowed)
            event.append(is_event)
        return cls(
            np.array(step, np.int64),
            np.array(stale, np.int64),
            np.array(stale_eff, np.int64),
            np.array(window, np.int64),
            np.array(mid, np.int64),
            np.array(op, np.int64),
            np.array(agg, np.int64),
            np.array(latest, np.bool_),
            np.array(windowed, np.bool_),
            np.array(event, np.bool_),
        )


class Rules:
    """The rows of ``mrp_rule`` (each pair's rule in each serving period) as arrays."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        columns = con.execute(sql("triggers/rule_arrays")).fetchnumpy()
        self.pid = columns["pid"].astype(np.int64)
        self.period = columns["period"].astype(np.int64)
        self.first = columns["g_first"].astype(np.int64)
        self.last = columns["g_last"].astype(np.int64)
        self.from_us = columns["from_us"].astype(np.int64)
        self.threshold = columns["threshold"].astype(np.float64)
        self.has_threshold = columns["has_threshold"].astype(np.bool_)
        self.has_missing = columns["has_missing"].astype(np.bool_)
        self.gapcond = columns["gapcond"].astype(np.int8)
        self.version = np.asarray(columns["version"], dtype=object)
        self._periods = int(self.period.max(initial=0)) + 1
        self._keys = self.pid * self._periods + self.period
        self._order = np.argsort(self._keys)

    def row_of(self, pid: Ints, period: Ints) -> Ints:
        """The row of each (pid, period)."""
        keys = pid * self._periods + period
        found = np.searchsorted(self._keys[self._order], keys)
        rows: Ints = self._order[np.minimum(found, len(self._order) - 1)]
        return rows


@dataclass(frozen=True)
class LastSteps:
    """Per pair: its last step (``t``), that step's rule row, outcome (1, 0, -1: no data),
    value (``has_value``: whether it has one) and latest sample seen (``NULL_US``: none);
    the first step with its outcome; and where the run of the last outcome began in its
    serving period (``NULL_US``: at the first step or before)."""

    pid: Ints
    row: Ints
    t: Ints
    cond: npt.NDArray[np.int8]
    value: Floats
    has_value: Bools
    value_ts: Ints
    first: Ints
    first_cond: npt.NDArray[np.int8]
    run_start: Ints

    @classmethod
    def from_runs(cls, con: duckdb.DuckDBPyConnection, rules: Rules) -> LastSteps:
        """What ``last_from_runs`` left in ``mrp_last`` (many steps: from the runs)."""
        c = con.execute(sql("triggers/last_arrays"), {"null": int(NULL_US)}).fetchnumpy()
        pid = c["pid"].astype(np.int64)
        return cls(
            pid,
            rules.row_of(pid, c["period"].astype(np.int64)),
            c["t"].astype(np.int64),
            c["cond"].astype(np.int8),
            c["value"].astype(np.float64),
            c["has_value"].astype(np.bool_),
            c["value_ts"].astype(np.int64),
            c["first"].astype(np.int64),
            c["first_cond"].astype(np.int8),
            c["run_start"].astype(np.int64),
        )


def last_steps(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    rules: Rules,
    samples: Samples,
    max_steps: int,
    data_to: int,
) -> LastSteps:
    """Evaluate the steps of every rule row (at most ``max_steps`` each) over ``samples``
    and the events up to ``data_to``."""
    settings = _Settings.of(plan)
    steps = _steps(rules, settings, len(plan.triggers), max_steps)
    code = samples.code(plan, steps.pid, rules.period[steps.row])
    seen = _Seen(len(steps.t))
    samples.latest(settings.latest[steps.tid], code, steps, settings, seen)
    samples.windows(settings.windowed[steps.tid], code, steps, settings, seen)
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


@dataclass(frozen=True)
class _Steps:
    """Every evaluated step, ordered by pair and time; ``row``: its rule row."""

    row: Ints
    pid: Ints
    tid: Ints
    t: Ints


def _steps(rules: Rules, settings: _Settings, count: int, max_steps: int) -> _Steps:
    tid = rules.pid % count
    step = settings.step[tid]
    n = np.clip((rules.last - rules.first) // step + 1, 0, max_steps)
    row = np.repeat(np.arange(len(rules.pid)), n)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
    t = rules.first[row] + k * step[row]
    order = np.lexsort((t, rules.pid[row]))
    row, t = row[order], t[order]
    return _Steps(row, rules.pid[row], tid[row], t)


class Samples:
    """The samples of ``mrp_sample`` ordered by series (sid, period), time and value, and
    binary searches over them by (series, instant)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: Plan, rules: Rules) -> None:
        columns = con.execute(sql("triggers/sample_arrays")).fetchnumpy()
        ts = columns["ts"].astype(np.int64)
        period = columns["period"].astype(np.int64)
        self.periods = max(int(period.max(initial=0)), int(rules.period.max(initial=0))) + 1
        self.metrics = len({t.trigger.metric for t in plan.triggers if t.trigger.metric})
        series = columns["sid"].astype(np.int64) * self.periods + period
        self.base = (int(ts.min()) if len(ts) else 0) - 1
        self.shift = max(int(ts.max(initial=0)) - self.base + 1, 1).bit_length()
        codes = (len(plan.model_names) * max(self.metrics, 1) + 1) * self.periods
        self.packed = codes.bit_length() + self.shift <= PACKED_BITS
        keys = self._keys(series, ts)
        order = np.argsort(keys)
        ordered = keys[order]
        if (ordered[1:] == ordered[:-1]).any():  # samples that share a time: by value too
            order = np.lexsort((columns["value"], keys))
        self.keys, self.series, self.ts = keys[order], series[order], ts[order]
        self.value = columns["value"].astype(np.float64)[order]

    def code(self, plan: Plan, pid: Ints, period: Ints) -> Ints:
        """The series of each pair in a period (``pairs.sql`` numbers series by model and
        metric); negative for event triggers, which have none."""
        count = len(plan.triggers)
        mid = _Settings.of(plan).mid[pid % count]
        sid = (pid // count) * max(self.metrics, 1) + mid
        code: Ints = np.where(mid >= 0, sid * self.periods + period, -1)
        return code

    def latest_time(self, code: Ints) -> Ints:
        """The time of each series' latest sample (``NULL_US``: none)."""
        last = self.upto(code, np.full(len(code), np.iinfo(np.int64).max)) - 1
        safe = np.maximum(last, 0)
        found = (last >= 0) & (self.series[safe] == code) if len(self.ts) else last < -1
        result: Ints = np.where(found, self.ts[safe] if len(self.ts) else 0, NULL_US)
        return result

    def _keys(self, code: Ints, at: Ints) -> Any:
        """One sortable key per (series, instant): packed in one integer when both fit, else
        a record of two. Instants outside the samples' span are clamped to just before or
        after it, which keeps every search's answer."""
        offset = np.clip(at - self.base, 0, (1 << self.shift) - 1)
        if self.packed:
            return (code << self.shift) | offset
        keys = np.empty(len(code), dtype=[("code", np.int64), ("offset", np.int64)])
        keys["code"], keys["offset"] = code, offset
        return keys

    def upto(self, code: Ints, at: Ints) -> Ints:
        """How many samples come before (series, at] ends: the index after the last sample of
        ``code`` at or before ``at``."""
        needles = self._keys(code, at)
        order = np.argsort(needles)  # sorted needles search several times faster
        found = np.empty(len(needles), np.int64)
        found[order] = np.searchsorted(self.keys, needles[order], side="right")
        return found

    def latest(
        self, mask: Bools, codes: Ints, steps: _Steps, settings: _Settings, seen: _Seen
    ) -> None:
        """For the steps of ``mask``: the latest sample of the series in [t - stale, t]."""
        at = np.flatnonzero(mask)
        if not len(self.ts) or not len(at):
            return
        t = steps.t[at]
        code = codes[at]
        last = self.upto(code, t) - 1
        safe = np.maximum(last, 0)
        stale = settings.stale_eff[steps.tid[at]]
        found = (last >= 0) & (self.series[safe] == code) & (self.ts[safe] >= t - stale)
        at, safe = at[found], safe[found]
        seen.value[at] = self.value[safe]
        seen.has[at] = True
        seen.ts[at] = self.ts[safe]

    def windows(
        self, mask: Bools, codes: Ints, steps: _Steps, settings: _Settings, seen: _Seen
    ) -> None:
        """For the steps of ``mask``: the aggregate over (t - window, t], when its latest
        sample is within the staleness (``seen.ts``: that sample's time, stale or not).
        NaN orders above every number, as in DuckDB: ``min`` passes over it, ``max`` and
        ``avg`` give it."""
        at = np.flatnonzero(mask)
        tid = steps.tid[at]
        t = steps.t[at]
        hi = self.upto(codes[at], t)
        lo = self.upto(codes[at], t - settings.window[tid])
        counted = hi > lo
        at, tid, t, lo, hi = at[counted], tid[counted], t[counted], lo[counted], hi[counted]
        if not len(at):
            return
        latest_ts = self.ts[hi - 1]
        seen.ts[at] = latest_ts
        agg = settings.agg[tid]
        result = np.zeros(len(at), np.float64)
        padded = np.append(self.value, 0.0)
        for index, name in enumerate(_AGGREGATES):
            chosen = np.flatnonzero(agg == index)
            if not len(chosen):
                continue
            if name in _QUANTILES:
                result[chosen] = _quantiles(self.value, lo[chosen], hi[chosen], _QUANTILES[name])
                continue
            bounds = np.column_stack((lo[chosen], hi[chosen])).ravel()
            reduce = {"avg": np.add, "min": np.fmin, "max": np.maximum}[name]
            reduced = reduce.reduceat(padded, bounds)[0::2]
            if name == "avg":
                reduced = reduced / (hi[chosen] - lo[chosen])
            result[chosen] = reduced
        fresh = latest_ts >= t - settings.stale[tid]
        seen.value[at[fresh]] = result[fresh]
        seen.has[at[fresh]] = True


def _quantiles(values: Floats, lo: Ints, hi: Ints, q: float) -> Floats:
    """``quantile_cont`` of each ``values[lo:hi]`` (DuckDB's interpolation: at (n - 1) * q,
    lo + (hi - lo) * fraction)."""
    n = hi - lo
    window = np.repeat(np.arange(len(n)), n)
    index = np.arange(len(window)) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    gathered = values[index]
    ordered = gathered[np.lexsort((gathered, window))]
    start = np.cumsum(n) - n
    position = (n - 1).astype(np.float64) * q
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    low, high = ordered[start + below], ordered[start + above]
    fraction = position - below
    result: Floats = np.where(fraction > 0, low + (high - low) * fraction, low)
    return result


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
    rules: Rules, steps: _Steps, settings: _Settings, seen: _Seen, held: Bools
) -> npt.NDArray[np.int8]:
    """Each step's outcome: 1 (the condition holds), 0, or -1 (no data). A missing threshold
    compares to nothing (no data); NaN compares as in DuckDB, above every number."""
    row = steps.row
    compared = _compare(seen.value, settings.op[steps.tid], rules.threshold[row])
    cond = np.where(rules.has_threshold[row], compared.astype(np.int8), np.int8(-1))
    cond = np.where(seen.has, cond, rules.gapcond[row])
    cond = np.where(rules.has_missing[row], np.int8(-1), cond)
    outcome: npt.NDArray[np.int8] = np.where(settings.event[steps.tid], held, cond).astype(np.int8)
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
    steps: _Steps, rules: Rules, cond: npt.NDArray[np.int8], seen: _Seen, settings: _Settings
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
