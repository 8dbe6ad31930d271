"""Which triggers apply to which models, as rows the engine's SQL reads.

Policies select models by name glob, team, risk tier and tags (``console.policy.selection``);
each selected model gets every trigger of the policy. The plan is staged into DuckDB as two
temporary tables from JSON parameters (never as SQL text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any

import duckdb

from console.errors import ConfigError
from console.policy.errors import PolicyError
from console.policy.loader import LoadedPolicy
from console.policy.model import SEVERITY_RANK, RollbackPolicy, Trigger
from console.policy.selection import rollback_conflicts, selects, selects_every_model
from console.store import sql
from console.triggers.timeutil import span_us

PolicyLike = LoadedPolicy | RollbackPolicy


@dataclass(frozen=True)
class PlannedTrigger:
    tid: int
    pol: int
    policy: str
    trigger: Trigger
    step_us: int
    stale_us: int
    no_data: str

    @property
    def hold_us(self) -> int:
        """``for`` rounded up to whole steps: firing from the first step at which the
        condition has held for at least ``for``."""
        held = span_us(self.trigger.for_)
        return -((-held) // self.step_us) * self.step_us

    @property
    def window_us(self) -> int:
        return span_us(self.trigger.window) if self.trigger.window is not None else 0

    @property
    def digest(self) -> str:
        """Everything the trigger's outcome depends on besides the data: a stored state
        evaluated under another digest is not continued."""
        settings = [
            self.trigger.model_dump(mode="json", by_alias=True),
            self.step_us,
            self.stale_us,
            self.no_data,
        ]
        encoded = json.dumps(settings, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()[:16]

    @property
    def reach_us(self) -> int:
        """How far before a step the data it needs may lie."""
        return max(self.window_us, self.stale_us)


@dataclass(frozen=True)
class Plan:
    triggers: tuple[PlannedTrigger, ...]
    models: tuple[tuple[str, int], ...]
    """(model, policy index) for every policy that selects the model."""

    def by_tid(self) -> dict[int, PlannedTrigger]:
        return {t.tid: t for t in self.triggers}

    @cached_property
    def model_names(self) -> tuple[str, ...]:
        """The models, each once, in plan order: a model's index here (idx) numbers its
        pairs (pid = idx * len(triggers) + tid, see ``pairs.sql``)."""
        return tuple(dict.fromkeys(model for model, _ in self.models))

    @property
    def empty(self) -> bool:
        return not self.triggers or not self.models


def as_policies(policies: Iterable[PolicyLike]) -> list[RollbackPolicy]:
    return [p.policy if isinstance(p, LoadedPolicy) else p for p in policies]


def _planned(policies: list[RollbackPolicy]) -> list[PlannedTrigger]:
    planned: list[PlannedTrigger] = []
    for pol, policy in enumerate(policies):
        spec = policy.spec
        step = span_us(spec.evaluation.step)
        if step <= 0:
            raise ConfigError(
                f"policy '{policy.metadata.name}': evaluation.step must be longer than 0s."
            )
        stale = span_us(spec.evaluation.staleness)
        for trigger in spec.triggers:
            no_data = trigger.on_no_data or spec.on_no_data
            planned.append(
                PlannedTrigger(
                    len(planned), pol, policy.metadata.name, trigger, step, stale, no_data
                )
            )
    return planned


def _tags(raw: Any) -> Mapping[str, Any]:
    if isinstance(raw, str):
        return _parsed_tags(raw)
    return raw if isinstance(raw, dict) else {}


@lru_cache(maxsize=4096)
def _parsed_tags(raw: str) -> Mapping[str, Any]:
    """Tags as stored (JSON text); models mostly share a few tag sets, parsed once each."""
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return MappingProxyType(parsed) if isinstance(parsed, dict) else {}


def build_plan(
    con: duckdb.DuckDBPyConnection,
    policies: Iterable[PolicyLike],
    keep: Callable[[str], bool] | None = None,
) -> Plan:
    """The triggers of ``policies`` and the known models each applies to (``keep`` filters
    model names)."""
    given = list(policies)
    chosen = as_policies(given)
    triggers = _planned(chosen)
    selecting = [(pol, p.spec.selector) for pol, p in enumerate(chosen) if p.spec.triggers]
    every = {pol for pol, selector in selecting if selects_every_model(selector)}
    by_tags = any(selector.tags for _, selector in selecting)
    models: list[tuple[str, int]] = []
    shared: dict[tuple[int, ...], str] = {}
    for name, team, tier, raw_tags in con.execute(sql("triggers/models")).fetchall():
        if keep is not None and not keep(name):
            continue
        tags = _tags(raw_tags) if by_tags else {}
        chosen_by = [
            pol
            for pol, selector in selecting
            if pol in every or selects(selector, name, team, tier, tags)
        ]
        models.extend((name, pol) for pol in chosen_by)
        if len(chosen_by) > 1:
            shared.setdefault(tuple(chosen_by), name)
    _refuse_conflicts(shared, given)
    return Plan(tuple(triggers), tuple(models))


def _refuse_conflicts(shared: dict[tuple[int, ...], str], policies: list[PolicyLike]) -> None:
    """Raise ``PolicyError`` when policies that select one model declare different rollback
    settings (what ``mrp policy check`` reports): checked once per set of policies that share
    a model, with the first such model named."""
    problems = []
    for pols, model in shared.items():
        matched = [policies[pol] for pol in pols]
        loaded = [p for p in matched if isinstance(p, LoadedPolicy)]
        if len(loaded) == len(matched):
            problems.extend(rollback_conflicts(model, loaded))
    if problems:
        raise PolicyError(problems)


def glob_filter(pattern: str | None) -> Callable[[str], bool] | None:
    if pattern is None:
        return None
    return lambda name: fnmatchcase(name, pattern)


def trigger_row(t: PlannedTrigger, grid_from: int, grid_to: int, mid: int | None) -> dict[str, Any]:
    trig = t.trigger
    baseline: str | None
    baseline_value: float | None = None
    if trig.baseline is None:
        baseline = None
    elif isinstance(trig.baseline, str):
        baseline = trig.baseline
    else:
        baseline, baseline_value = "number", float(trig.baseline)
    return {
        "tid": t.tid,
        "pol": t.pol,
        "policy": t.policy,
        "name": trig.name,
        "kind": trig.kind,
        "metric": trig.metric,
        "mid": mid,
        "op": trig.op,
        "threshold": trig.threshold,
        "agg": trig.aggregate,
        "window_us": t.window_us,
        "baseline": baseline,
        "baseline_value": baseline_value,
        "relative": trig.degradation_is_relative,
        "degradation": trig.degradation_amount,
        "hold_us": t.hold_us,
        "step_us": t.step_us,
        "stale_us": t.stale_us,
        "event": trig.event,
        "min_rank": SEVERITY_RANK[trig.min_severity],
        "no_data": t.no_data,
        "grid_from": grid_from,
        "grid_to": grid_to,
        "digest": t.digest,
    }


def stage(con: duckdb.DuckDBPyConnection, plan: Plan, grids: dict[int, tuple[int, int]]) -> None:
    """Write the plan into the engine's temporary input tables (then ``pairs`` numbers the
    pairs and series from the indexes given here)."""
    metrics = sorted({t.trigger.metric for t in plan.triggers if t.trigger.metric is not None})
    mids = {metric: index for index, metric in enumerate(metrics)}
    rows = [
        trigger_row(t, *grids[t.tid], None if t.trigger.metric is None else mids[t.trigger.metric])
        for t in plan.triggers
    ]
    con.execute(sql("triggers/load_triggers"), [json.dumps(rows)])
    index = {model: idx for idx, model in enumerate(plan.model_names)}
    models = [{"model": model, "idx": index[model], "pol": pol} for model, pol in plan.models]
    con.execute(sql("triggers/load_models"), [json.dumps(models)])
    con.execute(
        sql("triggers/pairs"), {"triggers": len(plan.triggers), "metrics": max(len(metrics), 1)}
    )
    con.execute(sql("triggers/pair_settings"))
