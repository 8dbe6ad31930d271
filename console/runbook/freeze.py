"""The change-freeze check: a policy's freeze window covering a moment. Judged at the
pre-checks and at each approval (``console.runbook.prechecks``), and read by what a runbook
waits on (``console.runbook.standing``), which may not judge anything it would record."""

from __future__ import annotations

from datetime import datetime

from console.clock import format_time
from console.policy.model import Rollback
from console.runbook.model import CheckResult


def freeze_check(rollback: Rollback, now: datetime) -> CheckResult:
    """Fails, until the window's end, when one of the policy's freezes covers ``now``."""
    for window in rollback.freeze:
        if window.starts_at <= now < window.ends_at:
            why = f" ({window.reason})" if window.reason else ""
            way = (
                "until it ends only break-glass may proceed"
                if rollback.approvals.break_glass
                else "no rollback may proceed while it lasts (the policy allows no break-glass)"
            )
            return CheckResult(
                name="change_freeze",
                ok=False,
                overridable=True,
                until=window.ends_at,
                detail=(
                    f"a change freeze applies from {format_time(window.starts_at)} to "
                    f"{format_time(window.ends_at)}{why}; {way}."
                ),
            )
    return CheckResult(name="change_freeze", ok=True, detail="no change freeze applies now.")
