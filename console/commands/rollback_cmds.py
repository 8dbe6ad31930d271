"""`mrp rollback` and `mrp runbook list|show|resume|approve|abort`: the guided runbook,
headless. Prompts where a flag is missing; reads the answers from stdin when it is not a
terminal. Thin: the machine is ``console.runbook``."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Annotated

import typer

from console.audit.keys import load_signer
from console.audit.keys_model import Signer
from console.clock import format_time, parse_duration
from console.commands.common import JsonOption, WorkspaceOption, echo, emit_json, warn, workspace
from console.errors import MrpError
from console.runbook import present
from console.runbook.approvals import approval_role, check_phrase, describe_needed, needed
from console.runbook.approving import approve, break_glass
from console.runbook.drill import activate_drill_keyring
from console.runbook.drive import Announce, DriveOptions, PrecheckFailed, drive
from console.runbook.ending import abort
from console.runbook.env import Env
from console.runbook.evidence import Reading
from console.runbook.model import Runbook
from console.runbook.planning import Plan, plan, preview_checks
from console.runbook.prechecks import blocking
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.runbook.verify import Progress
from console.secrets import ensure_usable_keyring
from console.settings import Workspace

app = typer.Typer(
    help="Rollback runbooks in flight and done; a second signer approves with `approve`.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Who signs (default: MRP_SIGNER, then the config's operator)."),
]
RoleOption = Annotated[
    str | None,
    typer.Option("--role", help="The role to approve in (default: the first that counts)."),
]
ConfirmOption = Annotated[
    str | None,
    typer.Option("--confirm", help="The confirmation phrase MODEL@TARGET (prompted if missing)."),
]
TimeoutOption = Annotated[
    str | None,
    typer.Option(
        "--verify-timeout",
        help="Stop watching after this long (e.g. 2m); the runbook stays at verify, resumable.",
    ),
]
NotesOption = Annotated[str | None, typer.Option("--notes", help="Closing notes.")]
BreakGlassOption = Annotated[
    bool,
    typer.Option("--break-glass", help="Override the approval count (policy permitting)."),
]
GlassReasonOption = Annotated[
    str | None,
    typer.Option("--break-glass-reason", help="Why break-glass (prompted if missing)."),
]


def register(app_: typer.Typer) -> None:
    app_.command("rollback")(rollback)
    app_.add_typer(app, name="runbook")


# -- helpers ------------------------------------------------------------------------------------


def ask(question: str, default: str | None = None) -> str:
    """One answer: prompted on a terminal, else the next line of stdin."""
    if sys.stdin.isatty():
        answer: str = typer.prompt(question, default=default, err=True, show_default=bool(default))
        return answer
    shown = f" [{default}]" if default else ""
    sys.stderr.write(f"{question}{shown}: ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        if default is not None:
            return default
        raise MrpError(f"No answer to '{question}': stdin ended (pass it as an option).")
    return line.strip() or (default or "")


def _signer(ws: Workspace, explicit: str | None) -> Signer:
    activate_drill_keyring(ws)
    ensure_usable_keyring()
    name = ws.signer_name(explicit)
    if not name:
        raise MrpError("Who signs? Pass --as NAME, set MRP_SIGNER, or set operator in mrp.toml.")
    return load_signer(ws, name)


def _timeout(text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as error:
        raise MrpError(f"--verify-timeout: {error}.") from None


def _resolve(env: Env, text: str) -> Runbook:
    """A runbook by id, by the model it is open for, or by a unique id prefix."""
    store = env.store
    if store.exists(text):
        return store.load(text)
    open_one = store.open_for(text)
    if open_one is not None:
        return open_one
    matches = [r for r in store.all() if r.id.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise MrpError(f"'{text}' matches {len(matches)} runbooks; give more of the id.")
    return store.load(text)


def _announcer(as_json: bool) -> Announce:
    seen: list[str] = []

    def announce(runbook: Runbook) -> None:
        if as_json or (seen and seen[-1] == runbook.state):
            return
        seen.append(runbook.state)
        if runbook.state == "verify" and runbook.execution and runbook.execution.last:
            warn(f"execute: {runbook.execution.last.detail}")

    return announce


def _progress(as_json: bool) -> Progress:
    def progress(at: datetime, readings: list[Reading]) -> None:
        if as_json:
            return
        bad = [f"{r.trigger} {r.state}" for r in readings if r.state != "ok"]
        warn(f"verify {format_time(at)}: {', '.join(bad) or 'all triggers ok'}")

    return progress


def _finish(runbook: Runbook, as_json: bool) -> None:
    if as_json:
        emit_json(present.as_json(runbook))
    else:
        for line in present.runbook_lines(runbook):
            echo(line)
        if runbook.state == "approvals":
            echo(describe_needed(runbook))
        elif runbook.state == "verify":
            echo(f"still verifying: `mrp runbook resume {runbook.id}` continues.")
    if runbook.state == "closed" and runbook.outcome == "not_recovered":
        raise typer.Exit(1)


def _drive(
    env: Env, runbook: Runbook, signer: Signer, options: DriveOptions, as_json: bool
) -> Runbook:
    return drive(
        env, runbook.id, signer, options, announce=_announcer(as_json), progress=_progress(as_json)
    )


# -- mrp rollback -------------------------------------------------------------------------------


def rollback(
    model: Annotated[str, typer.Argument(help="The model to roll back.")],
    to: Annotated[str | None, typer.Option("--to", help="The version to roll back to.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="What is wrong.")] = None,
    confirm: ConfirmOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Everything but the executor call, recorded as such.")
    ] = False,
    as_: AsOption = None,
    role: RoleOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Take the policy's suggested target without asking.")
    ] = False,
    glass: BreakGlassOption = False,
    glass_reason: GlassReasonOption = None,
    verify_timeout: TimeoutOption = None,
    notes: NotesOption = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """The guided rollback runbook in the terminal: evidence, target, pre-checks, your signed
    confirmation, then (once approved) execute, verify and close."""
    ws = workspace(workspace_dir)
    signer = _signer(ws, as_)
    env = Env.for_workspace(ws)
    options = DriveOptions(to=to, verify_timeout=_timeout(verify_timeout), notes=notes)
    found = plan(env, model, to)
    if found.open_runbook is not None:
        _refuse_other_target(found.open_runbook, to)
        _join(env, found.open_runbook, signer, confirm, role, options, as_json)
        return
    if not dry_run and found.dry_run_only:
        raise MrpError(
            f"Nothing can carry out a rollback of {model}: {found.executor.why}; rehearse it "
            "with --dry-run."
        )
    if not as_json:
        for line in present.evidence_lines(found.evidence, model):
            echo(line)
    text = reason if reason is not None else ask("Reason for the rollback")
    if not text.strip():
        raise MrpError("A rollback needs a reason: say what is wrong (--reason TEXT).")
    if not as_json:
        echo(f"targets ({found.rollback.target}):")
        for line in present.candidate_lines(found.target.candidates, found.target.suggested):
            echo(line)
    target = to or (found.target.suggested if yes else None)
    if target is None:
        target = ask("Roll back to version", default=found.target.suggested or None)
    checks = preview_checks(env, found, target, dry_run)
    if not as_json:
        echo("pre-checks:")
        for line in present.check_lines(checks):
            echo(line)
    hard = blocking(checks, break_glass=True)
    if hard:
        _record_refusal(env, found, text, signer, dry_run, target)
    phrase = found.phrase(target)
    typed = confirm if confirm is not None else ask(f"Type {phrase} to confirm")
    if typed.strip() != phrase:
        raise MrpError(
            f"The confirmation phrase does not match: you typed '{typed.strip()}'; type {phrase} "
            "exactly to confirm the rollback. Nothing was written."
        )
    why_glass = None
    if glass:
        why_glass = glass_reason if glass_reason is not None else ask("Break-glass reason")
    runbook = open_runbook(env, found, text, signer, dry_run)
    runbook = choose_target(env, runbook.id, signer, target)
    runbook = run_prechecks(env, runbook.id, signer)
    if runbook.state == "approvals":
        runbook = _confirm(env, runbook, signer, phrase, role, why_glass)
    _finish(_drive(env, runbook, signer, options, as_json), as_json)


def _record_refusal(
    env: Env, found: Plan, reason: str, signer: Signer, dry_run: bool, target: str
) -> None:
    """Record the attempt and its failed pre-check, then refuse (exit 2)."""
    runbook = open_runbook(env, found, reason, signer, dry_run)
    runbook = choose_target(env, runbook.id, signer, target)
    runbook = run_prechecks(env, runbook.id, signer)
    failed = [r for r in runbook.prechecks if not r.ok]
    first = failed[0]
    raise PrecheckFailed(
        f"Pre-check '{first.name}' failed: {first.detail} Runbook {runbook.id} is back at "
        f"choosing a target: `mrp runbook resume {runbook.id} --to VERSION`, or "
        f"`mrp runbook abort {runbook.id}`."
    )


def _confirm(
    env: Env,
    runbook: Runbook,
    signer: Signer,
    phrase: str,
    role: str | None,
    why_glass: str | None,
) -> Runbook:
    if why_glass is not None:
        return break_glass(env, runbook.id, signer, phrase, why_glass, role)
    try:
        approval_role(runbook, signer, role)
    except MrpError as error:
        if role is not None:
            raise
        warn(f"mrp: {error.message} The request stands; others approve it.")
        return runbook
    return approve(env, runbook.id, signer, phrase, role)


def _refuse_other_target(runbook: Runbook, to: str | None) -> None:
    """Joining an open runbook never silently drops a ``--to`` that asks for another target."""
    if to is None or runbook.to_version == to:
        return
    current = f"targets version {runbook.to_version}" if runbook.to_version else "has no target yet"
    raise MrpError(
        f"runbook {runbook.id} is already open for {runbook.model} and {current}: "
        f"choose the target there with `mrp runbook resume {runbook.id} --to {to}`, "
        f"or abort it with `mrp runbook abort {runbook.id}`."
    )


def _join(
    env: Env,
    runbook: Runbook,
    signer: Signer,
    confirm: str | None,
    role: str | None,
    options: DriveOptions,
    as_json: bool,
) -> None:
    warn(
        f"runbook {runbook.id} is already open for {runbook.model} (opened by "
        f"{runbook.requester} at {format_time(runbook.created_at)}, at step '{runbook.state}'); "
        "joining it."
    )
    mine = any(a.signer == signer.name for a in runbook.approvals)
    if runbook.state == "approvals" and not mine and needed(runbook) > 0:
        if not as_json:
            for line in present.summary_lines(runbook):
                echo(line)
        typed = confirm if confirm is not None else ask(f"Type {runbook.phrase} to approve")
        check_phrase(runbook, typed)
        runbook = approve(env, runbook.id, signer, typed, role)
        runbook = _drive(env, runbook, signer, options, as_json)
    _finish(runbook, as_json)


# -- mrp runbook ... ----------------------------------------------------------------------------


@app.command("list")
def list_runbooks(
    open_only: Annotated[bool, typer.Option("--open", help="Only runbooks in flight.")] = False,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Runbooks in flight and done, newest first."""
    ws = workspace(workspace_dir)
    env_store = Env.for_workspace(ws).store
    runbooks = [r for r in env_store.all() if not (open_only and r.final)]
    if as_json:
        emit_json({"runbooks": [present.list_row(r) for r in runbooks]})
        return
    if not runbooks:
        echo("no runbooks.")
        return
    for r in runbooks:
        moved = f"{r.from_version or '-'} → {r.to_version or '?'}"
        extra = " dry-run" if r.dry_run else ""
        extra += " BREAK-GLASS" if r.break_glass else ""
        outcome = f" {r.outcome}" if r.outcome else ""
        echo(
            f"{r.id}  {r.model:24} {moved:10} {r.state:9}{outcome}{extra}  "
            f"{format_time(r.created_at)} {r.requester}"
        )


@app.command("show")
def show(
    runbook_id: Annotated[str, typer.Argument(help="Runbook id (or the model it is open for).")],
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Everything about one runbook: evidence, target, checks, approvals, execution, outcome."""
    env = Env.for_workspace(workspace(workspace_dir))
    runbook = _resolve(env, runbook_id)
    if as_json:
        emit_json(present.as_json(runbook))
        return
    for line in present.runbook_lines(runbook):
        echo(line)


@app.command("resume")
def resume(
    runbook_id: Annotated[str, typer.Argument(help="Runbook id (or the model it is open for).")],
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
    ws = workspace(workspace_dir)
    signer = _signer(ws, as_)
    env = Env.for_workspace(ws)
    runbook = _resolve(env, runbook_id)
    options = DriveOptions(to=to, verify_timeout=_timeout(verify_timeout), notes=notes)
    _finish(_drive(env, runbook, signer, options, as_json), as_json)


@app.command("approve")
def approve_cmd(
    runbook_id: Annotated[str, typer.Argument(help="Runbook id (or the model it is open for).")],
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
    """Approve a runbook with your own key; the one that completes the approvals carries it on
    (execute, verify, close) unless --no-continue."""
    ws = workspace(workspace_dir)
    signer = _signer(ws, as_)
    env = Env.for_workspace(ws)
    runbook = _resolve(env, runbook_id)
    if not as_json:
        for line in present.summary_lines(runbook):
            echo(line)
    phrase = runbook.phrase or "MODEL@TARGET"
    typed = confirm if confirm is not None else ask(f"Type {phrase} to approve")
    if glass:
        why = glass_reason if glass_reason is not None else ask("Break-glass reason")
        runbook = break_glass(env, runbook.id, signer, typed, why, role)
    else:
        runbook = approve(env, runbook.id, signer, typed, role)
    if not as_json:
        echo(f"approved by {signer.name}.")
    if not no_continue and runbook.state == "execute":
        options = DriveOptions(verify_timeout=_timeout(verify_timeout), notes=notes)
        runbook = _drive(env, runbook, signer, options, as_json)
    _finish(runbook, as_json)


@app.command("abort")
def abort_cmd(
    runbook_id: Annotated[str, typer.Argument(help="Runbook id (or the model it is open for).")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is aborted.")] = None,
    as_: AsOption = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Abort a runbook at any step; the abort is itself a signed record."""
    ws = workspace(workspace_dir)
    signer = _signer(ws, as_)
    env = Env.for_workspace(ws)
    runbook = abort(env, _resolve(env, runbook_id).id, signer, reason)
    if as_json:
        emit_json(present.as_json(runbook))
    else:
        echo(f"runbook {runbook.id} aborted at step '{runbook.history[-2].to}'.")
