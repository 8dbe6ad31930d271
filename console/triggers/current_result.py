"""Each pair's state at its last step, from its ``LastSteps``: ``mrp_result``.

A state is firing once its condition has held for ``for`` (rounded up to whole steps),
pending before, ok while it does not hold, no_data without an outcome. ``since`` is when the
state began: where the run of the last outcome began, or, when the run reaches back to the
first step looked at, what the pair's stored state (``mrp_stored``, a seeded evaluation) says
when it is of the pair's own policy, was evaluated at exactly that step and agrees with its
outcome (a pending state's since is when the condition first held, a firing one's that plus
``for``). Otherwise the run began at the first step or earlier, and ``since_exact`` is false.
"""

from __future__ import annotations

import duckdb
import numpy as np

from console.store import sql
from console.triggers.pair_arrays import (
    NULL_US,
    Bools,
    Ints,
    LastSteps,
    Rules,
    TriggerSettings,
)
from console.triggers.plan import Plan
from console.triggers.sample_search import Samples

STATES = ("ok", "pending", "firing", "no_data")
_OK, _PENDING, _FIRING, _NO_DATA = range(len(STATES))


def write_current(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    settings: TriggerSettings,
    grids: dict[int, tuple[int, int]],
    last: LastSteps,
    rules: Rules,
    samples: Samples,
) -> None:
    """Write ``mrp_result`` (``result_from_arrays``, with each pair's rule): per pair its
    state, since, how long the condition has held, the value and threshold seen, and the
    latest sample of the serving version (the one seen, else the latest read)."""
    count = len(plan.triggers)
    tid = last.pid % count
    hold = settings.hold[tid]
    grid_from = np.array([grids[t.tid][0] for t in plan.triggers], np.int64)[tid]
    began, exact = _began(con, last, hold, len(plan.model_names) * count)
    holds = last.cond == 1
    fired = holds & (last.t - began >= hold)
    state = np.where(
        holds, np.where(fired, _FIRING, _PENDING), np.where(last.cond == 0, _OK, _NO_DATA)
    )
    row = last.row
    event = settings.event[tid]
    latest = np.where(
        last.value_ts != NULL_US,
        last.value_ts,
        samples.latest_time(samples.code(last.pid, rules.period[row])),
    )
    arrays = {
        "pid": last.pid,
        "period": rules.period[row],
        "at_us": last.t,
        "state": state.astype(np.int8),
        "since_us": np.where(fired, began + hold, began),
        "since_exact": exact | (last.run_start != NULL_US) | (last.first > grid_from),
        "held_us": np.where(holds, last.t - began, NULL_US),
        "value": last.value,
        "has_value": last.has_value,
        "no_sample": ~event & ~last.has_value,
        "last_sample_us": latest,
    }
    con.register("mrp_result_arrays", arrays)
    try:
        con.execute(sql("triggers/result_from_arrays"), {"null": int(NULL_US)})
    finally:
        con.unregister("mrp_result_arrays")


def _began(
    con: duckdb.DuckDBPyConnection, last: LastSteps, hold: Ints, pairs: int
) -> tuple[Ints, Bools]:
    """When each pair's run began, and whether a run reaching back to the first step is
    known exactly (from its stored state)."""
    stored = con.execute(sql("triggers/stored_seeds"), {"null": int(NULL_US)}).fetchnumpy()
    at = stored["pid"].astype(np.int64)
    state = np.full(pairs, -1, np.int8)
    since = np.full(pairs, NULL_US, np.int64)
    seed = np.full(pairs, NULL_US, np.int64)
    since_exact = np.full(pairs, -1, np.int8)
    own = np.zeros(pairs, np.bool_)
    state[at] = stored["state"]
    since[at] = stored["since"]
    seed[at] = stored["seed"]
    since_exact[at] = stored["since_exact"]
    own[at] = stored["own"]
    pid = last.pid
    agrees = np.select(
        [state[pid] == _OK, state[pid] == _NO_DATA],
        [last.first_cond == 0, last.first_cond == -1],
        last.first_cond == 1,
    )
    seeded = (
        (last.run_start == NULL_US)
        & own[pid]
        & (seed[pid] == last.first)
        & (since[pid] != NULL_US)
        & agrees
    )
    from_seed = np.where(state[pid] == _FIRING, since[pid] - hold, since[pid])
    began = np.where(
        last.run_start != NULL_US, last.run_start, np.where(seeded, from_seed, last.first)
    )
    exact = seeded & (since_exact[pid] != 0)
    return began, exact
