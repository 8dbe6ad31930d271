"""The pre-checks a target must pass before anyone is asked to approve it.

Pure functions over facts read beforehand, so every result can be recorded as it was
judged. ``overridable`` marks the failures break-glass may proceed past (a change freeze,
stale data); the others stop the runbook whoever signs. Those two depend on the moment, so
approvals judge them again (``timely_checks``, ``console.runbook.rejudging``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from console.clock import format_duration, format_time
from console.policy.model import Rollback
from console.runbook.facts import ModelFacts
from console.runbook.freeze import freeze_check
from console.runbook.model import CheckResult, Runbook
from console.runbook.present import serving_phrase
from console.runbook.target import status_problem

DEFAULT_STALENESS = timedelta(minutes=5)


@dataclass(frozen=True)
class CheckInput:
    facts: ModelFacts
    target: str
    from_version: str | None
    rollback: Rollback
    now: datetime
    staleness: timedelta = DEFAULT_STALENESS
    live_serving: str | None = None
    """What the executor reads back right now (None: no executor; the store's view counts)."""
    live_source: str | None = None
    earlier: tuple[Runbook, ...] = ()
    """This model's other runbooks (for the cooldown)."""


def run_checks(given: CheckInput) -> tuple[CheckResult, ...]:
    return (
        _exists(given),
        _status(given),
        _not_serving(given),
        _unchanged(given),
        _cooldown(given),
        _freeze(given),
        _fresh(given),
    )


def timely_checks(given: CheckInput) -> tuple[CheckResult, ...]:
    """The checks whose verdict changes with time alone (a freeze starts or ends, a sync
    brings fresh data): judged again at approvals."""
    return (_freeze(given), _fresh(given))


def same_verdict(held: CheckResult | None, judged: CheckResult) -> bool:
    """``judged`` says what ``held`` said: both pass, or both fail until the same moment."""
    return held is not None and held.ok == judged.ok and (held.ok or held.until == judged.until)


def check_details(results: Iterable[CheckResult]) -> list[dict[str, Any]]:
    """The checks as a ``runbook.precheck`` record holds them (``until``: when a failed
    check lifts by itself, a freeze's end)."""
    return [
        {
            "name": r.name,
            "ok": r.ok,
            "detail": r.detail,
            "overridable": r.overridable,
            "until": None if r.until is None else format_time(r.until),
        }
        for r in results
    ]


def only_break_glass(results: Iterable[CheckResult], rollback: Rollback) -> bool:
    """Some check failed, and break-glass (which the policy allows) may proceed past all the
    failures."""
    results = list(results)
    return (
        rollback.approvals.break_glass
        and bool(blocking(results))
        and not blocking(results, break_glass=True)
    )


def failures(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.ok]


def blocking(results: Iterable[CheckResult], break_glass: bool = False) -> list[CheckResult]:
    """The failures that stop the runbook (all of them, unless break-glass may override)."""
    return [r for r in results if not r.ok and not (break_glass and r.overridable)]


def _exists(given: CheckInput) -> CheckResult:
    found = given.facts.version(given.target)
    if found is None:
        return CheckResult(
            name="target_exists",
            ok=False,
            detail=f"{given.facts.name} has no version {given.target} in the registry.",
        )
    return CheckResult(
        name="target_exists",
        ok=True,
        detail=f"version {given.target} is registered (source '{given.facts.source}').",
    )


def _status(given: CheckInput) -> CheckResult:
    found = given.facts.version(given.target)
    if found is None:
        return CheckResult(name="target_status", ok=False, detail="the target is not registered.")
    problem = status_problem(found)
    if problem is not None:
        return CheckResult(
            name="target_status",
            ok=False,
            detail=f"version {given.target} cannot serve: {problem}.",
        )
    status = found.effective_status or "not marked archived or rejected"
    return CheckResult(name="target_status", ok=True, detail=f"version {given.target} is {status}.")


def _not_serving(given: CheckInput) -> CheckResult:
    serving = given.live_serving if given.live_source else given.facts.serving_version
    if serving == given.target:
        return CheckResult(
            name="target_differs",
            ok=False,
            detail=f"version {given.target} is already serving behind {given.facts.alias}.",
        )
    return CheckResult(
        name="target_differs",
        ok=True,
        detail=f"version {given.target} is not the one serving ({serving or 'none'}).",
    )


def _unchanged(given: CheckInput) -> CheckResult:
    where = f"source '{given.live_source}'" if given.live_source else "the store"
    serving = given.live_serving if given.live_source else given.facts.serving_version
    subject, verb = serving_phrase(given.facts.name, given.facts.alias, given.rollback.mechanism)
    if serving != given.from_version:
        return CheckResult(
            name="serving_unchanged",
            ok=False,
            detail=(
                f"{subject} now {verb} {serving or 'no version'} ({where}), not "
                f"{given.from_version}, the version this runbook set out to replace: someone "
                "moved it meanwhile."
            ),
        )
    return CheckResult(
        name="serving_unchanged",
        ok=True,
        detail=f"{subject} still {verb} {serving} ({where}).",
    )


def _cooldown(given: CheckInput) -> CheckResult:
    cooldown = given.rollback.cooldown
    since = given.now - cooldown
    for runbook in given.earlier:
        execution = runbook.execution
        if runbook.dry_run or execution is None or runbook.from_version != given.target:
            continue
        done = [a.finished_at for a in execution.attempts if a.status == "done" and a.finished_at]
        if done and done[-1] >= since:
            return CheckResult(
                name="cooldown",
                ok=False,
                detail=(
                    f"version {given.target} was rolled back away from at {format_time(done[-1])} "
                    f"(runbook {runbook.id}), within the policy's {format_duration(cooldown)} "
                    "cooldown: rolling back to it again would flap."
                ),
            )
    return CheckResult(
        name="cooldown",
        ok=True,
        detail=(
            f"version {given.target} was not rolled back away from in the last "
            f"{format_duration(cooldown)}."
        ),
    )


def _freeze(given: CheckInput) -> CheckResult:
    return freeze_check(given.rollback, given.now)


def _fresh(given: CheckInput) -> CheckResult:
    last = given.facts.last_sample
    if last is None:
        return CheckResult(
            name="data_fresh",
            ok=False,
            overridable=True,
            detail=f"{given.facts.name} has no metric data to judge the rollback by.",
        )
    age = given.now - last
    if age > given.staleness:
        return CheckResult(
            name="data_fresh",
            ok=False,
            overridable=True,
            detail=(
                f"the newest sample is {format_duration(age)} old ({format_time(last)}), older "
                f"than the {format_duration(given.staleness)} staleness window: sync first."
            ),
        )
    return CheckResult(
        name="data_fresh",
        ok=True,
        detail=f"the newest sample is {format_duration(max(age, timedelta(0)))} old.",
    )
