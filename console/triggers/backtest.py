"""Backtesting: replay the policies over stored history and return every state change.

By default the replay covers all stored history of the selected models: from the first
sample or event to the last. Before its first step a trigger is ``ok``, so one that is
``pending`` or ``firing`` at the first step shows ``ok -> pending`` (or ``ok -> firing``)
there, as Prometheus would; but a first step without data is no change (nothing was known
before the history began either), so a trigger that begins in ``no_data`` shows no
transition until its state first changes (``no_data -> ok``, ...), and one with no data at
any step of the span shows none at all: ``Replay.coverage`` says, per pair, how many steps
had data, so a summary can still name it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from console.store import sql
from console.store.rows import fetch_rows
from console.triggers.engine import drop_tables, run_pipeline, use_threads
from console.triggers.plan import Plan, PolicyLike, build_plan, glob_filter
from console.triggers.timeutil import ceil_step, floor_step, from_us, to_us
from console.triggers.types import Transition


@dataclass(frozen=True)
class Coverage:
    """How much of a replay one trigger of one model had data for, in evaluation steps."""

    model: str
    policy: str
    trigger: str
    metric: str | None
    """The metric watched; None for an event trigger (which always has data)."""
    steps: int
    """Steps evaluated (0: the model did not serve during the span)."""
    no_sample: int
    """Steps without a fresh sample (or, for a window aggregate, an empty window)."""
    no_baseline: int
    """Steps without a baseline (a baseline trigger's whole serving period)."""
    no_data: int
    """Steps with nothing to compare: no sample or no baseline, whatever ``on_no_data`` made
    of them (so also when it counted them as ok or firing)."""
    event: str | None = None
    """The event kind watched; None for a metric trigger."""


@dataclass(frozen=True)
class Replay:
    """A backtest: the span replayed and every transition in it, in time order."""

    start: datetime | None
    end: datetime | None
    transitions: tuple[Transition, ...]
    coverage: tuple[Coverage, ...] = ()
    """Every pair the policies select (also those without any transition), in the policies'
    and their triggers' order, then by model, with the steps it had data for; empty when
    asked not to read it."""


def backtest(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    start: datetime | None = None,
    end: datetime | None = None,
    model_glob: str | None = None,
    *,
    alias: str = "champion",
) -> list[Transition]:
    """Every transition of every trigger of every model (matching ``model_glob``) between
    ``start`` and ``end`` (default: all stored history), in time order."""
    return list(
        replay(con, policies, start, end, model_glob, alias=alias, coverage=False).transitions
    )


def replay(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    start: datetime | None = None,
    end: datetime | None = None,
    model_glob: str | None = None,
    *,
    alias: str = "champion",
    coverage: bool = True,
) -> Replay:
    """``backtest`` with the span it replayed and, unless ``coverage`` is false, how many
    steps each pair had data for (for summaries)."""
    plan = build_plan(con, policies, glob_filter(model_glob))
    if plan.empty:
        return Replay(start, end, ())
    known = start is not None and end is not None
    first, last = (None, None) if known else _history_bounds(con, plan)
    start_us = to_us(start) if start is not None else first
    end_us = to_us(end) if end is not None else last
    if start_us is None or end_us is None or end_us < start_us:
        return Replay(start, end, ())
    try:
        grids = {
            t.tid: (ceil_step(max(start_us, 0), t.step_us), floor_step(end_us, t.step_us))
            for t in plan.triggers
        }
        data_from = min(grids[t.tid][0] - t.reach_us for t in plan.triggers)
        use_threads(con, few=False)
        run_pipeline(con, plan, grids, (max(data_from, 0), end_us), alias, current=False)
        rows = fetch_rows(con.execute(sql("triggers/transitions")))
        covered = con.execute(sql("triggers/replay_coverage")).fetchall() if coverage else []
    finally:
        drop_tables(con)
    by_tid = plan.by_tid()
    transitions = tuple(
        Transition(
            model=str(model),
            trigger=by_tid[int(tid)].trigger.name,
            at=from_us(int(at_us)),
            from_state=from_state,
            to_state=to_state,
            value=None if value is None else float(value),
            policy=by_tid[int(tid)].policy,
        )
        for model, tid, at_us, from_state, to_state, value in rows
    )
    pairs = tuple(
        Coverage(
            str(model),
            t.policy,
            t.trigger.name,
            t.trigger.metric,
            int(steps),
            int(no_sample),
            int(no_baseline),
            int(no_data),
            t.trigger.event,
        )
        for model, tid, steps, no_sample, no_baseline, no_data in covered
        for t in (by_tid[int(tid)],)
    )
    return Replay(from_us(start_us), from_us(end_us), transitions, pairs)


def _history_bounds(con: duckdb.DuckDBPyConnection, plan: Plan) -> tuple[int | None, int | None]:
    models = sorted({model for model, _pol in plan.models})
    row = con.execute(sql("triggers/history_bounds"), [json.dumps(models)]).fetchone()
    if row is None or row[0] is None:
        return None, None
    return to_us(row[0]), to_us(row[1])
