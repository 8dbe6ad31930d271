"""Everything a runbook step works with: the workspace, its clock, policies, store and log,
and the three outside calls (evaluate triggers, refresh from the sources, pick an executor)
as plain callables, so tests and the demo can supply their own."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from console.audit.log import AuditLog
from console.clock import Clock
from console.errors import MrpError
from console.policy.loader import LoadedPolicy, PolicySet, load_workspace_policies
from console.policy.model import Rollback
from console.policy.selection import policies_for, rollback_for
from console.runbook.evidence import Evaluator, Reading, engine_evaluator
from console.runbook.executors import ExecutorChoice, choose_executor
from console.runbook.facts import ModelFacts, read_facts
from console.runbook.store import RunbookStore, workspace_log
from console.runbook.verify import Refresh
from console.settings import Workspace
from console.store.db import LOCK_WAIT_SECONDS

ExecutorPicker = Callable[[str, str | None], ExecutorChoice]
"""(mechanism, the model's source) → the executor, or why there is none."""


def _sync(workspace: Workspace) -> Refresh:
    def refresh() -> list[tuple[str, str]]:
        from console.sources.sync import sync_workspace

        return [(o.source, o.error) for o in sync_workspace(workspace) if o.error is not None]

    return refresh


@dataclass
class Env:
    workspace: Workspace
    clock: Clock
    policies: PolicySet
    evaluate: Evaluator
    refresh: Refresh
    pick_executor: ExecutorPicker
    sleep: Callable[[float], None] = time.sleep
    alias: str = "champion"
    guard: AbstractContextManager[Any] = field(default_factory=nullcontext)
    """Held around every use of the state database (the console passes its own lock:
    DuckDB refuses mixed connections to one file inside one process)."""
    store: RunbookStore = field(init=False)
    log: AuditLog = field(init=False)

    def __post_init__(self) -> None:
        self.store = RunbookStore(self.workspace.runbooks_dir)
        self.log = workspace_log(self.workspace, self.store)  # held to the runbooks' seqs

    @classmethod
    def for_workspace(
        cls, workspace: Workspace, clock: Clock | None = None, policies: PolicySet | None = None
    ) -> Env:
        loaded = policies if policies is not None else load_workspace_policies(workspace)
        return cls(
            workspace=workspace,
            clock=clock or workspace.clock(),
            policies=loaded,
            evaluate=engine_evaluator(workspace, loaded),
            refresh=_sync(workspace),
            pick_executor=lambda mechanism, source: choose_executor(workspace, mechanism, source),
            alias=_serving_alias(workspace),
        )

    def now(self) -> datetime:
        """The instant the data is read at (evidence, checks, verification windows)."""
        return self.clock.now()

    def stamp(self) -> datetime:
        """The instant a decision is recorded at (runbook steps, audit records)."""
        return self.clock.stamp()

    def facts(self, model: str, wait: float = LOCK_WAIT_SECONDS) -> ModelFacts:
        """What the state database knows about ``model`` now (``wait``: how long to wait
        for a database another process holds)."""
        with self.guard:
            return read_facts(self.workspace, model, self.alias, self.now(), wait)

    def readings(self, facts: ModelFacts, at: datetime) -> list[Reading]:
        with self.guard:
            return self.evaluate(facts, at)

    def sync(self) -> list[tuple[str, str]]:
        """Sync the sources: the source and error of each whose sync failed."""
        with self.guard:
            return list(self.refresh() or ())

    def matched(self, facts: ModelFacts) -> list[LoadedPolicy]:
        return policies_for(facts.name, facts.team, facts.risk_tier, facts.tags, self.policies)

    def rollback(self, facts: ModelFacts) -> tuple[Rollback, LoadedPolicy]:
        """The rollback procedure for the model, and the policy that declares it."""
        settings = rollback_for(facts.name, facts.team, facts.risk_tier, facts.tags, self.policies)
        declaring = [p for p in self.matched(facts) if p.rollback is not None]
        if settings is None or not declaring:
            raise MrpError(
                f"no policy declares a rollback procedure for {facts.name}: add a "
                f"'rollback:' section to a policy that selects it ({self.workspace.policies_dir})."
            )
        return settings, declaring[0]

    def staleness(self, facts: ModelFacts) -> timedelta:
        spans = [p.policy.spec.evaluation.staleness for p in self.matched(facts)]
        return max(spans, default=timedelta(minutes=5))

    def step(self, facts: ModelFacts) -> timedelta:
        spans = [p.policy.spec.evaluation.step for p in self.matched(facts)]
        return min(spans, default=timedelta(minutes=1))


def _serving_alias(workspace: Workspace) -> str:
    for config in workspace.config.sources.values():
        alias = getattr(config, "serving_alias", None)
        if isinstance(alias, str):
            return alias
    return "champion"
