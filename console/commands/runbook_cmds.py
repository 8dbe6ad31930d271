"""`mrp runbook list|show|resume|approve|abort`: runbooks in flight and done; a second signer
approves. Thin: the machine is ``console.runbook``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from console.clock import format_time
from console.commands.common import (
    JsonOption,
    WorkspaceOption,
    echo,
    emit_json,
    print_table,
    warn,
    workspace,
)
from console.commands.runbook_flow import (
    AsOption,
    BreakGlassOption,
    ConfirmOption,
    GlassReasonOption,
    NotesOption,
    RoleOption,
    TimeoutOption,
    drive_on,
    finish,
    line_width,
    parse_timeout,
    signed_env,
)
from console.commands.runbook_steps import ApprovalAnswers, refuse_unfit_target, sign_approval
from console.errors import MrpError

if TYPE_CHECKING:
    from datetime import datetime

    from console.runbook.model import Runbook
    from console.runbook.store import RunbookStore

app = typer.Typer(
    help="Rollback runbooks in flight and done; a second signer approves with `approve`.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="runbook")


def _resolve(store: RunbookStore, text: str, latest: bool = False) -> Runbook:
    """A runbook by id, a unique part of its id, or the model it is open for (``latest``:
    else the model's most recent, said on stderr)."""
    from console.runbook.lookup import find

    found = find(store, text, latest)
    if found.note is not None:
        warn(found.note)
    return found.runbook


@app.command("list")
def list_runbooks(
    open_only: Annotated[bool, typer.Option("--open", help="Only runbooks in flight.")] = False,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Runbooks in flight and done, newest first."""
    from console.runbook import present
    from console.runbook.store import RunbookStore

    ws = workspace(workspace_dir)
    now = ws.clock().now()
    runbooks = [r for r in RunbookStore(ws.runbooks_dir).all() if not (open_only and r.final)]
    if as_json:
        emit_json({"runbooks": [present.list_row(r) for r in runbooks]})
        return
    if not runbooks:
        echo("no runbooks in flight." if open_only else "no runbooks.")
        return
    rows = []
    for r in runbooks:
        flags = [
            word for on, word in ((r.dry_run, "dry run"), (r.break_glass, "BREAK-GLASS")) if on
        ]
        rows.append(
            (
                r.id,
                r.model,
                f"{r.from_version or '-'} → {r.to_version or '?'}",
                r.state,
                _outcome(r, now),
                format_time(r.created_at),
                r.requester,
                ", ".join(flags) or "-",
            )
        )
    header = ("ID", "MODEL", "ROLLBACK", "STATE", "OUTCOME", "OPENED", "BY", "FLAGS")
    print_table(header, rows, wrap=4)


def _outcome(runbook: Runbook, now: datetime) -> str:
    from console.runbook.standing import standing

    if runbook.superseded_by is not None:
        return f"superseded by {runbook.superseded_by}"
    return standing(runbook, brief=True, now=now) or (runbook.outcome or "-").replace("_", " ")


@app.command("show")
def show(
    runbook_id: Annotated[
        str,
        typer.Argument(
            help="Runbook id, a unique part of it, or a model (its open or most recent runbook)."
        ),
    ],
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Everything about one runbook: evidence, target, checks, approvals, execution, outcome."""
    from console.runbook import present
    from console.runbook.store import RunbookStore

    ws = workspace(workspace_dir)
    runbook = _resolve(RunbookStore(ws.runbooks_dir), runbook_id, latest=True)
    if as_json:
        emit_json(present.as_json(runbook))
        return
    for line in present.runbook_lines(runbook, line_width(), ws.clock().now()):
        echo(line)


@app.command("resume")
def resume(
    runbook_id: Annotated[
        str, typer.Argument(help="Runbook id, a unique part of it, or the model it is open for.")
    ],
    to: Annotated[
        str | None, typer.Option("--to", help="At the target step: the version to choose.")
    ] = None,
    as_: AsOption = None,
    verify_timeout: TimeoutOption = None,
    notes: NotesOption = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Continue a runbook where it stopped (after a crash, a lost session, a failed call)."""
    from console.runbook.drive import DriveOptions
    from console.runbook.standing import refusal

    env, signer = signed_env(workspace_dir, as_)
    runbook = _resolve(env.store, runbook_id)
    refuse_unfit_target(env, runbook, to)
    options = DriveOptions(to=to, verify_timeout=parse_timeout(verify_timeout), notes=notes)
    runbook = drive_on(env, runbook, signer, options, as_json)
    finish(runbook, as_json, env.now())
    refused = refusal(runbook)
    if refused is not None:
        raise MrpError(
            f"nothing was done: runbook {runbook.id} waits for another target (version "
            f"{_refused_version(runbook)} failed the pre-check '{refused.name}'); choose one "
            f"with `mrp runbook resume {runbook.id} --to VERSION`."
        )


def _refused_version(runbook: Runbook) -> str:
    return runbook.target.chosen if runbook.target is not None else "?"


@app.command("approve")
def approve_cmd(
    runbook_id: Annotated[
        str, typer.Argument(help="Runbook id, a unique part of it, or the model it is open for.")
    ],
    as_: AsOption = None,
    confirm: ConfirmOption = None,
    role: RoleOption = None,
    glass: BreakGlassOption = False,
    glass_reason: GlassReasonOption = None,
    no_continue: Annotated[
        bool,
        typer.Option("--no-continue", help="Only approve; do not execute once approvals suffice."),
    ] = False,
    verify_timeout: TimeoutOption = None,
    notes: NotesOption = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Approve a runbook with your own key.

    The approval that completes the count carries the runbook on (execute, verify, close) unless --no-continue."""
    from console.runbook.drive import DriveOptions

    env, signer = signed_env(workspace_dir, as_)
    runbook = _resolve(env.store, runbook_id)
    answers = ApprovalAnswers(confirm, role, glass, glass_reason)
    runbook = sign_approval(env, runbook, signer, answers, as_json)
    if not as_json:
        echo(f"approved by {signer.name}.")
    if not no_continue and runbook.state == "execute":
        options = DriveOptions(verify_timeout=parse_timeout(verify_timeout), notes=notes)
        runbook = drive_on(env, runbook, signer, options, as_json)
    finish(runbook, as_json, env.now())


@app.command("abort")
def abort_cmd(
    runbook_id: Annotated[
        str, typer.Argument(help="Runbook id, a unique part of it, or the model it is open for.")
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is aborted.")] = None,
    as_: AsOption = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Abort a runbook at any step; the abort is itself a signed record."""
    from console.runbook import present
    from console.runbook.ending import abort

    env, signer = signed_env(workspace_dir, as_, judges=False)
    runbook = abort(env, _resolve(env.store, runbook_id).id, signer, reason)
    if as_json:
        emit_json(present.as_json(runbook))
    else:
        echo(f"runbook {runbook.id} aborted at step '{runbook.history[-2].to}'.")
