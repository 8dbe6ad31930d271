"""The engine's working tables as NumPy arrays, for the steps of a current state
(``last_steps``) and the states that follow from them (``current_result``).

Instants are microseconds since the epoch; an instant that is NULL is ``NULL_US``, a number
that is NULL is a ``has_...`` flag beside it, and an outcome is 1 (the condition holds), 0
or -1 (no data).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt

from console.store import sql
from console.triggers.plan import Plan

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Outcomes = npt.NDArray[np.int8]

NULL_US = np.iinfo(np.int64).min
"""An instant that is NULL."""

AGGREGATES = ("avg", "min", "max", "p50", "p95", "p99")
"""The window aggregates (``agg`` indexes them); ``last`` over a window is a latest sample."""

OPS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class TriggerSettings:
    """Each trigger's settings as arrays indexed by tid."""

    step: Ints
    hold: Ints
    """``for`` rounded up to whole steps."""
    stale: Ints
    stale_eff: Ints
    window: Ints
    mid: Ints
    op: Ints
    agg: Ints
    """Index into ``AGGREGATES`` for window aggregates, else -1."""
    latest: Bools
    windowed: Bools
    event: Bools

    @classmethod
    def of(cls, plan: Plan) -> TriggerSettings:
        metrics = sorted({t.trigger.metric for t in plan.triggers if t.trigger.metric is not None})
        mids = {metric: index for index, metric in enumerate(metrics)}
        step, hold, stale, stale_eff, window, mid, op, agg = [], [], [], [], [], [], [], []
        latest, windowed, event = [], [], []
        for t in plan.triggers:
            trig = t.trigger
            is_event = trig.kind == "event"
            is_windowed = not is_event and t.window_us > 0 and trig.aggregate != "last"
            step.append(t.step_us)
            hold.append(t.hold_us)
            stale.append(t.stale_us)
            last_in_window = trig.aggregate == "last" and t.window_us > 0
            stale_eff.append(min(t.stale_us, t.window_us - 1) if last_in_window else t.stale_us)
            window.append(t.window_us)
            mid.append(-1 if trig.metric is None else mids[trig.metric])
            op.append(OPS.index(trig.op) if trig.op in OPS else -1)
            agg.append(AGGREGATES.index(trig.aggregate) if is_windowed else -1)
            latest.append(not is_event and not is_windowed)
            windowed.append(is_windowed)
            event.append(is_event)
        return cls(
            np.array(step, np.int64),
            np.array(hold, np.int64),
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

    def row_of(self, pid: Ints, period: Ints) -> Ints:
        """The row of each (pid, period)."""
        periods = int(self.period.max(initial=0)) + 1
        keys = self.pid * periods + self.period
        order = np.argsort(keys)
        found = np.searchsorted(keys[order], pid * periods + period)
        rows: Ints = order[np.minimum(found, len(order) - 1)]
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
    cond: Outcomes
    value: Floats
    has_value: Bools
    value_ts: Ints
    first: Ints
    first_cond: Outcomes
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
