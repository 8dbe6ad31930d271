"""What `mrp rollback` and `mrp runbook ...` share: their options, the prompt, who signs,
and driving a runbook on and printing where it stands. Prompts on a terminal; reads the
answers from stdin when it is not one."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from console.clock import format_duration, format_time, parse_duration
from console.commands.common import echo, emit_json, warn, workspace
from console.errors import MrpError

if TYPE_CHECKING:
    from console.audit.keys_model import Signer
    from console.runbook.drive import Announce, DriveOptions
    from console.runbook.env import Env
    from console.runbook.model import Runbook
    from console.runbook.verify import Watcher, Watching
    from console.settings import Workspace

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


LINE_WIDTH = 120
"""The widest a line of runbook text gets, on a wider terminal too; a narrower one wraps it
at its own width (not below ``MIN_WIDTH``)."""
MIN_WIDTH = 60


def line_width() -> int:
    columns = shutil.get_terminal_size((LINE_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(columns, LINE_WIDTH))


def ask(
    question: str, option: str, default: str | None = None, runbook: Runbook | None = None
) -> str:
    """One answer: prompted on a terminal, else the next line of stdin. ``option`` is how
    the command line gives the answer instead (``--reason TEXT``), named when the input ends
    (an empty line takes ``default``; the end of input never does). Ctrl-C cancels with exit
    130, saying that ``runbook`` (the one already open, if any) stays as it was."""
    if sys.stdin.isatty():
        try:
            answer: str = typer.prompt(
                question, default=default, err=True, show_default=bool(default)
            )
        except typer.Abort as stop:  # Ctrl-C, or Ctrl-D (end of input)
            sys.stderr.write("\n")
            if isinstance(stop.__context__, EOFError):
                raise _input_ended(question, option) from None
            raise cancelled(runbook) from None
        return answer
    shown = f" [{default}]" if default else ""
    sys.stderr.write(f"{question}{shown}: ")
    sys.stderr.flush()
    try:
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        raise cancelled(runbook) from None
    if not line:
        sys.stderr.write("\n")
        raise _input_ended(question, option)
    answer = line.strip() or (default or "")
    sys.stderr.write(f"{answer}\n")  # the answer, as a terminal would have echoed it
    return answer


def _input_ended(question: str, option: str) -> MrpError:
    return MrpError(f"no answer to '{question}': stdin ended; pass it as {option}.")


CANCELLED = 130
"""The exit code of a command cancelled with Ctrl-C (128 + SIGINT), as a shell reports it."""


def cancelled(runbook: Runbook | None) -> MrpError:
    """Ctrl-C at a prompt: what was (not) written, and how to carry on."""
    if runbook is None:
        return MrpError("cancelled at the prompt; nothing was written.", CANCELLED)
    return MrpError(
        f"cancelled at the prompt; runbook {runbook.id} stays as it was "
        f"(`{carry_on_command(runbook)}`).",
        CANCELLED,
    )


def carry_on_command(runbook: Runbook) -> str:
    """The command that takes ``runbook`` on from where it stands."""
    from console.runbook.approvals import approve_command

    if runbook.state == "target":
        return f"mrp runbook resume {runbook.id} --to VERSION"
    if runbook.state == "approvals":
        return approve_command(runbook)
    if runbook.final:
        return f"mrp runbook show {runbook.id}"
    return f"mrp runbook resume {runbook.id}"


def signed_env(
    workspace_dir: Path | None, explicit: str | None, *, judges: bool = True
) -> tuple[Env, Signer]:
    """The workspace's runbook environment and who signs in it (``--as``, else MRP_SIGNER,
    else the config's operator), with a usable keyring checked first, and an audit log that
    can take records: one deleted or cut short is refused before anything is asked. A step
    that ``judges`` nothing (an abort) does not load the policies, so a policy broken since
    the runbook opened cannot stop it."""
    from console.policy.loader import PolicySet
    from console.runbook.env import Env

    ws = workspace(workspace_dir)
    signer = _signer(ws, explicit)
    env = Env.for_workspace(ws, policies=None if judges else PolicySet())
    env.log.check()
    return env, signer


def _signer(ws: Workspace, explicit: str | None) -> Signer:
    from console.audit.keys import load_signer
    from console.runbook.drill import activate_drill_keyring
    from console.secrets import ensure_usable_keyring

    activate_drill_keyring(ws)
    ensure_usable_keyring()
    name = ws.signer_name(explicit)
    if not name:
        raise MrpError("no signer: pass --as NAME, set MRP_SIGNER, or set operator in mrp.toml.")
    return load_signer(ws, name)


def parse_timeout(text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as error:
        raise MrpError(f"--verify-timeout: {error}.") from None


def _announcer(env: Env, options: DriveOptions, as_json: bool) -> Announce:
    seen: list[str] = []

    def announce(runbook: Runbook) -> None:
        if as_json or (seen and seen[-1] == runbook.state):
            return
        seen.append(runbook.state)
        if runbook.state != "verify":
            return
        from console.runbook.present import fit, watch_words

        if runbook.execution and runbook.execution.last:
            for line in fit("execute: ", runbook.execution.last.detail or "", line_width()):
                warn(line)
        if _watches(runbook) and env.clock.fixed is None:  # pinned: the window is read at once
            told = watch_words(runbook, env.now(), options.verify_timeout)
            for line in fit("", told, line_width()):
                warn(line)

    return announce


def _watches(runbook: Runbook) -> bool:
    """A real rollback's watch is still to run (a rehearsal reads stored history at once)."""
    plan = runbook.verification
    return plan is not None and plan.mode == "watch" and not plan.complete


def _watcher(as_json: bool) -> Watcher:
    def show(watching: Watching) -> None:
        from console.runbook.present import fit

        if not as_json:
            for line in fit(f"verify {format_time(watching.at)}: ", watching.says(), line_width()):
                warn(line)

    return show


def finish(runbook: Runbook, as_json: bool, now: datetime | None = None) -> None:
    """Print where ``runbook`` stands (``now``: the workspace's, so an ended freeze does not
    block it); exit 1 when it closed without recovering."""
    from console.runbook import present
    from console.runbook.approvals import needed_lines
    from console.runbook.standing import blocked

    if as_json:
        emit_json(present.as_json(runbook))
    else:
        for line in present.runbook_lines(runbook, line_width(), now):
            echo(line)
        if runbook.state == "approvals" and blocked(runbook, now=now) is None:
            for told in needed_lines(runbook):
                for line in present.fit("", told, line_width()):
                    echo(line)
        elif runbook.state == "execute":
            echo(
                f"approved; nothing is executed yet: `mrp runbook resume {runbook.id}` executes "
                f"it{_and_watches(runbook)}."
            )
        elif runbook.state == "verify":
            echo(f"still verifying: `mrp runbook resume {runbook.id}` continues.")
    if runbook.state == "closed" and _not_recovered(runbook):
        raise typer.Exit(1)


def _and_watches(runbook: Runbook) -> str:
    if runbook.dry_run:
        return " (nothing is moved) and closes the dry run"
    return f" and watches the {format_duration(runbook.rollback.verify.window)} verify window"


def _not_recovered(runbook: Runbook) -> bool:
    """The model did not recover, or (a dry run, which closes as ``dry_run_complete``) its
    rehearsal says it would not: the exit status is 1 either way."""
    if runbook.dry_run:
        verdict = runbook.verification
        return verdict is not None and verdict.outcome == "not_recovered"
    return runbook.outcome == "not_recovered"


def drive_on(
    env: Env, runbook: Runbook, signer: Signer, options: DriveOptions, as_json: bool
) -> Runbook:
    """Carry ``runbook`` on (``console.runbook.drive``). Ctrl-C stops it where it stands,
    which is safe at any instant (each step is saved before it acts, as for a killed
    process), and says so with the command that carries it on: exit 130."""
    from console.runbook.drive import drive

    try:
        return drive(
            env,
            runbook.id,
            signer,
            options,
            announce=_announcer(env, options, as_json),
            watcher=_watcher(as_json),
        )
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        raise interrupted(env.store.load(runbook.id)) from None


def interrupted(runbook: Runbook) -> MrpError:
    """Ctrl-C while a runbook was carried on: where it stays, and how to carry it on."""
    plan = runbook.verification
    if runbook.state == "verify" and plan is not None and plan.mode == "watch":
        return MrpError(
            f"stopped watching; runbook {runbook.id} stays at verify (the move to version "
            f"{runbook.to_version} is done and stays): `mrp runbook resume {runbook.id}` "
            f"watches the rest of the window, until {format_time(plan.window_end)}.",
            CANCELLED,
        )
    return MrpError(
        f"interrupted; runbook {runbook.id} stays at step '{runbook.state}': "
        f"`{carry_on_command(runbook)}` carries it on.",
        CANCELLED,
    )
