"""`mrp rollback MODEL`: the guided rollback runbook, headless. Prompts where a flag is
missing; reads the answers from stdin when it is not a terminal. Thin: the machine is
``console.runbook``; `mrp runbook ...` (``runbook_cmds``) carries on what this opens."""

from __future__ import annotations

from dataclasses import dataclass
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
from console.commands.runbook_steps import ApprovalAnswers, refuse_unfit_target, sign_approval
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
    from console.runbook.drive import DriveOptions
    from console.runbook.planning import plan

    env, signer = signed_env(workspace_dir, as_)
    options = DriveOptions(to=to, verify_timeout=parse_timeout(verify_timeout), notes=notes)
    found = plan(env, model, to)
    opened = found.open_runbook
    if opened is not None and opened.dry_run and not dry_run:
        opened = None  # a rehearsal never stands in the way: opening supersedes it
    approval = ApprovalAnswers(confirm, role, glass, glass_reason)
    if opened is not None:
        _refuse_other_kind(opened, dry_run)
        warn(
            f"runbook {opened.id} is already open for {opened.model} (opened by "
            f"{opened.requester} at {format_time(opened.created_at)}, at step "
            f"'{opened.state}'); joining it."
        )
        refuse_unfit_target(env, opened, to)
        if opened.state != "target":
            _join(env, opened, signer, approval, options, as_json)
            return
    elif not dry_run and found.dry_run_only:
        raise MrpError(
            f"nothing can carry out a rollback of {model}: {found.executor.why}; rehearse it "
            "with --dry-run."
        )
    elif to is not None:
        _refuse_unfit(found, to)
    runbook = _request(
        env, found, opened, signer, Request(reason, to, yes, dry_run), approval, as_json
    )
    finish(drive_on(env, runbook, signer, options, as_json), as_json, env.now())


@dataclass(frozen=True)
class Request:
    """What the requester's flags answer before anything is asked."""

    reason: str | None
    to: str | None
    yes: bool
    dry_run: bool


def _request(
    env: Env,
    found: Plan,
    opened: Runbook | None,
    signer: Signer,
    request: Request,
    approval: ApprovalAnswers,
    as_json: bool,
) -> Runbook:
    """Reason, target, pre-checks and phrase, then the runbook opened (or ``opened``, which
    waits at the target step) with its target chosen, judged and, when the pre-checks pass,
    approved by the requester. Nothing is written until the target is eligible and the
    phrase is right."""
    from console.runbook import present
    from console.runbook.fired import fired_metrics, live_triggers
    from console.runbook.planning import preview_checks
    from console.runbook.prechecks import blocking
    from console.runbook.service import choose_target, run_prechecks

    width = line_width()
    model = found.model
    dry_run = request.dry_run if opened is None else opened.dry_run
    if not as_json:
        told = (
            present.evidence_lines(found.evidence, model, width)
            if opened is None
            else present.summary_lines(opened, width, env.now())
        )
        for line in told:
            echo(line)
    if opened is None:
        text = (
            request.reason
            if request.reason is not None
            else ask("Reason for the rollback", "--reason TEXT")
        )
        if not text.strip():
            raise MrpError("a rollback needs a reason: say what is wrong (--reason TEXT).")
    else:
        text = opened.reason
        if request.reason is not None and request.reason.strip() != text:
            warn(
                f"runbook {opened.id} keeps the reason it was opened with ('{text}'); "
                "--reason is not recorded."
            )
    if not as_json:
        echo(f"targets ({found.rollback.target}):")
        candidates = found.target.candidates
        live = live_triggers(found.evidence, found.facts, env.policies)
        fired = fired_metrics(found.evidence, live, candidates)
        for line in present.candidate_lines(candidates, found.target.suggested, width, fired):
            echo(line)
    target = request.to or (found.target.suggested if request.yes else None)
    if target is None:
        target = ask(
            "Roll back to version",
            "--to VERSION",
            default=found.target.suggested or None,
            runbook=opened,
        )
        _refuse_unfit(found, target)
    checks = preview_checks(env, found, target, dry_run, opened)
    if not as_json:
        echo("pre-checks:")
        for line in present.check_lines(checks, width):
            echo(line)
    if blocking(checks, break_glass=True):
        _record_refusal(env, found, opened, text, signer, dry_run, target)
    phrase = found.phrase(target)
    typed = (
        approval.confirm
        if approval.confirm is not None
        else ask(f"Type {phrase} to confirm", f"--confirm {phrase}", runbook=opened)
    )
    if typed.strip() != phrase:
        raise MrpError(
            f"the confirmation phrase does not match: you typed '{typed.strip()}'; type {phrase} "
            "exactly to confirm the rollback. Nothing was written."
        )
    why_glass = None
    if approval.glass:
        why_glass = (
            approval.glass_reason
            if approval.glass_reason is not None
            else ask("Break-glass reason", "--break-glass-reason TEXT", runbook=opened)
        )
    runbook = opened or _open(env, found, text, signer, dry_run)
    runbook = choose_target(env, runbook.id, signer, target)
    runbook = run_prechecks(env, runbook.id, signer)
    if runbook.state == "approvals":
        runbook = _confirm(env, runbook, signer, phrase, approval.role, why_glass)
    return runbook


def _open(env: Env, found: Plan, reason: str, signer: Signer, dry_run: bool) -> Runbook:
    """Open the runbook; a dry run it superseded (aborted) is said on stderr."""
    from console.runbook.service import open_runbook

    runbook = open_runbook(env, found, reason, signer, dry_run)
    if runbook.supersedes is not None:
        was = found.open_runbook
        how = (
            f" (opened by {was.requester} at {format_time(was.created_at)}, at step '{was.state}')"
            if was is not None and was.id == runbook.supersedes
            else ""
        )
        warn(
            f"runbook {runbook.supersedes}, a dry run of {runbook.model}{how}, is aborted: "
            f"superseded by this real rollback, runbook {runbook.id} (the abort is signed by "
            f"{signer.name})."
        )
    return runbook


def _refuse_unfit(found: Plan, target: str) -> None:
    """A target the candidates list already shows cannot serve is refused before anything
    is written (no runbook is left open at the target step, blocking the model)."""
    from console.runbook.target import unfit

    if not target:
        return  # no suggestion either: ``preview_checks`` says so
    why = unfit(found.model, found.facts.serving_version, found.target, target)
    if why is not None:
        raise MrpError(f"{why} Nothing was written.")


def _refuse_other_kind(runbook: Runbook, dry_run: bool) -> None:
    """Joining never turns a real rollback into a rehearsal (a real rollback supersedes a
    rehearsal instead of joining it)."""
    if runbook.dry_run == dry_run:
        return
    kind, asked = (
        ("a dry run", "a real rollback") if runbook.dry_run else ("a real rollback", "--dry-run")
    )
    raise MrpError(
        f"runbook {runbook.id} is already open for {runbook.model} as {kind}, and this asks "
        f"for {asked}: carry that one on (`mrp runbook show {runbook.id}`) or abort it "
        f"(`mrp runbook abort {runbook.id}`) first."
    )


def _record_refusal(
    env: Env,
    found: Plan,
    opened: Runbook | None,
    reason: str,
    signer: Signer,
    dry_run: bool,
    target: str,
) -> None:
    """Record the attempt and its failed pre-check (in ``opened``, or a new runbook), then
    refuse (exit 2)."""
    from console.runbook.drive import precheck_failed
    from console.runbook.service import choose_target, run_prechecks

    runbook = opened or _open(env, found, reason, signer, dry_run)
    runbook = choose_target(env, runbook.id, signer, target)
    raise precheck_failed(run_prechecks(env, runbook.id, signer))


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


def _join(
    env: Env,
    runbook: Runbook,
    signer: Signer,
    approval: ApprovalAnswers,
    options: DriveOptions,
    as_json: bool,
) -> None:
    """Join a runbook past its target step: approve it at approvals, or carry it on from
    where it stopped (pre-checks, execute, verify) as `mrp runbook resume` does."""
    if runbook.state == "approvals":
        runbook = sign_approval(env, runbook, signer, approval, as_json)
    finish(drive_on(env, runbook, signer, options, as_json), as_json, env.now())
