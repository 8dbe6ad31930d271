"""Run the trigger engine's SQL (``queries/triggers/``) over one span of steps.

Each stage is a temporary table built by one named statement:

1. ``load_triggers``, ``load_models``, ``pairs`` (by ``plan.stage``): every model x trigger
   (``pair_settings``: the view ``mrp_pair``, each pair with its trigger's settings). For the
   current state also ``stored_pairs`` (each pair's stored state) and ``rule_inputs`` (a
   fingerprint of what serving periods and thresholds are computed from).
2. ``serving_periods``, ``pair_periods``: which version served when, and the steps
   (multiples of the step since the epoch) of each pair inside each serving period.
3. ``rules``: each period's threshold, baselines included (``baseline_bounds`` bounds the
   history previous_version baselines read; ``save_baselines`` caches them). A seeded
   current-state evaluation takes 2. and 3. from the stored states instead when they still
   hold (``stored_rule_blockers``, ``stored_rules``).
4. ``period_samples``: the samples that count, each in its serving period; only
   ``[data_from, data_to]`` is read, so the cost follows the span, not the history.
5. For a backtest (many steps): latest-sample triggers in one pass (``latest_pairs``,
   ``latest_samples``, ``latest_edges``), or in two when samples share a step
   (``used_samples``); ``window_values`` (window aggregates), ``event_intervals`` (events);
   then ``edges`` and ``segments``: runs of steps with one outcome, read by ``transitions``.
6. For the current state: each pair's last step and its run, by ``last_steps`` (few steps:
   step by step, on arrays) or ``last_from_runs`` (many: from the runs of 5.); then each
   pair's state from them (``current_result``: ``mrp_result``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import duckdb

from console.store import sql
from console.store.queries import statements
from console.triggers.current_result import write_current
from console.triggers.last_steps import last_steps
from console.triggers.pair_arrays import LastSteps, Rules, TriggerSettings
from console.triggers.plan import Plan, stage
from console.triggers.sample_search import Samples
from console.triggers.timeutil import naive

SETTLED_US = 3_600_000_000
"""A previous_version baseline is cached once its switch is this old (1h): by then the
previous version's samples before the switch have arrived."""


def run_pipeline(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    grids: dict[int, tuple[int, int]],
    data_span: tuple[int, int],
    alias: str,
    *,
    current: bool,
    cache_until: int | None = None,
    seeded: bool = False,
) -> bool:
    """Build the engine's tables for ``plan``: ``grids`` gives each trigger's first and last
    step, ``data_span`` the samples read (microseconds). ``current`` ends in ``mrp_result``
    (each pair's state at its last step); otherwise in the runs read by ``transitions``. ``cache_until``: store newly computed previous_version baselines of
    switches up to this instant (needs a writable connection). ``seeded``: the grids start at
    the stored states' step; serving periods and thresholds are then taken from them when they
    still hold (``stored_rules``). Returns whether they were."""
    data_from, data_to = data_span
    stage(con, plan, grids)
    if current:
        _execute(con, "triggers/stored_pairs", {"seeded": seeded})
    if current and seeded:
        _execute(con, "triggers/rule_inputs", {"alias": alias})
    continued = seeded and current and few_steps(plan, grids) and _stored_rules(con, alias, data_to)
    if not continued:
        _execute(con, "triggers/serving_periods", {"alias": alias})
        _execute(con, "triggers/pair_periods")
        lo, hi = _baseline_span(con)
        _execute(con, "triggers/rules", {"lo": lo, "hi": hi})
        if cache_until is not None:
            _execute(con, "triggers/save_baselines", {"settled": cache_until - SETTLED_US})
    span = {"from": naive(data_from), "to": naive(data_to)}
    if current and few_steps(plan, grids):
        _execute(con, "triggers/period_samples", {**span, "windowed_only": False})
        rules = Rules(con)
        settings = TriggerSettings.of(plan)
        samples = Samples(con, plan, settings, rules)
        last = last_steps(con, plan, settings, rules, samples, FEW_STEPS + 1, data_to)
        write_current(con, plan, settings, grids, last, rules, samples)
        return continued
    _execute(con, "triggers/latest_pairs")
    _execute(con, "triggers/latest_samples", {**span, "enabled": True})
    _execute(con, "triggers/latest_edges")
    dirty = con.execute(sql("triggers/latest_edges_dirty")).fetchone()
    one_pass = ONE_PASS and dirty is not None and dirty[0] == 0
    if not one_pass:
        _execute(con, "triggers/latest_samples", {**span, "enabled": False})
        _execute(con, "triggers/latest_edges")
    _execute(con, "triggers/period_samples", {**span, "windowed_only": one_pass and not current})
    _execute(con, "triggers/used_samples", {"enabled": not one_pass})
    _execute(con, "triggers/window_values")
    _execute(con, "triggers/event_intervals", {"to": naive(data_to)})
    _execute(con, "triggers/edges")
    _execute(con, "triggers/segments")
    if current:
        _execute(con, "triggers/last_from_runs")
        rules = Rules(con)
        settings = TriggerSettings.of(plan)
        samples = Samples(con, plan, settings, rules)
        last = LastSteps.from_runs(con, rules)
        write_current(con, plan, settings, grids, last, rules, samples)
    return continued


def _stored_rules(con: duckdb.DuckDBPyConnection, alias: str, to_us: int) -> bool:
    """Take serving periods and thresholds from the stored states when what they were
    computed from is unchanged (``rule_inputs``) and every pair can continue from its stored
    state (``stored_rule_blockers``); False when one cannot."""
    params = {"alias": alias, "to": to_us, "settled_us": SETTLED_US}
    row = con.execute(sql("triggers/stored_rule_blockers"), params).fetchone()
    if row is None or row[0] != 0:
        return False
    for statement in statements("triggers/stored_rules"):
        con.execute(statement)
    return True


ONE_PASS = True
"""Backtest latest-sample triggers in one pass when no two samples share a step (tests turn
this off to check the two-pass way against the same reference)."""

FEW_STEPS = 120
"""Up to this many steps per pair, the current state is evaluated step by step (an ASOF join
and a GROUP BY); beyond, through the backtest's runs (window functions over samples)."""


def few_steps(plan: Plan, grids: dict[int, tuple[int, int]]) -> bool:
    return all((grids[t.tid][1] - grids[t.tid][0]) // t.step_us <= FEW_STEPS for t in plan.triggers)


def use_threads(con: duckdb.DuckDBPyConnection, *, few: bool) -> None:
    """One DuckDB thread (``few``) for a current-state evaluation that continues from the
    stored states over a few steps, DuckDB's default (one per core) for anything else.

    The continued pipeline is ~20 statements over tens of thousands of rows each: a second
    thread costs more in coordination than it brings (benchmarks/results/triggers.md,
    2026-12-02), while a backtest, or a fresh evaluation that reads previous versions'
    history for baselines, needs every core. The setting belongs to the database, not the
    connection (the console holds ``gateway.DB_LOCK`` around all database work, so no
    other query runs meanwhile), and switching it back and forth costs about 15 ms, so it
    is changed only when it differs and never restored: the database keeps the last choice
    until the next evaluation asks."""
    row = con.execute(sql("triggers/threads")).fetchone()
    single = row is not None and int(row[0]) == 1
    if few and not single:
        con.execute(sql("triggers/one_thread"))
    elif not few and single:
        con.execute(sql("triggers/default_threads"))


def _execute(con: duckdb.DuckDBPyConnection, name: str, params: Any = None) -> None:
    """Run the named query file (``queries/<name>.sql``)."""
    query = sql(name)
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


@contextmanager
def one_transaction(con: duckdb.DuckDBPyConnection, *, commit: bool) -> Iterator[None]:
    """One transaction around an evaluation: a refresh's write is atomic with the evaluation
    it stores, and a failure takes the working tables with it in the rollback. Without
    ``commit`` (an evaluation that stores nothing) it always ends in a rollback, which removes
    the working tables at once."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT" if commit else "ROLLBACK")


@contextmanager
def unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Build the working tables without keeping insertion order, then restore the setting:
    the engine orders what it returns itself, and unordered tables are cheaper to build (about
    7% of a 1,000-model current-state evaluation). The setting is the database's, not the
    connection's: callers that share a database across threads (the console) hold one lock
    around database work."""
    row = con.execute(sql("triggers/insertion_order")).fetchone()
    keep = bool(row[0]) if row else True
    con.execute(sql("triggers/set_insertion_order"), {"keep": False})
    try:
        yield
    finally:
        con.execute(sql("triggers/set_insertion_order"), {"keep": keep})
