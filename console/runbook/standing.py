"""Where an open runbook stands: what it waits on, and what moves it on.

One wording for ``mrp runbook list`` and ``show``, the line ``mrp rollback`` ends with, the
refusal of an approval, and the console's approval step. A runbook at approvals whose
checks found a change freeze or stale data takes no ordinary approval (``approving.approve``
refuses it) until the freeze ends or a sync brings fresh data: each approval judges both
again (``console.runbook.rejudging``); meanwhile break-glass, where the policy allows it,
moves it on. One sent back to the target step by a failed pre-check (a cooldown, an archived
target) waits for another target.

Given ``now``, a freeze that has ended by then no longer counts as blocking, and one that
covers ``now`` counts even when it began after the checks were judged (the next approval
judges it again and records that); stale data counts until an approval or a resume finds
fresh data.
"""

from __future__ import annotations

from datetime import datetime

from console.clock import format_time
from console.policy.model import FreezeWindow
from console.runbook.approvals import approve_command, needed
from console.runbook.freeze import freeze_check
from console.runbook.model import CheckResult, Runbook
from console.text import plural

TIMELY = frozenset({"change_freeze", "data_fresh"})
"""The failures that lift by themselves, so an ordinary approval may follow."""


def blockers(runbook: Runbook, now: datetime | None = None) -> list[CheckResult]:
    """The failed checks that stop a runbook at approvals taking an ordinary approval (with
    ``now``, a freeze that has ended by then does not, and one that began since the checks
    were judged does)."""
    if runbook.state != "approvals":
        return []
    held = [r for r in _failed(runbook) if not _ended(runbook, r, now)]
    begun = _begun(runbook, now)
    return held if begun is None else [begun, *held]


def lifted(runbook: Runbook, now: datetime | None) -> list[CheckResult]:
    """The failed checks at approvals that have ended by ``now`` (a freeze over)."""
    if runbook.state != "approvals":
        return []
    return [r for r in _failed(runbook) if _ended(runbook, r, now)]


def refusal(runbook: Runbook) -> CheckResult | None:
    """The failed pre-check that sent a runbook back to choosing a target."""
    if runbook.state != "target":
        return None
    failed = _failed(runbook)
    return failed[0] if failed else None


def blocked(runbook: Runbook, brief: bool = False, now: datetime | None = None) -> str | None:
    """What stops a runbook at approvals taking an ordinary approval, and what moves it on:
    ``frozen until 2026-11-03T00:00:00Z: approve once it ends, or break-glass now``
    (``brief``: ``frozen: wait, or break-glass``, for a table); None when nothing does."""
    stopped = blockers(runbook, now)
    if not stopped:
        return None
    what = ", ".join(_blocker_words(runbook, check, brief) for check in stopped)
    return f"{what}: {_way_on(runbook, stopped, brief)}"


def standing(runbook: Runbook, brief: bool = False, now: datetime | None = None) -> str | None:
    """In a few words, what an open runbook waits on and what moves it on: ``needs 1 more
    approval``, ``blocked``'s words, or ``v2 refused (cooldown): choose another target``
    (``brief``: ``cooldown: choose another target``); None when it waits on no person."""
    if runbook.state == "approvals":
        return blocked(runbook, brief, now) or f"needs {waiting(runbook, brief, now)}"
    refused = refusal(runbook)
    if refused is None:
        return None
    chosen = runbook.target.chosen if runbook.target is not None else None
    if brief or not chosen:
        return f"{refused.name}: choose another target"
    return f"v{chosen} refused ({refused.name}): choose another target"


def waiting(runbook: Runbook, brief: bool = False, now: datetime | None = None) -> str:
    """``2 more approvals``, and (not ``brief``) ``(the freeze ended at ...)`` once it has."""
    count = plural(needed(runbook), "more approval")
    ended = [_freeze_end(runbook, r) for r in lifted(runbook, now)]
    if brief or not ended or ended[0] is None:
        return count
    return f"{count} (the change freeze ended at {format_time(ended[0])})"


def refusal_sentence(runbook: Runbook, stopped: list[CheckResult]) -> str:
    """Why an ordinary approval was refused, and what moves the runbook on instead."""
    why = " ".join(r.detail for r in stopped)
    names = {r.name for r in stopped}
    way = "Approve again " + _once(names) + ", or " if names <= TIMELY else "Only "
    if runbook.rollback.approvals.break_glass:
        glass = "break-glass now" if names <= TIMELY else "break-glass can approve it now"
        return f"{why} {way}{glass}: `{break_glass_command(runbook)}`."
    if names <= TIMELY:
        return f"{why} {way}abort it: `mrp runbook abort {runbook.id}`."
    return f"{why} No approval can move this rollback on: `mrp runbook abort {runbook.id}`."


def break_glass_command(runbook: Runbook) -> str:
    """The command that approves ``runbook`` with break-glass, as pasted into a shell."""
    return (
        f"mrp runbook approve {runbook.id} --confirm {runbook.phrase or 'MODEL@TARGET'} "
        "--break-glass --break-glass-reason TEXT"
    )


def next_commands(runbook: Runbook, now: datetime | None = None) -> list[str]:
    """The commands that move a stopped runbook on (none for one that only needs approvals:
    who approves is said with the count)."""
    stopped = blockers(runbook, now)
    if stopped:
        names = {r.name for r in stopped}
        commands = ["mrp sync"] if "data_fresh" in names else []
        if names <= TIMELY:
            commands.append(approve_command(runbook))
        if runbook.rollback.approvals.break_glass:
            return [*commands, break_glass_command(runbook)]
        return [*commands, f"mrp runbook abort {runbook.id}"]
    if refusal(runbook) is not None:
        return [f"mrp runbook resume {runbook.id} --to VERSION", f"mrp runbook abort {runbook.id}"]
    return []


def _failed(runbook: Runbook) -> list[CheckResult]:
    return [r for r in runbook.prechecks if not r.ok]


def _begun(runbook: Runbook, now: datetime | None) -> CheckResult | None:
    """The failed freeze check the next approval will record: a freeze covering ``now`` that
    the checks the runbook holds did not find (nothing is judged or written here)."""
    if now is None or any(r.name == "change_freeze" and not r.ok for r in runbook.prechecks):
        return None
    judged = freeze_check(runbook.rollback, now)
    return None if judged.ok else judged


def _ended(runbook: Runbook, check: CheckResult, now: datetime | None) -> bool:
    if now is None or check.name != "change_freeze":
        return False
    end = _freeze_end(runbook, check)
    return end is not None and end <= now


def _once(names: set[str], sync: str = "`mrp sync`") -> str:
    """When an ordinary approval may follow: ``once it ends``, ``once `mrp sync` brings
    fresh data``, or both."""
    if names == {"change_freeze"}:
        return "once it ends"
    moments = ["the freeze ends"] if "change_freeze" in names else []
    if "data_fresh" in names:
        moments.append(f"{sync} brings fresh data")
    return "once " + " and ".join(moments)


def _way_on(runbook: Runbook, stopped: list[CheckResult], brief: bool) -> str:
    names = {r.name for r in stopped}
    glass = runbook.rollback.approvals.break_glass
    if not names <= TIMELY:
        if glass:
            return "break-glass only"
        return "abort only" + ("" if brief else " (the policy allows no break-glass)")
    if brief:
        waits = [w for n, w in (("change_freeze", "wait"), ("data_fresh", "sync")) if n in names]
        return f"{' and '.join(waits)}, or {'break-glass' if glass else 'abort'}"
    ordinary = f"approve {_once(names, 'a sync')}"
    if glass:
        return f"{ordinary}, or break-glass now"
    return f"{ordinary}, or abort (the policy allows no break-glass)"


def _blocker_words(runbook: Runbook, check: CheckResult, brief: bool) -> str:
    if check.name == "change_freeze":
        end = None if brief else _freeze_end(runbook, check)
        return f"frozen until {format_time(end)}" if end else "frozen"
    if check.name == "data_fresh":
        return "stale data" if brief else "data stale"
    return check.name if brief else f"pre-check {check.name} failed"


def _freeze_end(runbook: Runbook, check: CheckResult) -> datetime | None:
    """When the freeze a failed check found ends (read from the policy for a runbook saved
    before checks kept it: the window that covered the moment the pre-checks ran)."""
    if check.until is not None:
        return check.until
    window = _freeze_at(runbook)
    return None if window is None else window.ends_at


def _freeze_at(runbook: Runbook) -> FreezeWindow | None:
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
