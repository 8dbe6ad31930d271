"""The samples an evaluation reads (``mrp_sample``) sorted by series, time and value, and the
latest sample or the window aggregate at many (series, instant) at once, by binary search.

Among samples with one timestamp the largest value counts as the latest. NaN orders above
every number, as in DuckDB.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from console.store import sql
from console.triggers.pair_arrays import (
    AGGREGATES,
    NULL_US,
    Bools,
    Floats,
    Ints,
    Rules,
    TriggerSettings,
)
from console.triggers.plan import Plan

PACKED_BITS = 62
"""A search key is one integer (series, then time) when both fit in this many bits, else a
record of two (slower; tests set this to 0 to check the two give the same answers)."""

_QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


class Samples:
    """The samples of ``mrp_sample`` ordered by series (sid, period), time and value, and
    binary searches over them by (series, instant)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        plan: Plan,
        settings: TriggerSettings,
        rules: Rules,
    ) -> None:
        columns = con.execute(sql("triggers/sample_arrays")).fetchnumpy()
        ts = columns["ts"].astype(np.int64)
        period = columns["period"].astype(np.int64)
        self.periods = max(int(period.max(initial=0)), int(rules.period.max(initial=0))) + 1
        self.settings = settings
        self.metrics = int(settings.mid.max(initial=-1)) + 1
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

    def code(self, pid: Ints, period: Ints) -> Ints:
        """The series of each pair in a period (``pairs.sql`` numbers series by model and
        metric); negative for event triggers, which have none."""
        count = len(self.settings.mid)
        mid = self.settings.mid[pid % count]
        sid = (pid // count) * max(self.metrics, 1) + mid
        code: Ints = np.where(mid >= 0, sid * self.periods + period, -1)
        return code

    def latest_time(self, code: Ints) -> Ints:
        """The time of each series' latest sample (``NULL_US``: none)."""
        if not len(self.ts):
            return np.full(len(code), NULL_US, np.int64)
        last = self.upto(code, np.full(len(code), np.iinfo(np.int64).max)) - 1
        safe = np.maximum(last, 0)
        found = (last >= 0) & (self.series[safe] == code)
        result: Ints = np.where(found, self.ts[safe], NULL_US)
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

    def latest(self, code: Ints, t: Ints, stale: Ints) -> tuple[Bools, Floats, Ints]:
        """At each (series, t): whether a sample lies in [t - stale, t], and the latest's
        value and time (where one does)."""
        found = np.zeros(len(t), np.bool_)
        if not len(self.ts) or not len(t):
            return found, np.zeros(len(t)), np.full(len(t), NULL_US, np.int64)
        last = self.upto(code, t) - 1
        safe = np.maximum(last, 0)
        found = (last >= 0) & (self.series[safe] == code) & (self.ts[safe] >= t - stale)
        return found, self.value[safe], self.ts[safe]

    def windows(self, code: Ints, t: Ints, window: Ints, agg: Ints) -> tuple[Bools, Floats, Ints]:
        """At each (series, t): whether (t - window, t] holds samples, their aggregate
        (``agg`` indexes ``AGGREGATES``) and the latest one's time. ``min`` passes over NaN,
        ``max`` and ``avg`` give it (NaN is above every number)."""
        hi = self.upto(code, t)
        lo = self.upto(code, t - window)
        counted = hi > lo
        result = np.zeros(len(t), np.float64)
        latest = np.full(len(t), NULL_US, np.int64)
        latest[counted] = self.ts[hi[counted] - 1]
        padded = np.append(self.value, 0.0)
        for index, name in enumerate(AGGREGATES):
            chosen = np.flatnonzero(counted & (agg == index))
            if not len(chosen):
                continue
            low, high = lo[chosen], hi[chosen]
            if name in _QUANTILES:
                result[chosen] = _quantiles(self.value, low, high, _QUANTILES[name])
                continue
            reduce = {"avg": np.add, "min": np.fmin, "max": np.maximum}[name]
            with np.errstate(invalid="ignore"):  # inf + -inf is NaN, as in DuckDB
                reduced = reduce.reduceat(padded, np.column_stack((low, high)).ravel())[0::2]
            result[chosen] = reduced / (high - low) if name == "avg" else reduced
        return counted, result, latest


def _quantiles(values: Floats, lo: Ints, hi: Ints, q: float) -> Floats:
    """``quantile_cont`` of each ``values[lo:hi]`` (DuckDB's interpolation of doubles: at
    (n - 1) * q, lo * (1 - fraction) + hi * fraction, which keeps an infinite sample's
    quantile infinite where lo + (hi - lo) * fraction would give NaN)."""
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
    with np.errstate(invalid="ignore"):  # inf * 0 where it is not chosen
        result: Floats = np.where(fraction > 0, low * (1 - fraction) + high * fraction, low)
    return result
