"""Runbooks as lines of text and as JSON, for ``mrp rollback`` and ``mrp runbook``.

Plain strings only (no Typer, no Textual): the CLI prints them, the console may reuse them.
"""

from __future__ import annotations

from typing import Any

from console.clock import format_duration, format_time
from console.runbook.approvals import needed
from console.runbook.model import Candidate, CheckResult, Evidence, Runbook, Verification
from console.runbook.store import dump
from console.text import plural


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def evidence_lines(evidence: Evidence, model: str) -> list[str]:
    since = f" since {format_time(evidence.serving_since)}" if evidence.serving_since else ""
    lines = [f"{model}: version {evidence.serving_version or '-'} serving{since}"]
    bad = [t for t in evidence.triggers if t.state != "ok"]
    if not bad:
        lines.append("  no trigger is firing, pending or without data")
    for t in bad:
        when = f" since {format_time(t.since)}" if t.since else ""
        lines.append(
            f"  {t.state:8} {t.trigger} ({t.policy}): value {_value(t.value)}, "
            f"threshold {_value(t.threshold)}{when}"
        )
    return lines


def candidate_lines(candidates: tuple[Candidate, ...], chosen: str | None) -> list[str]:
    lines = []
    for c in candidates:
        mark = ">" if c.version == chosen else " "
        metrics = ", ".join(f"{k} {_value(v)}" for k, v in sorted(c.metrics.items())[:4])
        lines.append(f" {mark} {c.version:>6}  {c.why}" + (f"  [{metrics}]" if metrics else ""))
    return lines


def check_lines(results: tuple[CheckResult, ...]) -> list[str]:
    return [f"  {'ok  ' if r.ok else 'FAIL'} {r.name}: {r.detail}" for r in results]


def verdict_words(verification: Verification) -> str:
    """A verification's outcome in words: what a watch saw, or what a rehearsal says a
    rollback would do (a dry run moved nothing, so nothing "recovered")."""
    outcome = verification.outcome
    if outcome is None:
        return "watching"
    if verification.mode == "rehearsal" and outcome != "inconclusive":
        return {"recovered": "would recover", "not_recovered": "would not recover"}[outcome]
    return outcome.replace("_", " ")


def outcome_words(runbook: Runbook) -> str:
    """How a closed runbook ended, in words."""
    if runbook.outcome == "dry_run_complete":
        verdict = runbook.verification
        rehearsal = f"; rehearsal: {verdict_words(verdict)}" if verdict is not None else ""
        return f"dry run complete (nothing changed{rehearsal})"
    return (runbook.outcome or "-").replace("_", " ")


MECHANISM_WORDS = {
    "alias_swap": "alias swap",
    "traffic_shift": "traffic shift",
    "webhook": "webhook",
}


def move_words(runbook: Runbook) -> str:
    """What executing the runbook does, as a person says it: ``point fraud-scoring's
    champion at v6 instead of v7 (alias swap)``."""
    rb = runbook
    to = f"v{rb.to_version or '?'}"
    was = f"v{rb.from_version}" if rb.from_version else "no version"
    mechanism = rb.rollback.mechanism
    if mechanism == "traffic_shift":
        what = f"shift all of {rb.model}'s {rb.alias} traffic from {was} to {to}"
    elif mechanism == "webhook":
        what = f"ask the platform to serve {rb.model} {to} instead of {was}"
    else:
        what = f"point {rb.model}'s {rb.alias} at {to} instead of {was}"
    return f"{what} ({MECHANISM_WORDS.get(mechanism, mechanism.replace('_', ' '))})"


def serving_words(runbook: Runbook) -> tuple[str, str]:
    """What serves the model and the verb that goes with it, for sentences about where it
    stands: ``("fraud's alias 'champion'", "points at")``, or for a traffic shift
    ``("fraud's traffic on 'champion'", "goes to")``."""
    return serving_phrase(runbook.model, runbook.alias, runbook.rollback.mechanism)


def serving_phrase(model: str, alias: str, mechanism: str) -> tuple[str, str]:
    """``serving_words`` before there is a runbook (pre-checks)."""
    if mechanism == "traffic_shift":
        return f"{model}'s traffic on '{alias}'", "goes to"
    return f"{model}'s alias '{alias}'", "points at"


def runbook_lines(runbook: Runbook) -> list[str]:
    """``mrp runbook show``: the whole story of one runbook."""
    rb = runbook
    head = f"runbook {rb.id}: {rb.model} {rb.from_version or '-'} → {rb.to_version or '?'}"
    lines = [
        head + (" (dry run)" if rb.dry_run else ""),
        f"  state      {rb.state}",
        f"  opened     {format_time(rb.created_at)} by {rb.requester}: {rb.reason}",
        f"  policy     {rb.policy} ({rb.rollback.mechanism}, "
        f"{plural(rb.rollback.approvals.required, 'approval')}, "
        f"verify {format_duration(rb.rollback.verify.window)})",
    ]
    if rb.evidence is not None:
        lines += ["  evidence"] + ["  " + x for x in evidence_lines(rb.evidence, rb.model)]
    if rb.prechecks:
        lines += ["  pre-checks"] + ["  " + x for x in check_lines(rb.prechecks)]
    for a in rb.approvals:
        lines.append(f"  approved   {a.signer} as {a.role} at {format_time(a.at)} (key {a.key_id})")
    if rb.break_glass is not None:
        bg = rb.break_glass
        lines.append(
            f"  BREAK-GLASS by {bg.signer} as {bg.role} at {format_time(bg.at)}: {bg.reason}"
        )
    if rb.state == "approvals":
        lines.append(f"  waiting    {plural(needed(rb), 'more approval')}")
    if rb.execution is not None:
        for attempt in rb.execution.attempts:
            what = attempt.detail or attempt.error or "in flight (intent recorded)"
            if attempt.reference:
                what += f" Platform reference: {attempt.reference}."
            lines.append(f"  execute #{attempt.n} {attempt.status}: {what}")
    if rb.verification is not None:
        v = rb.verification
        lines.append(f"  verify     {verdict_words(v)} ({v.mode}): {v.summary or ''}".rstrip())
        if v.next_step:
            lines.append(f"  next       {v.next_step}")
    if rb.state == "closed":
        lines.append(f"  closed     {outcome_words(rb)}" + (f": {rb.notes}" if rb.notes else ""))
    if rb.state == "aborted":
        lines.append(f"  aborted    {rb.abort_reason}")
    return lines


def summary_lines(runbook: Runbook) -> list[str]:
    """What a second signer reads before typing the phrase: who asks, why, what moves."""
    rb = runbook
    lines = [
        f"runbook {rb.id}: {rb.model} {rb.from_version or '-'} → {rb.to_version or '?'}"
        + (" (dry run)" if rb.dry_run else "")
        + f", at step '{rb.state}'",
        f"  opened by {rb.requester} at {format_time(rb.created_at)}: {rb.reason}",
    ]
    if rb.evidence is not None:
        firing = [f"{t.trigger} {t.state}" for t in rb.evidence.triggers if t.state != "ok"]
        lines.append(f"  evidence   {', '.join(firing) or 'no trigger firing'}")
    if rb.prechecks:
        failed = [r.name for r in rb.prechecks if not r.ok]
        lines.append(f"  pre-checks {'failed: ' + ', '.join(failed) if failed else 'all passed'}")
    done = ", ".join(f"{a.signer} ({a.role})" for a in rb.approvals) or "none yet"
    lines.append(f"  approvals  {done}; {needed(rb)} more needed")
    return lines


def list_row(runbook: Runbook) -> dict[str, Any]:
    return {
        "id": runbook.id,
        "model": runbook.model,
        "state": runbook.state,
        "from_version": runbook.from_version,
        "to_version": runbook.to_version,
        "dry_run": runbook.dry_run,
        "requester": runbook.requester,
        "created_at": runbook.created_at,
        "updated_at": runbook.updated_at,
        "approvals": [a.signer for a in runbook.approvals],
        "break_glass": runbook.break_glass is not None,
        "outcome": runbook.outcome,
    }


def as_json(runbook: Runbook) -> dict[str, object]:
    data = dump(runbook)
    data["phrase"] = runbook.phrase
    data["approvals_needed"] = needed(runbook) if runbook.state == "approvals" else 0
    return data
