"""What the state database knows about one model, read in one short-lived connection.

The runbook never holds the database open: each step reads the facts it needs here (a
read-only connection for one operation) and works on the immutable result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from console.clock import aware_utc, naive_utc
from console.errors import MrpError
from console.settings import Workspace
from console.store import connect, sql
from console.store.db import LOCK_WAIT_SECONDS

METRIC_SPAN = timedelta(hours=1)
"""How long before a version was replaced its metrics are summarised over."""


@dataclass(frozen=True)
class VersionFacts:
    version: str
    status: str | None
    created_at: datetime | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def effective_status(self) -> str | None:
        """A ``status`` (or ``approval``) tag overrides the registry's own status: MLflow's
        is only READY/PENDING/FAILED, so teams mark approval with a tag."""
        return self.tags.get("status") or self.tags.get("approval") or self.status


@dataclass(frozen=True)
class Switch:
    version: str
    previous_version: str | None
    at: datetime
    actor: str | None


@dataclass(frozen=True)
class ModelFacts:
    name: str
    team: str | None
    risk_tier: str | None
    tags: dict[str, Any]
    source: str
    alias: str
    serving_version: str | None
    serving_since: datetime | None
    serving_source: str | None
    versions: tuple[VersionFacts, ...]
    switches: tuple[Switch, ...]
    last_sample: datetime | None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    """version → metric → mean over the last hour it served before it was replaced."""

    def version(self, version: str) -> VersionFacts | None:
        return next((v for v in self.versions if v.version == version), None)

    def served(self, version: str) -> tuple[datetime | None, datetime | None]:
        """When ``version`` last started and stopped serving behind the alias. The version
        the first recorded switch replaced served until that switch, from before the history
        (start None), as the trigger engine's serving periods have it."""
        start: datetime | None = None
        end: datetime | None = None
        first = self.switches[0] if self.switches else None
        if first is not None and first.previous_version == version and first.version != version:
            end = first.at
        for switch in self.switches:
            if switch.version == version:
                start, end = switch.at, None
            elif start is not None and end is None:
                end = switch.at
        return start, end

    def replaced_from(self, version: str) -> list[datetime]:
        """Every instant the alias moved away from ``version``."""
        return [s.at for s in self.switches if s.previous_version == version]


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def read_facts(
    workspace: Workspace, model: str, alias: str, now: datetime, wait: float = LOCK_WAIT_SECONDS
) -> ModelFacts:
    """Everything about ``model`` the runbook needs; MrpError if the model is unknown."""
    if not workspace.db_path.exists():
        raise MrpError(
            f"the state database {workspace.db_path} does not exist yet: run `mrp sync` first."
        )
    with connect(workspace.db_path, read_only=True, wait=wait) as con:
        return _read(con, model, alias, now)


def _read(con: duckdb.DuckDBPyConnection, model: str, alias: str, now: datetime) -> ModelFacts:
    row = con.execute(sql("runbook/model"), {"model": model}).fetchone()
    if row is None:
        raise MrpError(f"no model named '{model}' in the state database (see `mrp status`).")
    name, team, tier, tags, source = row
    serving = con.execute(sql("runbook/serving"), {"model": model, "alias": alias}).fetchone()
    versions = tuple(
        VersionFacts(str(v), status, aware_utc(created), {k: str(x) for k, x in _json(t).items()})
        for v, status, created, t, _src in con.execute(
            sql("runbook/versions"), {"model": model}
        ).fetchall()
    )
    switches = tuple(
        Switch(str(v), None if p is None else str(p), at, actor)
        for v, p, at_naive, actor in con.execute(
            sql("runbook/switches"), {"model": model, "alias": alias, "now": naive_utc(now)}
        ).fetchall()
        if (at := aware_utc(at_naive)) is not None
    )
    last = con.execute(
        sql("runbook/last_sample"), {"model": model, "now": naive_utc(now)}
    ).fetchone()
    since = None if serving is None else aware_utc(serving[1])
    if serving is not None and since is None:  # MLflow gives no time: the switch we recorded
        since = next((s.at for s in reversed(switches) if s.version == str(serving[0])), None)
    if serving is not None and since is not None and since > now and switches:
        # the alias as last synced took over after `now` (a replayed or pinned clock): what
        # served at `now` is the last switch up to it, as the console's model screen shows
        serving, since = (switches[-1].version, None, serving[2]), switches[-1].at
    facts = ModelFacts(
        name=name,
        team=team,
        risk_tier=tier,
        tags=_json(tags),
        source=source,
        alias=alias,
        serving_version=None if serving is None else str(serving[0]),
        serving_since=since,
        serving_source=None if serving is None else serving[2],
        versions=versions,
        switches=switches,
        last_sample=None if last is None else aware_utc(last[0]),
    )
    metrics: dict[str, dict[str, float]] = {}
    for version in versions:
        ends = facts.replaced_from(version.version)
        if not ends:
            continue
        end = ends[-1]
        rows = con.execute(
            sql("runbook/version_metrics"),
            {
                "model": model,
                "version": version.version,
                "start": naive_utc(end - METRIC_SPAN),
                "end": naive_utc(end),
            },
        ).fetchall()
        metrics[version.version] = {metric: float(mean) for metric, mean, _n in rows}
    return ModelFacts(**{**facts.__dict__, "metrics": metrics})
