"""`mrp rollback MODEL`: the guided rollback runbook, headless. Prompts where a flag is
missing; reads the answers from stdin when it is not a terminal. Thin: the machine is
``console.runbook``; `mrp runbook ...` (``runbook_cmds``) carries on what this opens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from console.clock import format_time
from console.commands.common import JsonOption, WorkspaceOption, echo, warn
from console.commands.runbook_flow import (
    AsOption,
    BreakGlassOption,
    ConfirmOption,
    GlassReasonOption,
    NotesOption,
    RoleOption,
    TimeoutOption,
    ask,
    drive_on,
    finish,
    line_width,
    parse_timeout,
    signed_env,
)
from console.errors import MrpError

if TYPE_CHECKING:
    from console.audit.keys_model import Signer
    from console.runbook.drive import DriveOptions
    from console.runbook.env import Env
    from console.runbook.model import Runbook
    from console.runbook.planning import Plan


def register(app_: typer.Typer) -> None:
    app_.command("rollback")(rollback)


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
    """The guided rollback runbook in the terminal.

    Evidence, target, pre-checks, your signed confirmation, then (once approved) execute, verify and close. Prompts where an option is missing; reads stdin when it is not a terminal."""
    from console.runbook import present
    from console.runbook.drive import DriveOptions
    from console.runbook.fired import fired_metrics, live_triggers
    from console.runbook.planning import plan, preview_checks
    from console.runbook.prechecks import blocking
    from console.runbook.service import choose_target, open_runbook, run_prechecks

    env, signer = signed_env(workspace_dir, as_)
    options = DriveOptions(to=to, verify_timeout=parse_timeout(verify_timeout), notes=notes)
    width = line_width()
    found = plan(env, model, to)
    if found.open_runbook is not None:
        _refuse_other_target(found.open_runbook, to)
        _join(env, found.open_runbook, signer, confirm, role, options, as_json)
        return
    if not dry_run and found.dry_run_only:
        raise MrpError(
            f"nothing can carry out a rollback of {model}: {found.executor.why}; rehearse it "
            "with --dry-run."
        )
    if not as_json:
        for line in present.evidence_lines(found.evidence, model, width):
            echo(line)
    text = reason if reason is not None else ask("Reason for the rollback", "--reason TEXT")
    if not text.strip():
        raise MrpError("a rollback needs a reason: say what is wrong (--reason TEXT).")
    if not as_json:
        echo(f"targets ({found.rollback.target}):")
        candidates = found.target.candidates
        live = live_triggers(found.evidence, found.facts, env.policies)
        fired = fired_metrics(found.evidence, live, candidates)
        for line in present.candidate_lines(candidates, found.target.suggested, width, fired):
            echo(line)
    target = to or (found.target.suggested if yes else None)
    if target is None:
        target = ask("Roll back to version", "--to VERSION", default=found.target.suggested or None)
    checks = preview_checks(env, found, target, dry_run)
    if not as_json:
        echo("pre-checks:")
        for line in present.check_lines(checks, width):
            echo(line)
    hard = blocking(checks, break_glass=True)
    if hard:
        _record_refusal(env, found, text, signer, dry_run, target)
    phrase = found.phrase(target)
    typed = (
        confirm if confirm is not None else ask(f"Type {phrase} to confirm", f"--confirm {phrase}")
    )
    if typed.strip() != phrase:
        raise MrpError(
            f"the confirmation phrase does not match: you typed '{typed.strip()}'; type {phrase} "
            "exactly to confirm the rollback. Nothing was written."
        )
    why_glass = None
    if glass:
        why_glass = (
            glass_reason
            if glass_reason is not None
            else ask("Break-glass reason", "--break-glass-reason TEXT")
        )
    runbook = open_runbook(env, found, text, signer, dry_run)
    runbook = choose_target(env, runbook.id, signer, target)
    runbook = run_prechecks(env, runbook.id, signer)
    if runbook.state == "approvals":
        runbook = _confirm(env, runbook, signer, phrase, role, why_glass)
    finish(drive_on(env, runbook, signer, options, as_json), as_json, env.now())


def _record_refusal(
    env: Env, found: Plan, reason: str, signer: Signer, dry_run: bool, target: str
) -> None:
    """Record the attempt and its failed pre-check, then refuse (exit 2)."""
    from console.runbook.drive import PrecheckFailed
    from console.runbook.service import choose_target, open_runbook, run_prechecks

    runbook = open_runbook(env, found, reason, signer, dry_run)
    runbook = choose_target(env, runbook.id, signer, target)
    runbook = run_prechecks(env, runbook.id, signer)
    failed = [r for r in runbook.prechecks if not r.ok]
    first = failed[0]
    raise PrecheckFailed(
        f"pre-check '{first.name}' failed: {first.detail} Runbook {runbook.id} is back at "
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
    from console.runbook.approvals import approval_role
    from console.runbook.approving import approve, break_glass

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
    from console.runbook import present
    from console.runbook.approvals import check_phrase, needed
    from console.runbook.approving import approve

    warn(
        f"runbook {runbook.id} is already open for {runbook.model} (opened by "
        f"{runbook.requester} at {format_time(runbook.created_at)}, at step '{runbook.state}'); "
        "joining it."
    )
    mine = any(a.signer == signer.name for a in runbook.approvals)
    if runbook.state == "approvals" and not mine and needed(runbook) > 0:
        if not as_json:
            for line in present.summary_lines(runbook, line_width(), env.now()):
                echo(line)
        typed = (
            confirm
            if confirm is not None
            else ask(f"Type {runbook.phrase} to approve", f"--confirm {runbook.phrase}")
        )
        check_phrase(runbook, typed)
        runbook = approve(env, runbook.id, signer, typed, role)
        runbook = drive_on(env, runbook, signer, options, as_json)
    finish(runbook, as_json, env.now())
