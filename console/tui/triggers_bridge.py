"""Where the console meets the trigger engine (``console.triggers``): evaluate the policies
as of an instant, and store the states after a sync. Until the engine is available the
console shows the states last stored in ``trigger_states``."""

from __future__ import annotations

from datetime import datetime

import duckdb

from console.fleet import TriggerView
from console.policy.loader import PolicySet
from console.settings import Workspace


def evaluate_views(
    con: duckdb.DuckDBPyConnection, policies: PolicySet, now: datetime
) -> list[TriggerView] | None:
    """Every trigger of every model as of ``now``; None means "use the stored states"."""
    del con, policies, now
    return None


def store_states(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, policies: PolicySet, now: datetime
) -> None:
    """Write the trigger states as of ``now`` (for `mrp status` in another terminal)."""
    del con, workspace, policies, now
