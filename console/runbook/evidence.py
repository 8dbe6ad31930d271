"""Trigger readings for one model, and the evidence snapshot a runbook records.

The runbook asks the trigger engine (``console.triggers.evaluate_at``) for the state of a
model's triggers as of an instant. The evaluator is a plain callable so tests and the demo
can supply their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from console.clock import aware_utc, format_time
from console.policy.loader import PolicySet
from console.policy.selection import triggers_for
from console.runbook.facts import ModelFacts
from console.runbook.model import Evidence, TriggerEvidence
from console.settings import Workspace
from console.store import connect
from console.triggers import evaluate_at


@dataclass(frozen=True)
class Reading:
    """One trigger of one model as evaluated at an instant."""

    policy: str
    trigger: str
    state: str
    since: datetime | None = None
    value: float | None = None
    threshold: float | None = None
    version: str | None = None
    """The version serving behind the alias at the step evaluated (None: not known)."""
    last_sample: datetime | None = None
    """The latest sample of that version the evaluation looked at."""
    step: datetime | None = None
    """The evaluation step the state is of (the last at or before the instant asked)."""
    kind: str | None = None
    """``threshold``, ``baseline`` or ``event``."""
    reason: str | None = None
    """Why the state is not decided by samples (no data, no baseline); None when it is."""
    since_exact: bool = True
    """False: the state already held at the first step looked at; it began at or before
    ``since`` (as ``mrp evaluate`` marks it, ``<=``)."""


LOOK_BACK = timedelta(hours=6)
"""How far back an evaluation looks so that a state's ``since`` is exact."""

Evaluator = Callable[[ModelFacts, datetime], list[Reading]]
"""(model facts, instant) → the state of each of the model's triggers at that instant."""


def engine_evaluator(workspace: Workspace, policies: PolicySet) -> Evaluator:
    """The trigger engine over the state database."""

    def evaluate(facts: ModelFacts, at: datetime) -> list[Reading]:
        with connect(workspace.db_path, read_only=True) as con:
            return _evaluate(con, policies, facts.name, facts.alias, at)

    return evaluate


def _evaluate(
    con: duckdb.DuckDBPyConnection, policies: PolicySet, model: str, alias: str, at: datetime
) -> list[Reading]:
    return [
        Reading(
            s.policy,
            s.trigger,
            s.state,
            aware_utc(s.since),
            s.value,
            s.threshold,
            s.version,
            aware_utc(s.last_sample_ts),
            aware_utc(s.at),
            s.kind,
            s.reason,
            s.since_exact,
        )
        for s in evaluate_at(con, policies, at, alias=alias, models=[model], look_back=LOOK_BACK)
        if s.model == model
    ]


def snapshot(
    facts: ModelFacts, readings: list[Reading], policies: PolicySet, at: datetime
) -> Evidence:
    """The evidence a runbook records: serving version, data age and every trigger."""
    known = {
        trigger.name: trigger
        for _loaded, trigger in triggers_for(
            facts.name, facts.team, facts.risk_tier, facts.tags, policies
        )
    }
    triggers = tuple(
        TriggerEvidence(
            policy=r.policy,
            trigger=r.trigger,
            state=r.state,
            since=r.since,
            since_exact=r.since_exact,
            value=r.value,
            threshold=r.threshold,
            severity=known[r.trigger].severity if r.trigger in known else None,
            action=known[r.trigger].action if r.trigger in known else None,
        )
        for r in sorted(readings, key=lambda r: (_rank(r.state), r.trigger))
    )
    return Evidence(
        at=at,
        serving_version=facts.serving_version,
        serving_since=facts.serving_since,
        last_sample=facts.last_sample,
        triggers=triggers,
    )


_RANK = {"firing": 0, "pending": 1, "no_data": 2, "ok": 3}


def _rank(state: str) -> int:
    return _RANK.get(state, 4)


def evidence_details(evidence: Evidence) -> dict[str, Any]:
    """The evidence as audit details: the serving version and every non-ok trigger."""
    return {
        "serving_version": evidence.serving_version,
        "evidence_at": format_time(evidence.at),
        "last_sample": None if evidence.last_sample is None else format_time(evidence.last_sample),
        "triggers": [
            {
                "policy": t.policy,
                "trigger": t.trigger,
                "state": t.state,
                "value": t.value,
                "threshold": t.threshold,
                "since": None if t.since is None else format_time(t.since),
                "since_exact": t.since_exact,
            }
            for t in evidence.triggers
            if t.state != "ok"
        ],
    }
