"""Trigger states in the store (``trigger_states``): refreshed after each sync, so that
``mrp status``, the console and CI gates read them without evaluating again.

A refresh continues from the stored states: it evaluates only the previous refresh's step
(again) and the steps since, and carries ``since`` over (``evaluate_at(seeded=True)``), so
its cost grows with the time between syncs and the triggers' windows, not with the stored
history. A trigger with no stored state (the first refresh) is evaluated over the last
``MAX_LOOK_BACK``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from console.clock import aware_utc
from console.policy.loader import load_workspace_policies
from console.settings import Workspace
from console.store import sql
from console.store.queries import statements
from console.triggers.current import evaluate_at, evaluated
from console.triggers.plan import PolicyLike
from console.triggers.types import TriggerState

MAX_LOOK_BACK = timedelta(hours=6)
"""How far back the first refresh looks, so that ``since`` is exact for recent states."""


@dataclass(frozen=True)
class StoredState:
    model: str
    policy: str
    trigger: str
    state: str
    since: datetime | None
    value: float | None
    threshold: float | None
    evaluated_at: datetime


def stored_states(con: duckdb.DuckDBPyConnection) -> list[StoredState]:
    """The states the last refresh wrote."""
    return [
        StoredState(
            model, policy, trigger, state, aware_utc(since), value, threshold, aware_utc(at)
        )
        for model, policy, trigger, state, since, value, threshold, at, _exact in con.execute(
            sql("model_trigger_states")
        ).fetchall()
    ]


def current_states(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    now: datetime,
    *,
    alias: str = "champion",
) -> list[TriggerState]:
    """Every trigger's state at ``now``, continuing from the stored states (see
    ``evaluate_at(seeded=True)``); triggers never stored look ``MAX_LOOK_BACK`` back."""
    return evaluate_at(con, policies, now, alias=alias, seeded=True, look_back=MAX_LOOK_BACK)


def refresh_states(
    con: duckdb.DuckDBPyConnection,
    workspace_or_policies: Workspace | Iterable[PolicyLike],
    now: datetime,
    *,
    alias: str = "champion",
) -> int:
    """Evaluate every trigger at ``now`` and replace ``trigger_states`` with the result
    (one transaction); returns how many states are stored. Given a workspace, its policies
    are loaded (a ``PolicyError`` is raised for invalid ones). Meant as ``sync_workspace``'s
    ``after_write`` callback: it continues from the stored states, and the result goes from
    the engine's tables to the store without becoming Python objects."""
    if isinstance(workspace_or_policies, Workspace):
        policies: list[PolicyLike] = list(load_workspace_policies(workspace_or_policies))
    else:
        policies = list(workspace_or_policies)
    with evaluated(
        con,
        policies,
        now,
        alias=alias,
        seeded=True,
        look_back=MAX_LOOK_BACK,
        store=True,
    ) as done:
        if done is not None:
            return write_states(con, rules_changed=not done.continued)
    con.execute(sql("triggers/forget_states"))
    return 0


def write_states(con: duckdb.DuckDBPyConnection, *, rules_changed: bool = True) -> int:
    """Replace the stored states with the evaluation in ``mrp_result`` (inside the
    evaluation's transaction): stored rows are updated in place, vanished ones deleted, new
    ones inserted; and remember what their serving periods and thresholds were computed from
    (``rule_inputs``). Without ``rules_changed`` (the evaluation continued from the stored
    serving periods and thresholds, so from unchanged inputs), only the outcome columns are
    rewritten. Returns how many are stored."""
    row = con.execute(sql("triggers/store_counts")).fetchone()
    stored, new, stale = row if row else (0, 0, False)
    con.execute(sql("triggers/update_states" if rules_changed else "triggers/update_outcomes"))
    if stale:
        con.execute(sql("triggers/delete_gone_states"))
    if new:
        con.execute(sql("triggers/insert_new_states"))
    if rules_changed:
        for statement in statements("triggers/save_rule_inputs"):
            con.execute(statement)
    return int(stored)
