"""Run the trigger engine's SQL (``queries/triggers/``) over one span of steps.

The pipeline, each step a temporary table built by one named statement:

1. ``load_triggers``, ``load_models``, ``pairs``: the plan (every model x trigger).
2. ``serving_periods``, ``pair_periods``: which version served when, and the steps
   (multiples of the step since the epoch) of each pair inside each serving period.
3. ``thresholds``, ``rules``: each period's threshold (baselines included).
4. ``series``, ``period_samples``: the samples that count, each in its serving period;
   only ``[data_from, data_to]`` is read, so the cost follows the span, not the history.
5. ``used_samples`` (latest sample), ``window_values`` (window aggregates),
   ``event_intervals`` (events): what each step sees.
6. ``edges``, ``segments``: runs of steps with one outcome, and where each run starts.

``transitions`` and ``current_states`` then read the runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from console.store import sql
from console.store.queries import statements
from console.triggers.plan import Plan, stage
from console.triggers.timeutil import naive


def run_pipeline(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    grids: dict[int, tuple[int, int]],
    data_from: int,
    data_to: int,
    alias: str,
) -> None:
    """Build the engine's tables for ``plan``: ``grids`` gives each trigger's first and last
    step, ``data_from``/``data_to`` the span of samples read (microseconds)."""
    stage(con, plan, grids)
    _execute(con, "pairs")
    _execute(con, "serving_periods", {"alias": alias})
    _execute(con, "pair_periods")
    _execute(con, "series")
    lo, hi = _baseline_span(con)
    _execute(con, "thresholds", {"lo": lo, "hi": hi})
    _execute(con, "rules")
    _execute(con, "period_samples", {"from": naive(data_from), "to": naive(data_to)})
    _execute(con, "used_samples")
    _execute(con, "window_values")
    _execute(con, "event_intervals", {"to": naive(data_to)})
    _execute(con, "edges")
    _execute(con, "segments")


def _execute(con: duckdb.DuckDBPyConnection, name: str, params: Any = None) -> None:
    query = sql(f"triggers/{name}")
    if params is None:
        con.execute(query)
    else:
        con.execute(query, params)


def _baseline_span(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """The span previous_version baselines read: a separate, bounded read of history."""
    row = con.execute(sql("triggers/baseline_bounds")).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return None, None
    return naive(max(int(row[0]), 0)), naive(int(row[1]))


def drop_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in statements("triggers/drop_temp"):
        con.execute(statement)
