"""Before anything is written: what a rollback of a model would look like right now.

``plan`` only reads (the store, the trigger engine, the executor's read-back), so a face can
show the evidence, the target and the pre-checks, ask its questions, and refuse a wrong
answer before the runbook exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.errors import MrpError
from console.policy.model import Rollback
from console.runbook.env import Env
from console.runbook.evidence import snapshot
from console.runbook.executors import ExecutorChoice
from console.runbook.facts import ModelFacts
from console.runbook.model import CheckResult, Evidence, Runbook, TargetChoice, confirmation_phrase
from console.runbook.prechecks import CheckInput, run_checks
from console.runbook.target import choose


@dataclass(frozen=True)
class Plan:
    model: str
    at: datetime
    facts: ModelFacts
    rollback: Rollback
    policy: str
    evidence: Evidence
    target: TargetChoice
    executor: ExecutorChoice
    open_runbook: Runbook | None
    """The runbook already in flight for this model (a second engineer joins it)."""

    @property
    def dry_run_only(self) -> bool:
        return self.executor.executor is None

    def phrase(self, version: str | None = None) -> str:
        return confirmation_phrase(self.model, version or self.target.chosen)


def plan(env: Env, model: str, to: str | None = None) -> Plan:
    now = env.now()
    facts = env.facts(model)
    rollback, declaring = env.rollback(facts)
    evidence = snapshot(facts, env.readings(facts, now), env.policies, now)
    choice = choose(facts, rollback.target, to)
    return Plan(
        model=model,
        at=now,
        facts=facts,
        rollback=rollback,
        policy=declaring.name,
        evidence=evidence,
        target=choice,
        executor=env.pick_executor(rollback.mechanism, facts.source),
        open_runbook=env.store.open_for(model),
    )


def check_inputs(
    env: Env,
    facts: ModelFacts,
    rollback: Rollback,
    target: str,
    from_version: str | None,
    dry_run: bool,
    live: ExecutorChoice | None = None,
) -> CheckInput:
    """The pre-checks' inputs; a real rollback reads the alias back from its executor."""
    live_serving: str | None = None
    live_source: str | None = None
    executor = None if dry_run or live is None else live.executor
    if executor is not None:
        live_serving = executor.current(facts.name, facts.alias)
        live_source = executor.source
    earlier = tuple(r for r in env.store.all() if r.model == facts.name)
    return CheckInput(
        facts=facts,
        target=target,
        from_version=from_version,
        rollback=rollback,
        now=env.now(),
        staleness=env.staleness(facts),
        live_serving=live_serving,
        live_source=live_source,
        earlier=earlier,
    )


def preview_checks(
    env: Env, found: Plan, target: str, dry_run: bool, opened: Runbook | None = None
) -> tuple[CheckResult, ...]:
    """The pre-checks the target would get now (nothing is recorded): in a new runbook, or in
    ``opened``, which set out to replace the version it recorded."""
    if not target:
        raise MrpError(
            f"no version of {found.model} is eligible as a rollback target under the policy's "
            f"'{found.rollback.target}' rule; name one with --to VERSION."
        )
    given = check_inputs(
        env,
        found.facts,
        found.rollback,
        target,
        found.facts.serving_version if opened is None else opened.from_version,
        dry_run,
        found.executor,
    )
    return run_checks(given)
