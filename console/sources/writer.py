"""Write one source's batch in one transaction; a failure leaves stored data untouched."""

from __future__ import annotations

from datetime import datetime

import duckdb

from console.clock import naive_utc
from console.sources.records import DeploymentRecord, SourceBatch
from console.store.bulk import insert_records
from console.store.queries import sql, statements


def observed_switches(
    con: duckdb.DuckDBPyConnection, batch: SourceBatch, now: datetime
) -> list[DeploymentRecord]:
    """Alias changes the source does not record itself, seen by comparing snapshots
    (MLflow keeps no alias history; we do)."""
    before = {
        (model, alias): version
        for model, alias, version in con.execute(sql("current_aliases"), [batch.source]).fetchall()
    }
    latest: dict[tuple[str, str], DeploymentRecord] = {}
    for record in batch.deployments:
        key = (record.model, record.alias)
        if key not in latest or record.switched_at >= latest[key].switched_at:
            latest[key] = record
    switches = []
    for alias in batch.aliases:
        previous = before.get((alias.model, alias.alias))
        if previous is None or previous == alias.version:
            continue
        recorded = latest.get((alias.model, alias.alias))
        if recorded is not None and recorded.version == alias.version:
            continue
        switches.append(
            DeploymentRecord(alias.model, alias.alias, alias.version, previous, now, actor=None)
        )
    return switches


def write_batch(con: duckdb.DuckDBPyConnection, batch: SourceBatch, now: datetime) -> int:
    """Write ``batch``; returns the metric points written. Caller owns the transaction."""
    stamp = naive_utc(now)
    source = batch.source
    if batch.snapshot:
        switches = observed_switches(con, batch, now)
        for statement in statements("delete_source_snapshot"):
            con.execute(statement, {"source": source})
        insert_records(
            con, "load/models", batch.models, source=source, updated_at=stamp.isoformat()
        )
        insert_records(con, "load/versions", batch.versions, source=source)
        insert_records(con, "load/baselines", batch.baselines, source=source)
        insert_records(
            con, "load/aliases", batch.aliases, source=source, observed_at=stamp.isoformat()
        )
        insert_records(
            con, "load/deployment_events", batch.deployments, source=source, observed=False
        )
        insert_records(con, "load/deployment_events", switches, source=source, observed=True)
        insert_records(con, "load/events", batch.events, source=source)
    points = 0
    if batch.metric_loader is not None:
        if batch.replace_metrics:
            con.execute(sql("delete_source_metrics"), {"source": source})
        points = batch.metric_loader(con, source)
        con.execute(sql("refresh_watermarks"), [source])
    return points
