"""`mrp init`, `mrp sync`, `mrp status`, `mrp demo` and `mrp console`."""

from __future__ import annotations

import sys
from datetime import datetime
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
    from console.fleet import FleetEntry
    from console.refresh import RefreshReport
    from console.settings import Workspace


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
                        "started": o.started,
                        "finished": o.finished,
                        "error": o.error,
                    }
                    for o in outcomes
                ],
                "triggers_evaluated": report.triggers,
                "policy_error": None
                if report.policy_error is None
                else report.policy_error.message,
            }
        )
    else:
        for o in outcomes:
            seconds = (o.finished - o.started).total_seconds()
            if o.ok:
                echo(
                    f"{o.source} ({o.kind}): {plural(o.models, 'model')}, "
                    f"{plural(o.points, 'point')} in {seconds:.1f}s"
                )
            else:
                echo(f"{o.source} ({o.kind}): failed, stored data kept")
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        warn(f"mrp: {o.error}")
    if report.policy_error is not None:
        warn(f"mrp: trigger states not updated: {report.policy_error.message}")
        raise typer.Exit(2)
    if failed:
        raise typer.Exit(max(o.exit_code for o in failed))


def _status_row(model: FleetEntry, ws: Workspace) -> dict[str, object]:
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
    from console.fleet import fleet_rows, with_states, worst_first
    from console.policy.known_metrics import stored_metric_names, unknown_watched_metrics
    from console.policy.loader import load_workspace_policies
    from console.store import connect
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
    warn_unknown_metrics(unknown, gate=fail_on is not None)
    if as_json:
        emit_json({"now": now, "models": [_status_row(m, ws) for m in models]})
    elif not models:
        echo(
            "no models yet: the last sync found none (list them in deployments.json or "
            "configure a source in mrp.toml, then run `mrp sync`)."
        )
    else:
        _print_table(models, now)
    bad = {"pending": ("pending", "firing"), "firing": ("firing",)}.get(fail_on or "", ())
    if any(m.worst_state in bad for m in models):
        raise typer.Exit(1)


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
