"""`mrp policy check` and `mrp policy schema`."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
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
    from console.policy.selection import unselecting_policies

    ws = _workspace_for(paths, workspace_dir)
    targets = list(paths) if paths else [_shown_path(ws.policies_dir)] if ws else []
    facts = _workspace_facts(ws)
    result = check_policies(targets, facts.metrics, facts.events)
    combined = [*result.problems, *_combination_problems(result, facts.models)]
    problems = sort_problems(combined, result.policy_set.files)
    warnings = sort_problems(
        [*result.warnings, *unselecting_policies(result.policy_set, facts.models or [])],
        result.policy_set.files,
    )
    files = len(result.policy_set.files)
    if as_json:
        emit_json(
            {
                "ok": not problems,
                "policies": result.policy_set.names,
                "triggers": result.policy_set.trigger_count,
                "files": [str(path) for path in result.policy_set.files],
                "digest": result.policy_set.digest,
                "problems": [_problem_json(p) for p in problems],
                "warnings": [_problem_json(p) for p in warnings],
            }
        )
        if problems:
            raise typer.Exit(2)
        return
    for warning in warnings:
        echo(warning.render(label="warning: "))
    if not problems:
        policies = len(result.policy_set)
        triggers = result.policy_set.trigger_count
        warned = f"; {plural(len(warnings), 'warning')}" if warnings else ""
        echo(
            f"ok: {plural(policies, 'policy', 'policies')}, {plural(triggers, 'trigger')} "
            f"in {plural(files, 'file')}{warned}"
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


def _problem_json(problem: Problem) -> dict[str, object]:
    return {
        "file": str(problem.path),
        "line": problem.line,
        "col": problem.col,
        "message": problem.message,
    }


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


@dataclass(frozen=True)
class WorkspaceFacts:
    """What a policy is checked against beyond its own files."""

    metrics: set[str] | None = None
    """Metric names the workspace knows (None: too little is known to judge)."""
    events: set[str] = field(default_factory=set)
    """Event kinds it has stored."""
    models: list[ModelFacts] | None = None


def _workspace_facts(ws: Workspace | None) -> WorkspaceFacts:
    """What the workspace knows, from the config and, once synced, the state database."""
    from console.policy.known_metrics import metric_names

    if ws is None:
        return WorkspaceFacts()
    stored = _stored_facts(ws)
    return WorkspaceFacts(metric_names(ws, stored.metrics or ()), stored.events, stored.models)


def _stored_facts(ws: Workspace) -> WorkspaceFacts:
    """Read through named queries when the store provides them; a missing, locked or older
    database just means less is checked."""
    if not ws.db_path.exists():
        return WorkspaceFacts()
    import duckdb

    from console.store import connect, sql

    names = ("known_metrics", "known_event_kinds", "policy_models")
    queries = {name: _optional_sql(sql, name) for name in names}
    if not any(queries.values()):
        return WorkspaceFacts()
    try:
        with connect(ws.db_path, read_only=True, wait=1.0) as con:
            rows = {
                name: con.execute(query).fetchall() if query else None
                for name, query in queries.items()
            }
    except (MrpError, duckdb.Error):
        return WorkspaceFacts()
    return WorkspaceFacts(
        {str(row[0]) for row in rows["known_metrics"] or []},
        {str(row[0]) for row in rows["known_event_kinds"] or []},
        None if rows["policy_models"] is None else [_model_facts(r) for r in rows["policy_models"]],
    )


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
