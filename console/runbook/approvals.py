"""Who may approve a rollback, and when the approvals are enough.

The policy's ``approvals`` names how many distinct signers and which roles count. One
signer (one name, one key) counts once, however many roles their key holds, so the
requester alone never satisfies a two-person rule. Break-glass, where the policy allows it,
replaces the count with one signer's written reason, and is flagged wherever it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from console.audit.keys_model import Signer
from console.clock import format_duration
from console.errors import MrpError
from console.runbook.model import Runbook
from console.text import plural


def check_phrase(runbook: Runbook, typed: str | None) -> str:
    """The phrase, when it names this runbook's model and target exactly; MrpError if not."""
    expected = runbook.phrase
    if expected is None:
        raise MrpError(f"runbook {runbook.id} has no target yet, so there is nothing to confirm.")
    if typed is None or typed.strip() != expected:
        shown = "nothing" if not typed or not typed.strip() else f"'{typed.strip()}'"
        raise MrpError(
            f"the confirmation phrase does not match: you typed {shown}; type {expected} "
            "exactly to confirm the rollback."
        )
    return expected


def approval_role(runbook: Runbook, signer: Signer, requested: str | None = None) -> str:
    """The role ``signer`` approves in: ``requested`` if given, else the first of their key's
    roles that the policy accepts. MrpError when none counts."""
    allowed = runbook.rollback.approvals.roles
    if requested is not None:
        if requested not in signer.roles:
            held = ", ".join(signer.roles) or "none"
            raise MrpError(
                f"{signer.name}'s key does not hold the role '{requested}' (it holds: {held})."
            )
        if allowed and requested not in allowed:
            raise MrpError(
                f"the policy does not accept approvals in the role '{requested}' "
                f"(it accepts: {', '.join(allowed)})."
            )
        return requested
    for role in signer.roles:
        if not allowed or role in allowed:
            return role
    held = ", ".join(signer.roles) or "none"
    raise MrpError(
        f"{signer.name} cannot approve this rollback: the policy accepts the roles "
        f"{', '.join(allowed)}, and {signer.name}'s key holds {held}."
    )


def check_can_approve(runbook: Runbook, signer: Signer) -> None:
    """Refuse a second approval by the same signer or the same key."""
    if runbook.superseded_by is not None:
        raise MrpError(
            f"runbook {runbook.id} was a dry run, aborted when the real rollback "
            f"{runbook.superseded_by} of {runbook.model} superseded it: approve that one "
            f"(`mrp runbook show {runbook.superseded_by}`)."
        )
    if runbook.state != "approvals":
        raise MrpError(
            f"runbook {runbook.id} is at step '{runbook.state}', not waiting for approvals."
        )
    for approval in runbook.approvals:
        if approval.signer == signer.name or approval.key_id == signer.key_id:
            raise MrpError(
                f"{signer.name} already approved runbook {runbook.id} (key {approval.key_id}); "
                "one signer counts once: another signer must approve with "
                f"`mrp runbook approve {runbook.id} --as NAME`."
            )


def check_break_glass(runbook: Runbook, reason: str | None) -> str:
    if not runbook.rollback.approvals.break_glass:
        raise MrpError(
            f"the policy for {runbook.model} does not allow break-glass; it needs "
            f"{plural(runbook.rollback.approvals.required, 'approval')}."
        )
    if reason is None or len(reason.strip()) < 10:
        raise MrpError(
            "break-glass needs a written reason of at least 10 characters (why the normal "
            "approvals cannot wait)."
        )
    return reason.strip()


def needed(runbook: Runbook) -> int:
    """How many more approvals the runbook needs (0 once satisfied or broken glass)."""
    if runbook.break_glass is not None:
        return 0
    signers = {a.signer for a in runbook.approvals}
    keys = {a.key_id for a in runbook.approvals}
    counted = min(len(signers), len(keys))
    return max(0, runbook.rollback.approvals.required - counted)


def approve_command(runbook: Runbook) -> str:
    """The command a signer approves ``runbook`` with."""
    return (
        f"mrp runbook approve {runbook.id} --as NAME --confirm {runbook.phrase or 'MODEL@TARGET'}"
    )


def approvers(roles: Sequence[str]) -> str:
    """Who an approval may come from, as the policy's rule means it: a signer in any one of
    the roles (the roles in parentheses read as if each of them had to approve)."""
    if not roles:
        return "any trusted signer"
    if len(roles) == 1:
        return roles[0]
    return "any of: " + ", ".join(roles)


def needed_lines(runbook: Runbook) -> list[str]:
    """How many more approvals, by whom so far, and how the next signer approves."""
    missing = needed(runbook)
    who = approvers(runbook.rollback.approvals.roles)
    done = ", ".join(f"{a.signer} ({a.role})" for a in runbook.approvals) or "none yet"
    return [
        f"{plural(missing, 'more approval')} needed from {who}; approved by: {done}.",
        f"Another signer approves with `{approve_command(runbook)}`.",
        completing_words(runbook),
    ]


def completing_words(runbook: Runbook) -> str:
    """What the approval that completes the count goes on to do, and how to keep it short."""
    if runbook.dry_run:
        return (
            "The approval that completes the count carries the dry run on to its close (nothing "
            "is moved), unless --no-continue."
        )
    window = format_duration(runbook.rollback.verify.window)
    return (
        "The approval that completes the count executes the rollback, then watches the "
        f"triggers for the {window} verify window before it returns: add --verify-timeout 2m "
        "to watch less (the runbook then waits at verify for `mrp runbook resume`), or "
        "--no-continue to only approve."
    )
