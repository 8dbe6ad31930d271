"""Carry a runbook forward as far as it can go without a person's decision.

Used by ``mrp rollback``, ``mrp runbook resume`` and ``approve``: target (the given or
suggested version), pre-checks, execute, verify and close happen on their own; approvals
stop the drive until enough signers have confirmed (a change freeze and the data's age
judged again there), and a failed pre-check stops it until someone chooses another target
or aborts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from console.audit.keys_model import Signer
from console.errors import MrpError
from console.runbook.approvals import needed
from console.runbook.ending import close
from console.runbook.env import Env
from console.runbook.execute import execute
from console.runbook.model import Runbook
from console.runbook.prechecks import failures
from console.runbook.rejudging import recheck
from console.runbook.service import choose_target, run_prechecks, step
from console.runbook.verify import Progress, Watcher
from console.runbook.verifying import verify


@dataclass(frozen=True)
class DriveOptions:
    to: str | None = None
    """The target to choose at the target step (default: the policy's suggestion)."""
    verify_timeout: timedelta | None = None
    notes: str | None = None
    close: bool = True
    """Close once verification has an outcome."""
    poll: float | None = None


class PrecheckFailed(MrpError):
    """The target failed a pre-check that break-glass cannot override."""


def precheck_failed(runbook: Runbook) -> PrecheckFailed:
    """The refusal of ``runbook``'s target, which a failed pre-check sent back to choosing
    another: what failed, and the two ways on."""
    first = failures(runbook.prechecks)[0]
    return PrecheckFailed(
        f"pre-check '{first.name}' failed: {first.detail} Runbook {runbook.id} is back at "
        f"choosing a target: `mrp runbook resume {runbook.id} --to VERSION`, or "
        f"`mrp runbook abort {runbook.id}`."
    )


Announce = Callable[[Runbook], None]


def drive(
    env: Env,
    runbook_id: str,
    signer: Signer,
    options: DriveOptions = DriveOptions(),
    announce: Announce | None = None,
    progress: Progress | None = None,
    watcher: Watcher | None = None,
) -> Runbook:
    """Advance until the runbook needs a person, finishes, or fails; returns where it is."""
    tried_target = False
    while True:
        with step(env, runbook_id, signer) as runbook:
            pass
        if announce is not None:
            announce(runbook)
        state = runbook.state
        if state in ("closed", "aborted"):
            return runbook
        if state == "target":
            if tried_target or (
                runbook.prechecks and options.to is None and _failed_before(runbook)
            ):
                return runbook
            tried_target = True
            choose_target(env, runbook_id, signer, options.to)
        elif state == "prechecks":
            done = run_prechecks(env, runbook_id, signer)
            if done.state == "target":
                raise precheck_failed(done)
        elif state == "approvals":
            if needed(runbook) > 0:
                checked = recheck(env, runbook_id, signer)
                if checked.state == "approvals" and needed(checked) > 0:
                    return checked
                continue  # another signer's approval moved it on since it was read
            raise MrpError(f"runbook {runbook.id} has its approvals but did not move on.")
        elif state == "execute":
            execute(env, runbook_id, signer)
        elif state == "verify":
            verification = runbook.verification
            if verification is None or not verification.complete:
                done = verify(
                    env,
                    runbook_id,
                    signer,
                    timeout=options.verify_timeout,
                    progress=progress,
                    poll=options.poll,
                    watcher=watcher,
                )
                if done.verification is None or not done.verification.complete:
                    return done
            elif options.close:
                close(env, runbook_id, signer, options.notes)
            else:
                return runbook


def _failed_before(runbook: Runbook) -> bool:
    return bool(failures(runbook.prechecks))
