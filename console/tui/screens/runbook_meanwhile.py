"""What happened to a runbook behind the wizard's back: another terminal (`mrp runbook
approve`, `resume`, `abort`, `close`, or a real `mrp rollback` superseding a dry run) moved
it on or ended it while a step was on screen. The wizard says so in words, instead of the
core's refusal of a step the runbook has left."""

from __future__ import annotations

from console.runbook.model import Runbook, Transition
from console.runbook.present import outcome_words


def ended_by(runbook: Runbook) -> str:
    """Who closed or aborted ``runbook`` (the last transition's signer)."""
    return runbook.history[-1].by if runbook.history else "another signer"


def _did(runbook: Runbook, moved: Transition) -> str:
    if moved.to == "prechecks":
        return f"{moved.by} chose version {runbook.to_version}"
    if moved.to == "approvals":
        return f"{moved.by} ran the pre-checks"
    if moved.to == "execute":
        return f"{moved.by} completed the approvals"
    if moved.to == "verify":
        done = "rehearsed the move (nothing moved)" if runbook.dry_run else "moved the alias"
        return f"{moved.by} {done}"
    if moved.to == "closed":
        return f"{moved.by} closed it"
    return f"{moved.by} aborted it"


def meanwhile_words(seen: Runbook, latest: Runbook) -> str | None:
    """What others did to the runbook since the wizard last saw it (``seen``), or None when
    it has not moved (a refusal then stands as the core gave it)."""
    if seen.id != latest.id or latest.state == seen.state or latest.superseded_by is not None:
        return None  # a superseded dry run: its own step says by what
    known = len(seen.history)
    moves = latest.history[known:]
    if latest.history[:known] != seen.history or not moves:
        return None
    told = ", then ".join(_did(latest, moved) for moved in moves)
    if latest.final:
        return f"Meanwhile {told}: nothing more was recorded from this screen."
    return f"Meanwhile {told}: runbook {latest.id} is at step '{latest.state}' now."


def left_words(runbook: Runbook) -> str:
    """What "leave it open" leaves, read from the runbook as it is now: it may have ended
    elsewhere meanwhile."""
    rb = runbook
    if not rb.final:
        return (
            f"Runbook {rb.id} stays open at step '{rb.state}': resume it with r on the model "
            f"or `mrp runbook resume {rb.id}`."
        )
    who = ended_by(rb)
    if rb.superseded_by is not None:
        return (
            f"Dry run {rb.id} is no longer open: the real rollback {rb.superseded_by}, opened "
            f"by {who}, superseded it. r on {rb.model} joins the real rollback."
        )
    if rb.state == "closed":
        return f"Runbook {rb.id} is no longer open: {who} closed it ({outcome_words(rb)})."
    return f"Runbook {rb.id} is no longer open: {who} aborted it ({rb.abort_reason})."
