"""Where the console meets the trigger engine (``console.triggers``): evaluate the policies
as of an instant (read-only), as the console's own view of the fleet. Stored states
(``trigger_states``, written by ``mrp sync``) are the fallback and the quick first paint."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

import duckdb

from console.clock import format_duration
from console.fleet import TriggerView
from console.policy.loader import PolicySet
from console.policy.model import Trigger
from console.triggers.state import current_states

Evaluator = Callable[
    [duckdb.DuckDBPyConnection, PolicySet, datetime, str], list[TriggerView] | None
]
"""(connection, policies, instant, serving alias) -> trigger views, or None for stored."""


def stored_states(
    con: duckdb.DuckDBPyConnection, policies: PolicySet, now: datetime, alias: str
) -> list[TriggerView] | None:
    """An evaluator that always shows the stored states (tests, and a console that must not
    evaluate)."""
    del con, policies, now, alias
    return None


def evaluate_views(
    con: duckdb.DuckDBPyConnection, policies: PolicySet, now: datetime, alias: str
) -> list[TriggerView] | None:
    """Every trigger of every model as of ``now``, from the trigger engine: continuing from
    the states ``mrp sync`` stored when they are recent, else looking six hours back."""
    measures = {(loaded.name, t.name): measure(t) for loaded in policies for t in loaded.triggers}
    return [
        TriggerView(
            model=s.model,
            policy=s.policy,
            trigger=s.trigger,
            state=s.state,
            since=s.since,
            value=s.value,
            threshold=s.threshold,
            kind=s.kind,
            metric=s.metric,
            op=s.op,
            baseline=s.baseline,
            severity=s.severity,
            action=s.action,
            for_=s.for_,
            held_for=s.held_for,
            reason=s.reason,
            since_exact=s.since_exact,
            measure=measures.get((s.policy, s.trigger)),
        )
        for s in current_states(con, policies, now, alias=alias)
    ]


def measure(trigger: Trigger) -> str | None:
    """``avg 15m`` for a trigger that compares a window's aggregate; None for the newest
    sample."""
    if trigger.aggregate == "last" or trigger.window is None:
        return None
    return f"{trigger.aggregate} {format_duration(trigger.window)}"


def with_definitions(views: Iterable[TriggerView], policies: PolicySet) -> list[TriggerView]:
    """Stored states carry no definition: add metric, kind, op, ``for``, severity and action
    from the policy that declares each trigger (when it still does)."""
    result = []
    for view in views:
        loaded = policies.get(view.policy)
        trigger = None
        if loaded is not None:
            trigger = next((t for t in loaded.triggers if t.name == view.trigger), None)
        if trigger is None:
            result.append(view)
            continue
        result.append(
            replace(
                view,
                kind=trigger.kind,
                metric=trigger.metric or trigger.event,
                op=trigger.op,
                severity=trigger.severity,
                action=trigger.action,
                for_=trigger.for_,
                measure=measure(trigger),
            )
        )
    return result
