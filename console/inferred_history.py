"""The last deploy of a model with no deployment history, inferred from its metrics.

MLflow keeps no alias history, so on the day a team starts with mrp every model seems to
have always served its current version: no previous_version baseline, no "previous
approved" rollback target, and backtests that judge the old version's samples as the
new one's. The version labels of the stored metrics usually say better: when the serving
version's samples begin after every other version's, that is its deploy (where they began
first, a canary, a shadow or a rollback could all look alike: nothing is inferred). It is
recorded once,
as an observed switch whose actor names it as inferred (history views show it so), and
only for models whose serving alias has no history at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from console.clock import aware_utc
from console.store import sql

INFERRED_ACTOR = "mrp (inferred from metrics)"


@dataclass(frozen=True)
class InferredSwitch:
    model: str
    version: str
    previous_version: str
    switched_at: datetime


def infer_last_deploys(con: duckdb.DuckDBPyConnection, alias: str) -> list[InferredSwitch]:
    """Record the inferred last deploy of every model behind ``alias`` that has no history;
    returns what was recorded (caller owns the transaction)."""
    rows = con.execute(sql("infer_switches"), {"alias": alias, "inferred": INFERRED_ACTOR})
    return [
        InferredSwitch(model, version, previous, aware_utc(at))
        for model, version, previous, at in rows.fetchall()
    ]
