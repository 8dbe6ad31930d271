"""What verify tells the operator: the summary of an outcome, the next step, and why.

A source whose sync fails is named, with its error, at every evaluation while it fails, and
in the outcome when it still fails at the end: its samples of the target cannot reach the
state database meanwhile, so "waiting for the first samples" alone would read as a quiet
model.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from console.clock import format_duration, format_time
from console.runbook.model import FailedSync, Runbook, Verification
from console.runbook.verify_judging import Judgement


def _sync_failure_words(failed: FailedSync, at: datetime) -> str:
    """One sentence: which source fails to sync, since when, and its error."""
    error = failed.error.removeprefix(f"source '{failed.source}': ").rstrip(".")
    if failed.since < at:
        return (
            f"Source '{failed.source}' has failed to sync at every evaluation since "
            f"{format_time(failed.since)}: {error}."
        )
    return f"Source '{failed.source}' failed to sync: {error}."


def failures_told(failed: Sequence[FailedSync], at: datetime) -> str:
    return "".join(f" {_sync_failure_words(f, at)}" for f in failed)


def next_step(
    runbook: Runbook,
    judgement: Judgement,
    further: str | None,
    failed: Sequence[FailedSync] = (),
) -> str:
    if judgement.outcome == "recovered" and runbook.dry_run:
        return (
            "close the dry run (nothing was moved); a real rollback to version "
            f"{runbook.to_version} should end the incident."
        )
    if judgement.outcome == "recovered":
        return "close the runbook with the outcome; keep an eye on the model's triggers."
    if judgement.outcome == "inconclusive" and failed:
        names = " and ".join(f"'{f.source}'" for f in failed)
        return (
            f"no sample of version {runbook.to_version} to judge by while the sync of {names} "
            "fails: fix it (`mrp sync` says why), then check the model's triggers "
            "(`mrp status`); the runbook closes as inconclusive."
        )
    if judgement.outcome == "inconclusive":
        return (
            f"no sample of version {runbook.to_version} to judge by: check that its metrics "
            "reach mrp (`mrp sync`, `mrp evaluate`) and keep an eye on the model's triggers; "
            "the runbook closes as inconclusive."
        )
    fires = ", ".join(judgement.still_firing)
    hint = (
        f"roll back further (`mrp rollback {runbook.model} --to {further}`)"
        if further
        else "page the model owner; no older eligible version is left"
    )
    return f"{fires} still {'fires' if len(judgement.still_firing) == 1 else 'fire'}: {hint}."


def outcome_summary(
    runbook: Runbook,
    plan: Verification,
    verdict: Judgement,
    at: datetime,
    failed: Sequence[FailedSync] = (),
) -> str:
    span = f"{format_time(plan.window_start)} → {format_time(at)}"
    version = runbook.to_version
    if verdict.outcome == "recovered":
        quiet = (
            f"; no sample of it for {', '.join(verdict.no_data)}, which had no data when the "
            "runbook opened"
            if verdict.no_data
            else ""
        )
        return (
            f"recovered: every watched trigger is ok on samples of version {version} after the "
            f"{format_duration(plan.window)} window ({span}){quiet}."
        )
    if verdict.outcome == "not_recovered":
        return (
            f"not recovered: {', '.join(verdict.still_firing)} still firing or pending on "
            f"version {version} at {format_time(at)}."
        )
    seen = (
        f"; the state database still shows version {verdict.elsewhere} serving"
        if verdict.elsewhere is not None
        else ""
    )
    return (
        f"inconclusive: no sample of version {version} after the switch for "
        f"{', '.join(verdict.no_data) or 'the watched triggers'} ({span}){seen}."
        f"{failures_told(failed, at)}"
    )


def stopped_summary(
    runbook: Runbook,
    plan: Verification,
    verdict: Judgement,
    at: datetime,
    failed: Sequence[FailedSync],
) -> str:
    """A watch its timeout cut short: where in the window it stopped, and how to resume."""
    watched = at - plan.window_start
    waiting = (
        f" No sample of version {runbook.to_version} yet for {', '.join(verdict.no_data)}."
        if verdict.no_data
        else ""
    )
    return (
        f"stopped watching at {format_time(at)}, {format_duration(watched)} "
        f"into the {format_duration(plan.window)} window (it ends at "
        f"{format_time(plan.window_end)}); resume to keep watching "
        f"(`mrp runbook resume {runbook.id}`).{waiting}"
        f"{failures_told(failed, at)}"
    )


def never_served_summary(runbook: Runbook) -> str:
    return (
        f"dry run: version {runbook.to_version} never served behind {runbook.alias}, "
        "so there is no history to rehearse the rollback against."
    )


def rehearsal_summary(
    runbook: Runbook,
    worst: Judgement,
    window: timedelta,
    start: datetime,
    replaced_at: datetime,
    now: datetime,
) -> str:
    """A dry run's outcome: how the triggers stood over the last window the target served,
    the one before it was replaced, which can be long before ``now`` (not "the last 15m")."""
    said = {
        "recovered": "every trigger firing now was ok then",
        "not_recovered": f"{', '.join(worst.still_firing)} fired or was pending",
        "inconclusive": f"{', '.join(worst.no_data) or 'the triggers'} had no samples of it",
    }[worst.outcome]
    ago = format_duration(max(now - replaced_at, timedelta(0)))
    return (
        f"dry run, nothing moved: rehearsed on version {runbook.to_version}'s last "
        f"{format_duration(window)} behind {runbook.alias}, before it was replaced "
        f"({format_time(start)} → {format_time(replaced_at)}, {ago} ago): {said}."
    )
