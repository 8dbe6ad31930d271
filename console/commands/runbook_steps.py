"""What a command does in a runbook that is already open: a signer's approval (refused
before the phrase is asked when it could not count) and a ``--to`` (refused before anything
is written when it cannot be chosen there). Shared by `mrp rollback` joining a runbook and
`mrp runbook approve|resume`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.commands.common import echo
from console.commands.runbook_flow import ask, line_width
from console.errors import MrpError

if TYPE_CHECKING:
    from console.audit.keys_model import Signer
    from console.runbook.env import Env
    from console.runbook.model import Runbook


def sign_approval(
    env: Env,
    runbook: Runbook,
    signer: Signer,
    answers: ApprovalAnswers,
    as_json: bool,
) -> Runbook:
    """A signer's approval (or break-glass) of ``runbook`` at approvals. Refused before the
    phrase is asked when it could not count: the runbook is not at approvals, the signer
    approved already or holds no role the policy accepts, or (for an ordinary approval) a
    change freeze or stale data, judged now, stops it. Otherwise the summary as the approval
    will find it, the phrase, and the signed record."""
    from console.runbook import present
    from console.runbook.approvals import approval_role, check_can_approve
    from console.runbook.approving import approve, break_glass, refuse_if_blocked
    from console.runbook.prechecks import blocking
    from console.runbook.rejudging import foreseen

    if runbook.state != "approvals" or not answers.glass:
        check_can_approve(runbook, signer)
    approval_role(runbook, signer, answers.role)
    ahead = foreseen(env, runbook, glass=answers.glass)
    if not answers.glass and blocking(ahead.prechecks):
        runbook = ahead = refuse_if_blocked(env, runbook.id, signer)
    if not as_json:
        for line in present.summary_lines(ahead, line_width(), env.now()):
            echo(line)
    phrase = runbook.phrase or "MODEL@TARGET"
    typed = (
        answers.confirm
        if answers.confirm is not None
        else ask(f"Type {phrase} to approve", f"--confirm {phrase}", runbook=runbook)
    )
    if not answers.glass:
        return approve(env, runbook.id, signer, typed, answers.role)
    why = (
        answers.glass_reason
        if answers.glass_reason is not None
        else ask("Break-glass reason", "--break-glass-reason TEXT", runbook=runbook)
    )
    return break_glass(env, runbook.id, signer, typed, why, answers.role)


def refuse_unfit_target(env: Env, runbook: Runbook, to: str | None) -> None:
    """A ``--to`` for an open runbook, refused before anything is written when the version
    cannot be chosen (ineligible, per the candidates), or when the runbook is past choosing
    a target and ``--to`` names another one (it is never silently dropped)."""
    from console.runbook.target import choose, unfit

    if to is None:
        return
    if runbook.state == "target":
        facts = env.facts(runbook.model)
        choice = choose(facts, runbook.rollback.target, to)
        why = unfit(facts.name, facts.serving_version, choice, to)
        if why is not None:
            raise MrpError(f"{why} Nothing was written.")
        return
    if runbook.to_version == to:
        return
    if runbook.final:
        raise MrpError(
            f"runbook {runbook.id} for {runbook.model} is {runbook.state}, so --to {to} cannot "
            f"apply: roll back to {to} afresh (`mrp rollback {runbook.model} --to {to}`)."
        )
    current = f"targets version {runbook.to_version}" if runbook.to_version else "has no target"
    raise MrpError(
        f"runbook {runbook.id} for {runbook.model} is at step '{runbook.state}' and {current}, "
        f"so --to {to} cannot apply: abort it (`mrp runbook abort {runbook.id}`) and roll back "
        f"to {to} afresh."
    )


@dataclass(frozen=True)
class ApprovalAnswers:
    """What a signer's flags answer before anything is asked."""

    confirm: str | None = None
    role: str | None = None
    glass: bool = False
    glass_reason: str | None = None
