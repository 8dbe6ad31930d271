"""Which version to roll back to: the policy's suggestion and every alternative, with why.

``previous_approved`` is the version that most recently stopped serving behind the alias
and is still approved; failing that, the newest approved version older than the serving
one. A pinned ``target`` names a version. Every other version is listed with its status,
when it last served, its metrics over the last hour it served, and whether it is eligible.
"""

from __future__ import annotations

from datetime import datetime

from console.clock import format_time
from console.runbook.facts import ModelFacts, VersionFacts
from console.runbook.model import Candidate, TargetChoice

INELIGIBLE_STATUSES = frozenset(
    {
        "archived",
        "rejected",
        "deprecated",
        "deleted",
        "failed",
        "failed_registration",
        "pending_registration",
    }
)
"""A version in one of these states may not serve again (compared case-insensitively);
any other status (``approved``, MLflow's ``READY``, or none recorded) may."""


def status_problem(version: VersionFacts) -> str | None:
    """Why this version's status forbids serving it, or None."""
    status = (version.effective_status or "").strip()
    if status.lower() in INELIGIBLE_STATUSES:
        return f"it is {status.lower()}"
    return None


def _served(facts: ModelFacts, version: str) -> tuple[datetime | None, datetime | None]:
    return facts.served(version)


def suggest(facts: ModelFacts, rule: str) -> str | None:
    """The version the policy's ``target`` rule names for this model right now."""
    if rule != "previous_approved":
        return rule
    serving = facts.serving_version
    stopped: list[tuple[datetime, str]] = []
    for version in facts.versions:
        ends = facts.replaced_from(version.version)
        if version.version != serving and ends:
            stopped.append((ends[-1], version.version))
    for _end, name in sorted(stopped, reverse=True):
        found = facts.version(name)
        if found is not None and status_problem(found) is None:
            return name
    current = facts.version(serving) if serving else None
    older = [
        v
        for v in facts.versions
        if v.version != serving
        and status_problem(v) is None
        and (
            current is None
            or current.created_at is None
            or v.created_at is None
            or v.created_at < current.created_at
        )
    ]
    return older[-1].version if older else None


def candidates(facts: ModelFacts, suggested: str | None) -> tuple[Candidate, ...]:
    """Every version but the serving one, newest first, each with why it is (not) eligible."""
    found = []
    for version in reversed(facts.versions):
        if version.version == facts.serving_version:
            continue
        start, end = _served(facts, version.version)
        problem = status_problem(version)
        if problem is not None:
            why = f"not eligible: {problem}"
        elif start is None:
            status = version.effective_status or "no status"
            why = (
                f"eligible: {status}, never served behind {facts.alias}"
                if end is None
                else f"eligible: {status}, served until {format_time(end)} (since before the "
                "recorded history)"
            )
        else:
            until = format_time(end) if end else "now"
            why = (
                f"eligible: {version.effective_status or 'no status'}, served "
                f"{format_time(start)} → {until}"
            )
        if version.version == suggested and problem is None:
            why += " (the policy's suggestion)"
        found.append(
            Candidate(
                version=version.version,
                status=version.effective_status,
                created_at=version.created_at,
                served_from=start,
                served_until=end,
                eligible=problem is None,
                why=why,
                metrics=facts.metrics.get(version.version, {}),
            )
        )
    return tuple(found)


def choose(facts: ModelFacts, rule: str, chosen: str | None) -> TargetChoice:
    """The choice record for ``chosen`` (default: the suggestion); the pre-checks judge it."""
    suggested = suggest(facts, rule)
    pick = chosen or suggested
    if pick is None:
        pick = ""
    return TargetChoice(
        rule=rule, suggested=suggested, chosen=pick, candidates=candidates(facts, suggested)
    )


def unfit(
    model: str,
    serving: str | None,
    choice: TargetChoice,
    version: str,
    how: str = " with --to VERSION",
) -> str | None:
    """Why ``version`` of ``model`` cannot be the rollback target, as the list of candidates
    already says (the version ``serving``, one the registry lacks, one whose status forbids
    serving), and which versions can (chosen ``how``); None when it is eligible."""
    if version == serving:
        why = f"version {version} of {model} is the one serving"
    else:
        found = next((c for c in choice.candidates if c.version == version), None)
        if found is not None and found.eligible:
            return None
        why = (
            f"{model} has no version {version}"
            if found is None
            else f"version {version} of {model} is not eligible "
            f"({found.why.removeprefix('not eligible: ')})"
        )
    eligible = [
        c.version + (" (the policy's suggestion)" if c.version == choice.suggested else "")
        for c in choice.candidates
        if c.eligible
    ]
    if not eligible:
        return f"{why}, and no other version of it is eligible."
    return f"{why}; choose an eligible version{how}: {', '.join(eligible)}."
