"""Where an open runbook stands: what it waits on, and what moves it on.

One wording for ``mrp runbook list`` and ``show``, the line ``mrp rollback`` ends with, and
the console's approval step. A runbook at approvals whose pre-checks found a change freeze
or stale data takes no ordinary approval (``approving.approve`` refuses it): only
break-glass moves it on, so it is not "waiting for N more approvals". One sent back to the
target step by a failed pre-check (a cooldown, an archived target) waits for another target.
"""

from __future__ import annotations

from datetime import datetime

from console.clock import format_time
from console.policy.model import FreezeWindow
from console.runbook.approvals import needed
from console.runbook.model import CheckResult, Runbook
from console.text import plural


def blockers(runbook: Runbook) -> list[CheckResult]:
    """The failed pre-checks that stop a runbook at approvals taking an ordinary approval."""
    return _failed(runbook) if runbook.state == "approvals" else []


def refusal(runbook: Runbook) -> CheckResult | None:
    """The failed pre-check that sent a runbook back to choosing a target."""
    if runbook.state != "target":
        return None
    failed = _failed(runbook)
    return failed[0] if failed else None


def blocked(runbook: Runbook, brief: bool = False) -> str | None:
    """What stops a runbook at approvals taking an ordinary approval, and what moves it on:
    ``frozen until 2026-11-03T00:00:00Z: break-glass only`` (``brief``: ``frozen:
    break-glass only``, for a table); None when nothing does."""
    stopped = blockers(runbook)
    if not stopped:
        return None
    what = ", ".join(_blocker_words(runbook, check, brief) for check in stopped)
    if runbook.rollback.approvals.break_glass:
        return f"{what}: break-glass only"
    return f"{what}: abort only" + ("" if brief else " (the policy allows no break-glass)")


def standing(runbook: Runbook, brief: bool = False) -> str | None:
    """In a few words, what an open runbook waits on and what moves it on: ``needs 1 more
    approval``, ``blocked``'s words, or ``v2 refused (cooldown): choose another target``
    (``brief``: ``cooldown: choose another target``); None when it waits on no person."""
    if runbook.state == "approvals":
        return blocked(runbook, brief) or f"needs {plural(needed(runbook), 'more approval')}"
    refused = refusal(runbook)
    if refused is None:
        return None
    chosen = runbook.target.chosen if runbook.target is not None else None
    if brief or not chosen:
        return f"{refused.name}: choose another target"
    return f"v{chosen} refused ({refused.name}): choose another target"


def break_glass_command(runbook: Runbook) -> str:
    """The command that approves ``runbook`` with break-glass, as pasted into a shell."""
    return (
        f"mrp runbook approve {runbook.id} --confirm {runbook.phrase or 'MODEL@TARGET'} "
        "--break-glass --break-glass-reason TEXT"
    )


def next_commands(runbook: Runbook) -> list[str]:
    """The commands that move a stopped runbook on (none for one that only needs approvals:
    who approves is said with the count)."""
    if blockers(runbook):
        if runbook.rollback.approvals.break_glass:
            return [break_glass_command(runbook)]
        return [f"mrp runbook abort {runbook.id}"]
    if refusal(runbook) is not None:
        return [f"mrp runbook resume {runbook.id} --to VERSION", f"mrp runbook abort {runbook.id}"]
    return []


def _failed(runbook: Runbook) -> list[CheckResult]:
    return [r for r in runbook.prechecks if not r.ok]


def _blocker_words(runbook: Runbook, check: CheckResult, brief: bool) -> str:
    if check.name == "change_freeze":
        window = None if brief else _freeze_at(runbook)
        return f"frozen until {format_time(window.ends_at)}" if window else "frozen"
    if check.name == "data_fresh":
        return "stale data" if brief else "data stale at the pre-checks"
    return check.name if brief else f"pre-check {check.name} failed"


def _freeze_at(runbook: Runbook) -> FreezeWindow | None:
    """The freeze window the pre-checks found: the first that covered the moment they ran."""
    judged = _prechecks_at(runbook)
    if judged is None:
        return None
    for window in runbook.rollback.freeze:
        if window.starts_at <= judged < window.ends_at:
            return window
    return None


def _prechecks_at(runbook: Runbook) -> datetime | None:
    moves = [t.at for t in runbook.history if t.to == "approvals"]
    return moves[-1] if moves else None
