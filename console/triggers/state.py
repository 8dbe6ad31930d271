"""Trigger states in the store (``trigger_states``): refreshed after each sync, so that
``mrp status``, the console and CI gates read them without evaluating again.

A refresh evaluates only the steps since the previous refresh (at most ``MAX_LOOK_BACK``)
plus what ``for`` needs, and carries ``since`` over from the stored state when the state
has not changed since then: the cost grows with the evaluation window and the time between
syncs, not with the stored history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import duckdb

from console.policy.loader import load_workspace_policies
from console.settings import Workspace
from console.store import sql
from console.triggers.current import evaluate_at
from console.triggers.plan import PolicyLike
from console.triggers.types import TriggerState

MAX_LOOK_BACK = timedelta(hours=6)
"""How far back a refresh re-evaluates to keep ``since`` exact across syncs."""


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


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def stored_states(con: duckdb.DuckDBPyConnection) -> list[StoredState]:
    """The states the last refresh wrote."""
    return [
        StoredState(
            model, policy, trigger, state, _aware(since), value, threshold, at.replace(tzinfo=UTC)
        )
        for model, policy, trigger, state, since, value, threshold, at in con.execute(
            sql("triggers/stored_states")
        ).fetchall()
    ]


def with_stored_since(
    states: Sequence[TriggerState], stored: Iterable[StoredState]
) -> list[TriggerState]:
    """``states`` with ``since`` taken from the stored state where the stored evaluation lies
    inside the run the new evaluation saw (same state, at or after the run's first step seen):
    the state has then held since the stored ``since``."""
    known = {(s.model, s.trigger): s for s in stored}
    merged = []
    for state in states:
        old = known.get((state.model, state.trigger))
        if (
            not state.since_exact
            and old is not None
            and old.state == state.state
            and old.since is not None
            and state.since is not None
            and old.since < state.since
            and state.since <= old.evaluated_at <= state.at
        ):
            held = state.held_for
            if state.state == "pending":
                held = state.at - old.since
            elif state.state == "firing":
                held = state.at - old.since + state.for_
            state = replace(state, since=old.since, held_for=held, since_exact=True)
        merged.append(state)
    return merged


def look_back(stored: Sequence[StoredState], now: datetime) -> timedelta | None:
    """How far back to evaluate so that ``since`` stays exact: to the previous refresh, or
    ``MAX_LOOK_BACK`` for the first one (None when the previous one is too long ago)."""
    if not stored:
        return MAX_LOOK_BACK
    last = max(s.evaluated_at for s in stored)
    gap = now - last
    if gap < timedelta(0) or gap > MAX_LOOK_BACK:
        return None
    return gap


def current_states(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    now: datetime,
    *,
    alias: str = "champion",
) -> list[TriggerState]:
    """Every trigger's state at ``now``, with ``since`` carried over from the store."""
    stored = stored_states(con)
    states = evaluate_at(con, policies, now, alias=alias, look_back=look_back(stored, now))
    return with_stored_since(states, stored)


def refresh_states(
    con: duckdb.DuckDBPyConnection,
    workspace_or_policies: Workspace | Iterable[PolicyLike],
    now: datetime,
    *,
    alias: str = "champion",
) -> list[TriggerState]:
    """Evaluate every trigger at ``now`` and replace ``trigger_states`` with the result
    (one transaction). Given a workspace, its policies are loaded (a ``PolicyError`` is
    raised for invalid ones). Meant as ``sync_workspace``'s ``after_write`` callback."""
    if isinstance(workspace_or_policies, Workspace):
        policies: list[PolicyLike] = list(load_workspace_policies(workspace_or_policies))
    else:
        policies = list(workspace_or_policies)
    states = current_states(con, policies, now, alias=alias)
    write_states(con, states)
    return states


def write_states(con: duckdb.DuckDBPyConnection, states: Sequence[TriggerState]) -> None:
    rows = []
    seen: set[tuple[str, str]] = set()
    for s in states:
        if (s.model, s.trigger) in seen:  # two policies naming a trigger alike: the first wins
            continue
        seen.add((s.model, s.trigger))
        rows.append(
            {
                "model": s.model,
                "policy": s.policy,
                "trigger": s.trigger,
                "state": s.state,
                "since": _naive(s.since),
                "value": s.value,
                "threshold": s.threshold,
                "evaluated_at": _naive(s.at),
            }
        )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(sql("triggers/clear_states"))
        if rows:
            con.execute(sql("triggers/insert_states"), [json.dumps(rows)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _naive(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None).isoformat()
