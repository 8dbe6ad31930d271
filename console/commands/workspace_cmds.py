"""`mrp init`, `mrp sync`, `mrp status`, `mrp demo` and `mrp console`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from console.clock import format_duration, format_time
from console.commands.common import (
    JsonOption,
    WorkspaceOption,
    echo,
    emit_json,
    print_table,
    warn,
    warn_unknown_metrics,
    workspace,
)
from console.errors import MrpError
from console.text import plural

if TYPE_CHECKING:
    from console.fleet import FleetEntry, SourceHealth
    from console.refresh import RefreshReport
    from console.settings import Workspace
    from console.sources.sync import SyncOutcome
    from console.triggers.types import TriggerState


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("sync")(sync)
    app.command("status")(status)


def init(
    folder: Annotated[
        Path | None,
        typer.Argument(help="Where to create the workspace (default: the current folder)."),
    ] = None,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Create a workspace with a commented example config and policy."""
    from console.workspace_init import init_workspace

    if folder is not None and workspace_dir is not None and folder != workspace_dir:
        raise MrpError("give the new workspace's folder once: as DIR or as --workspace, not both.")
    folder = folder or workspace_dir or Path(".")
    written = init_workspace(folder)
    for path in written:
        echo(f"created {path}")
    echo(f"workspace ready: edit {folder / 'mrp.toml'}, then run `mrp sync -w {folder}`.")


def run_sync(ws: Workspace, only: str | None, show_progress: bool) -> RefreshReport:
    from console.refresh import sync_and_refresh

    def progress(source: str, what: str) -> None:
        if show_progress:
            warn(f"{source}: {what}")

    return sync_and_refresh(ws, only=only, progress=progress)


def sync(
    source: Annotated[str | None, typer.Option("--source", help="Sync only this source.")] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Pull from every (or one) source into the state database."""
    ws = workspace(workspace_dir)
    report = run_sync(ws, source, show_progress=not as_json and sys.stderr.isatty())
    outcomes = report.outcomes
    if as_json:
        emit_json(
            {
                "sources": [
                    {
                        "source": o.source,
                        "kind": o.kind,
                        "ok": o.ok,
                        "points": o.points,
                        "models": o.models,
                        "last_sample": o.last_sample,
                        "started": o.started,
                        "finished": o.finished,
                        "error": o.error,
                    }
                    for o in outcomes
                ],
                "warnings": [
                    {"source": o.source, "metric": w.metric, "message": w.message}
                    for o in outcomes
                    for w in o.warnings
                ],
                "triggers_evaluated": report.triggers,
                "inferred_deploys": [
                    {
                        "model": i.model,
                        "version": i.version,
                        "previous_version": i.previous_version,
                        "switched_at": i.switched_at,
                    }
                    for i in report.inferred
                ],
                "policy_error": None
                if report.policy_error is None
                else report.policy_error.message,
            }
        )
    else:
        for o in outcomes:
            echo(_sync_line(o))
    for o in outcomes:
        for w in o.warnings:
            warn(f"warning: {w.about(o.source)}")
    for i in report.inferred:
        warn(
            f"note: {i.model} had no deployment history: from its metrics, version {i.version} "
            f"took over from {i.previous_version} at {format_time(i.switched_at)} "
            "(recorded as inferred)."
        )
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        warn(f"mrp: {o.error}")
    if report.policy_error is not None:
        warn(f"mrp: trigger states not updated: {report.policy_error.message}")
        raise typer.Exit(2)
    if failed:
        raise typer.Exit(max(o.exit_code for o in failed))


def _sync_line(o: SyncOutcome) -> str:
    """``prom (prometheus): 3 models, 489 points in 0.2s``; a sync that found nothing past
    the stored samples says so, rather than "0 models, 0 points"."""
    head = f"{o.source} ({o.kind})"
    if not o.ok:
        return f"{head}: failed, stored data kept"
    took = f"{(o.finished - o.started).total_seconds():.1f}s"
    models = plural(o.models, "model")
    if o.points == 0 and o.last_sample is not None:
        return f"{head}: {models}, no new points since {format_time(o.last_sample)} ({took})"
    return f"{head}: {models}, {plural(o.points, 'point')} in {took}"


def _status_row(
    model: FleetEntry, ws: Workspace, troubled: Sequence[TriggerState] = ()
) -> dict[str, object]:
    """One model of `mrp status --json`; ``troubled``: its triggers not ok, with what a gate
    needs to tell a rollback from a page or a blocked promotion (action, severity, policy)."""
    now = ws.clock().now()
    age = model.data_age(now)
    return {
        "model": model.name,
        "team": model.team,
        "risk_tier": model.risk_tier,
        "alias": model.alias,
        "version": model.version,
        "since": model.since,
        "previous_version": model.previous_version,
        "worst_state": model.worst_state,
        "firing": list(model.firing),
        "pending": list(model.pending),
        "no_data": list(model.no_data),
        "triggers": [
            {
                "policy": t.policy,
                "trigger": t.trigger,
                "state": t.state,
                "since": t.since,
                "action": t.action,
                "severity": t.severity,
                "value": t.value,
                "threshold": t.threshold,
            }
            for t in troubled
        ],
        "last_sample": model.last_sample,
        "data_age_seconds": None if age is None else int(age.total_seconds()),
    }


def status(
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", help="Exit 1 when any trigger is at least this bad: pending or firing."
        ),
    ] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Per model: alias -> version, previous version, worst trigger state, data age."""
    from console.fleet import fleet_rows, source_health, with_states, worst_first
    from console.policy.known_metrics import stored_metric_names, unknown_watched_metrics
    from console.policy.loader import load_workspace_policies
    from console.store import connect, sql
    from console.triggers.state import current_states

    if fail_on not in (None, "pending", "firing"):
        raise MrpError(f"--fail-on takes 'pending' or 'firing', not '{fail_on}'.")
    ws = workspace(workspace_dir)
    policies = load_workspace_policies(ws)
    if not ws.db_path.exists():
        raise MrpError(f"{ws.root} has no state yet: run `mrp sync -w {ws.root}` first.")
    now = ws.clock().now()
    alias = ws.serving_alias
    with connect(ws.db_path, read_only=True) as con:
        states = current_states(con, policies, now, alias=alias)
        models = worst_first(with_states(fleet_rows(con, now, alias), states))
        unknown = unknown_watched_metrics(ws, policies, states, lambda: stored_metric_names(con))
        health = source_health(con, ws.config.sources)
        row = None if models else con.execute(sql("stored_metric_models")).fetchone()
    warn_unknown_metrics(unknown, gate=fail_on is not None)
    sources = _source_rows(ws, health)
    for line in _source_warnings(sources, datetime.now(UTC)):
        warn(line)
    if as_json:
        troubled: dict[str, list[TriggerState]] = {}
        for state in states:
            if state.state != "ok":
                troubled.setdefault(state.model, []).append(state)
        rows = [_status_row(m, ws, troubled.get(m.name, ())) for m in models]
        emit_json({"now": now, "models": rows, "sources": sources})
    elif not models:
        echo(_no_models(sources, int(row[0]) if row else 0))
    else:
        _print_table(models, now)
    if fail_on is not None and not models:
        raise MrpError(
            "the gate has no model to judge (see above), so it cannot say that none is "
            f"{fail_on}; it passes only once `mrp sync` has stored the fleet."
        )
    bad = {"pending": ("pending", "firing"), "firing": ("firing",)}.get(fail_on or "", ())
    if any(m.worst_state in bad for m in models):
        raise typer.Exit(1)


def _source_rows(ws: Workspace, health: list[SourceHealth]) -> list[dict[str, object]]:
    """Each configured source's latest sync run (``last_sync`` None: it has not synced)."""
    runs = {h.source: h for h in health}
    rows: list[dict[str, object]] = []
    for name in ws.config.sources:
        run = runs.get(name)
        rows.append(
            {
                "source": name,
                "last_sync": None if run is None else run.finished_at,
                "ok": None if run is None else run.error is None,
                "error": None if run is None else run.error,
                "last_ok": None if run is None else run.last_ok,
                "warnings": []
                if run is None
                else [{"metric": w.metric, "message": w.message} for w in run.warnings],
            }
        )
    return rows


def _source_warnings(sources: list[dict[str, object]], wall: datetime) -> list[str]:
    """One ``warning:`` line per source whose last sync failed or that never synced: the
    table reads stored data, which such a source has stopped bringing; and each warning of a
    last sync that succeeded, as `mrp sync` said it. Syncs ran in wall-clock time (``wall``),
    whatever the workspace's clock says."""
    from console.sources.records import SyncWarning

    lines = []
    for s in sources:
        name, last, last_ok = s["source"], s["last_sync"], s["last_ok"]
        if last is None:
            lines.append(f"warning: source '{name}' has not synced yet: run `mrp sync`.")
        elif s["ok"] is False and isinstance(last, datetime):
            error = str(s["error"]).removeprefix(f"source '{name}': ").rstrip(".")
            kept = (
                f"its data is as of its last good sync, {format_time(last_ok)}"
                if isinstance(last_ok, datetime)
                else "it has never synced successfully"
            )
            ago = format_duration(max(wall - last, timedelta(0)))
            lines.append(
                f"warning: source '{name}' failed at its last sync, {format_time(last)} "
                f"({ago} ago): {error}; {kept}."
            )
        elif isinstance(last, datetime) and isinstance(s["warnings"], list):
            lines.extend(
                f"warning: {SyncWarning(w['message'], w['metric']).about(str(name)).rstrip('.')} "
                f"(its last sync, {format_time(last)})."
                for w in s["warnings"]
            )
    return lines


def _no_models(sources: list[dict[str, object]], metric_models: int) -> str:
    """Why the fleet is empty, and what to do."""
    failed = [f"'{s['source']}'" for s in sources if s["ok"] is False]
    failing = f"the last sync of {' and '.join(failed)} failed (see above)" if failed else ""
    if metric_models:
        listed = (
            f"no models yet: metrics of {plural(metric_models, 'model')} are stored, but no "
            "source lists the models and the versions they serve (mlflow, http or files)"
        )
        return (
            f"{listed}; {failing}."
            if failing
            else f"{listed}: configure one in mrp.toml, then run `mrp sync`."
        )
    if failing:
        return f"no models yet: {failing}; fix it, then run `mrp sync`."
    return (
        "no models yet: the last sync found none (list them in deployments.json or "
        "configure a source in mrp.toml, then run `mrp sync`)."
    )


def _print_table(models: list[FleetEntry], now: datetime) -> None:
    header = ("MODEL", "TEAM", "TIER", "SERVING", "SINCE", "PREV", "STATE", "TRIGGERS", "DATA AGE")
    rows = []
    for m in models:
        age = m.data_age(now)
        triggers = ", ".join(m.firing or m.pending or m.no_data) or "-"  # the worst ones
        rows.append(
            (
                m.name,
                m.team or "-",
                m.risk_tier or "-",
                m.version or "-",
                format_time(m.since) if m.since else "-",
                m.previous_version or "-",
                m.worst_state or "no policy",
                triggers,
                format_duration(age) if age is not None else "no data",
            )
        )
    print_table(header, rows, wrap=7)
