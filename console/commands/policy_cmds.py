"""`mrp policy check` and `mrp policy schema`."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from console.commands.common import (
    JsonOption,
    WorkspaceOption,
    echo,
    emit_json,
    warn,
    workspace,
)
from console.errors import MrpError
from console.text import plural

if TYPE_CHECKING:
    from console.policy.errors import Problem
    from console.policy.loader import CheckResult
    from console.settings import Workspace

app = typer.Typer(
    help="Validate rollback policies and print their JSON Schema.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ModelFacts = tuple[str, str | None, str | None, dict[str, Any]]


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Policy files or folders (default: the workspace's policies)."),
    ] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Validate policies; every problem is printed as file:line:col: message."""
    from console.policy.errors import sort_problems
    from console.policy.loader import check_policies

    ws = _workspace_for(paths, workspace_dir)
    targets = list(paths) if paths else [_shown_path(ws.policies_dir)] if ws else []
    known_metrics, models = _workspace_facts(ws)
    result = check_policies(targets, known_metrics)
    combined = [*result.problems, *_combination_problems(result, models)]
    problems = sort_problems(combined, result.policy_set.files)
    files = len(result.policy_set.files)
    if as_json:
        emit_json(
            {
                "ok": not problems,
                "policies": result.policy_set.names,
                "triggers": result.policy_set.trigger_count,
                "files": [str(path) for path in result.policy_set.files],
                "digest": result.policy_set.digest,
                "problems": [
                    {"file": str(p.path), "line": p.line, "col": p.col, "message": p.message}
                    for p in problems
                ],
            }
        )
    elif not problems:
        policies = len(result.policy_set)
        triggers = result.policy_set.trigger_count
        echo(
            f"ok: {plural(policies, 'policy', 'policies')}, {plural(triggers, 'trigger')} "
            f"in {plural(files, 'file')}"
        )
    else:
        for problem in problems:
            echo(str(problem))
        bad_files = len({problem.path for problem in problems})
        warn(f"mrp: {plural(len(problems), 'problem')} in {plural(bad_files, 'file')}.")
    if problems:
        raise typer.Exit(2)


@app.command("schema")
def schema(workspace_dir: WorkspaceOption = None) -> None:
    """Print the JSON Schema (draft 2020-12) of a policy document, for editors.

    The schema is the same for every workspace; --workspace is accepted so that scripts
    can pass it to every command alike."""
    from console.policy.schema import policy_schema

    emit_json(policy_schema())


def _workspace_for(paths: Sequence[Path] | None, explicit: Path | None) -> Workspace | None:
    """The workspace is required only when no paths are given; with paths it only adds the
    metric names and models it knows."""
    if not paths or explicit is not None:
        return workspace(explicit)
    try:
        return workspace(None)
    except MrpError:
        return None


def _shown_path(path: Path) -> Path:
    """Relative to the current folder when inside it: shorter lines, clickable in editors."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else Path(relative)


def _combination_problems(result: CheckResult, models: list[ModelFacts] | None) -> list[Problem]:
    """Conflicts that only exist for a model two policies both select (once per place,
    not once per model)."""
    from console.policy.selection import selection_problems

    problems: list[Problem] = []
    seen: set[tuple[Path, int, int]] = set()
    for name, team, tier, tags in models or []:
        for problem in selection_problems(name, team, tier, tags, result.policy_set):
            key = (problem.path, problem.line, problem.col)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems


def _workspace_facts(ws: Workspace | None) -> tuple[set[str] | None, list[ModelFacts] | None]:
    """Metric names the workspace knows (``None``: too little is known to judge) and its
    models, from the config and, once synced, the state database."""
    from console.settings import MlflowSource, PrometheusSource

    if ws is None:
        return None, None
    names: set[str] = set()
    complete = True
    for source in ws.config.sources.values():
        if isinstance(source, PrometheusSource):
            names |= set(source.metrics)
        elif isinstance(source, MlflowSource):
            names |= set(source.baseline_metrics)
        else:
            complete = False
    stored_metrics, models = _stored_facts(ws)
    if stored_metrics:
        names |= stored_metrics
        complete = True
    return (names if complete and names else None), models


def _stored_facts(ws: Workspace) -> tuple[set[str], list[ModelFacts] | None]:
    """Read through named queries when the store provides them; a missing, locked or older
    database just means less is checked."""
    if not ws.db_path.exists():
        return set(), None
    import duckdb

    from console.store import connect, sql

    try:
        metrics_sql = _optional_sql(sql, "known_metrics")
        models_sql = _optional_sql(sql, "policy_models")
        if metrics_sql is None and models_sql is None:
            return set(), None
        with connect(ws.db_path, read_only=True, wait=1.0) as con:
            metrics = (
                {str(row[0]) for row in con.execute(metrics_sql).fetchall()}
                if metrics_sql
                else set()
            )
            models = (
                [_model_facts(row) for row in con.execute(models_sql).fetchall()]
                if models_sql
                else None
            )
    except (MrpError, duckdb.Error):
        return set(), None
    return metrics, models


def _optional_sql(sql: Any, name: str) -> str | None:
    try:
        return str(sql(name))
    except LookupError:
        return None


def _model_facts(row: Sequence[Any]) -> ModelFacts:
    name, team, tier, tags = row[0], row[1], row[2], row[3]
    if isinstance(tags, str):
        try:
            tags = json.loads(tags)
        except ValueError:
            tags = {}
    return str(name), team, tier, tags if isinstance(tags, dict) else {}
