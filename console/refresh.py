"""Sync, then re-evaluate: the one step `mrp sync`, cron jobs and CI gates run.

Policies are read before any source is contacted, so an invalid policy is reported without
delaying the data: the sources still sync, stored trigger states are left as they were,
and the caller reports the policy problem. The same holds for policies that only turn out
invalid together, for a model the sync brought (conflicting rollback settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from console.errors import ConfigError, MrpError
from console.inferred_history import InferredSwitch, infer_last_deploys
from console.policy.loader import PolicySet, load_workspace_policies
from console.settings import Workspace
from console.sources.sync import Progress, SyncOutcome, sync_workspace
from console.triggers.state import refresh_states


@dataclass(frozen=True)
class RefreshReport:
    outcomes: list[SyncOutcome]
    policy_error: MrpError | None
    triggers: int
    inferred: tuple[InferredSwitch, ...] = ()
    """Last deploys of models without history, inferred from their metrics in this sync."""


def sync_and_refresh(
    workspace: Workspace, only: str | None = None, progress: Progress | None = None
) -> RefreshReport:
    policies: PolicySet | None = None
    policy_error: MrpError | None = None
    try:
        policies = load_workspace_policies(workspace)
    except MrpError as error:
        policy_error = error
    evaluated: list[int] = []
    inferred: list[InferredSwitch] = []

    def after_write(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
        nonlocal policy_error
        inferred.extend(infer_last_deploys(con, workspace.serving_alias))
        if policies is not None:
            try:
                evaluated.append(refresh_states(con, list(policies), now))
            except ConfigError as error:  # policies that conflict for a model just synced
                policy_error = error

    outcomes = sync_workspace(workspace, only=only, progress=progress, after_write=after_write)
    return RefreshReport(outcomes, policy_error, sum(evaluated), tuple(inferred))
