"""Which metrics a rollback candidate is shown with: first the metric of each trigger that
fired (beside its value now), so the versions compare on what went wrong; with none, the
version's first metrics by name. One choice for the console's target step and the
candidate lines of ``mrp rollback``; each face writes the numbers its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from console.policy.loader import PolicySet
from console.policy.selection import triggers_for
from console.runbook.facts import ModelFacts
from console.runbook.model import Candidate, Evidence


class MetricTrigger(Protocol):
    """A trigger as evaluated now, with the metric it watches (None: an event trigger)."""

    @property
    def policy(self) -> str: ...
    @property
    def trigger(self) -> str: ...
    @property
    def metric(self) -> str | None: ...
    @property
    def value(self) -> float | None: ...


@dataclass(frozen=True)
class LiveTrigger:
    policy: str
    trigger: str
    metric: str | None
    value: float | None


@dataclass(frozen=True)
class FiredMetric:
    """The metric of a trigger that brought the runbook about, and its value now."""

    metric: str
    now: float | None


@dataclass(frozen=True)
class ShownMetric:
    """One metric of a candidate: its mean over the last hour the version served, and
    (for a fired trigger's metric) its value now."""

    metric: str
    then: float | None
    now: float | None = None


def live_triggers(evidence: Evidence, facts: ModelFacts, policies: PolicySet) -> list[LiveTrigger]:
    """The evidence's triggers with the metric each watches, as the model's policies say
    (for a face that has no live trigger views: the evidence is taken now)."""
    watched = {
        (loaded.name, trigger.name): trigger.metric
        for loaded, trigger in triggers_for(
            facts.name, facts.team, facts.risk_tier, facts.tags, policies
        )
    }
    return [
        LiveTrigger(t.policy, t.trigger, watched.get((t.policy, t.trigger)), t.value)
        for t in evidence.triggers
    ]


def fired_metrics(
    evidence: Evidence | None, live: Iterable[MetricTrigger], candidates: Sequence[Candidate]
) -> tuple[FiredMetric, ...]:
    """The metrics of the triggers firing when the runbook was opened (else of those not
    ok), each once, with the live trigger's value (else the one recorded then); a trigger
    without a metric or without data then and now (an event) is left out."""
    if evidence is None:
        return ()
    fired = evidence.firing or tuple(t for t in evidence.triggers if t.state != "ok")
    views = {(v.policy, v.trigger): v for v in live}
    found: dict[str, float | None] = {}
    for trigger in fired:
        view = views.get((trigger.policy, trigger.trigger))
        if view is None or view.metric is None or view.metric in found:
            continue
        now = trigger.value if view.value is None else view.value
        if now is not None or any(view.metric in c.metrics for c in candidates):
            found[view.metric] = now
    return tuple(FiredMetric(metric, now) for metric, now in found.items())


def shown_metrics(
    candidate: Candidate, fired: Sequence[FiredMetric], others: int
) -> list[ShownMetric]:
    """The fired metrics (a version without data for one shows it as None), then up to
    ``others`` of the version's remaining metrics by name."""
    shown = [ShownMetric(f.metric, candidate.metrics.get(f.metric), f.now) for f in fired]
    named = {f.metric for f in fired}
    rest = [(k, v) for k, v in sorted(candidate.metrics.items()) if k not in named]
    return shown + [ShownMetric(k, v) for k, v in rest[:others]]


def metrics_text(
    shown: Sequence[ShownMetric], number: Callable[[float | None], str], space: str = " "
) -> str:
    """``accuracy 0.9491 (now 0.8196), auc 0.91``; ``-`` for none. ``space`` goes between
    a metric's words (a face that wraps may keep them on one line)."""
    return (
        ", ".join(
            f"{m.metric}{space}{number(m.then)}"
            + ("" if m.now is None else f"{space}(now{space}{number(m.now)})")
            for m in shown
        )
        or "-"
    )
