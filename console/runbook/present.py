"""Runbooks as lines of text and as JSON, for ``mrp rollback`` and ``mrp runbook``.

Plain strings only (no Typer, no Textual): the CLI prints them, the console may reuse them.
Given a ``width``, a line longer than that wraps under its own text (the column after its
label); without one (the console, which wraps for itself), each item stays one line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from console.clock import format_duration, format_time
from console.runbook.approvals import needed
from console.runbook.fired import FiredMetric, metrics_text, shown_metrics
from console.runbook.model import Candidate, CheckResult, Evidence, Runbook, Verification
from console.runbook.standing import blocked, next_commands, standing, waiting
from console.runbook.store import dump
from console.text import plural

MIN_TEXT = 40
"""A wrapped line keeps at least this many columns for its text, however deep its label."""
CANDIDATE_METRICS = 4
"""Metrics a candidate line shows: the fired triggers' first, then others by name."""


def fit(head: str, text: str, width: int | None) -> list[str]:
    """``head + text``; with a ``width``, wrapped between words under the text's first column
    (never inside a date or a name with hyphens)."""
    if width is None or len(head) + len(text) <= width:
        return [head + text]
    hang = " " * min(len(head), max(width - MIN_TEXT, 0))
    return textwrap.wrap(
        text,
        width,
        initial_indent=head,
        subsequent_indent=hang,
        break_long_words=False,
        break_on_hyphens=False,
    )


def fit_command(head: str, command: str, width: int | None) -> list[str]:
    """A shell command after ``head``; with a ``width``, broken before an option with a
    trailing backslash, so the lines still paste into a shell as one command."""
    if width is None or len(head) + len(command) <= width:
        return [head + command]
    first, *options = command.replace(" --", "\n--").split("\n")
    lines = [head + first]
    hang = " " * (len(head) + 2)
    for option in options:
        if len(lines[-1]) + len(f" {option} \\") <= width:
            lines[-1] += " " + option
        else:
            lines[-1] += " \\"
            lines.append(hang + option)
    return lines


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def since_words(since: datetime, exact: bool) -> str:
    """When a state began, as ``mrp evaluate`` shows it: ``<=`` before a time it began at or
    before (the evaluation did not look back far enough to see it begin)."""
    return ("" if exact else "<=") + format_time(since)


def evidence_lines(evidence: Evidence, model: str, width: int | None = None) -> list[str]:
    since = f" since {format_time(evidence.serving_since)}" if evidence.serving_since else ""
    lines = fit("", f"{model}: version {evidence.serving_version or '-'} serving{since}", width)
    bad = [t for t in evidence.triggers if t.state != "ok"]
    if not bad:
        lines.append("  no trigger is firing, pending or without data")
    for t in bad:
        when = f" since {since_words(t.since, t.since_exact)}" if t.since else ""
        lines += fit(
            f"  {t.state:8} ",
            f"{t.trigger} ({t.policy}): value {_value(t.value)}, "
            f"threshold {_value(t.threshold)}{when}",
            width,
        )
    return lines


def candidate_lines(
    candidates: tuple[Candidate, ...],
    chosen: str | None,
    width: int | None = None,
    fired: Sequence[FiredMetric] = (),
) -> list[str]:
    """One line per version (``>`` marks the chosen one) and why it is or is not eligible;
    with a ``width``, its metrics over the last hour it served on the line below, led by
    the metric of each trigger that ``fired`` beside its value now."""
    lines = []
    others = max(CANDIDATE_METRICS - len(fired), 0)
    for c in candidates:
        head = f" {'>' if c.version == chosen else ' '} {c.version:>6}  "
        shown = shown_metrics(c, fired, others)
        metrics = metrics_text(shown, _value) if shown else ""
        if width is None:
            lines.append(head + c.why + (f"  [{metrics}]" if metrics else ""))
            continue
        lines += fit(head, c.why, width)
        if metrics:
            whole = metrics_text(shown, _value, space=_KEEP)
            served = fit(" " * len(head), f"last hour served: {whole}", width)
            lines += [line.replace(_KEEP, " ") for line in served]
    return lines


_KEEP = "\u00a0"
"""A space a wrapped line is not broken at (``textwrap`` breaks at ASCII whitespace only):
a metric stays on one line with its values."""


def check_lines(results: tuple[CheckResult, ...], width: int | None = None) -> list[str]:
    lines = []
    for r in results:
        lines += fit(f"  {'ok  ' if r.ok else 'FAIL'} ", f"{r.name}: {r.detail}", width)
    return lines


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


def watch_words(runbook: Runbook, now: datetime, timeout: timedelta | None = None) -> str:
    """What a watch about to run does, for how long, and how to leave it: nothing is lost
    by stopping it (Ctrl-C, or ``timeout``), the runbook waits at verify for a resume."""
    plan = runbook.verification
    assert plan is not None
    rb = runbook.id
    left = max(plan.window_end - now, timedelta(0))
    window = f"{format_duration(plan.window)} verify window"
    resume = f"`mrp runbook resume {rb}`"
    if timeout is not None and timeout < left:
        return (
            f"watching {runbook.model}'s triggers for {format_duration(timeout)} "
            f"(--verify-timeout) of the {format_duration(left)} left in the {window}, which "
            f"ends at {format_time(plan.window_end)}; then runbook {rb} waits at verify "
            f"for {resume}. Ctrl-C does the same now (the move to version {runbook.to_version} "
            "is done and stays)."
        )
    return (
        f"watching {runbook.model}'s triggers until {format_time(plan.window_end)} "
        f"({format_duration(left)} of the {window} left). Ctrl-C stops watching and leaves "
        f"runbook {rb} at verify (the move to version {runbook.to_version} is done and "
        f"stays): {resume} watches the rest."
    )


def watch_state_words(verification: Verification) -> str:
    """A watch not finished yet, for ``show``: where it stopped, or the window it covers."""
    if verification.summary:
        return verification.summary
    return (
        f"the {format_duration(verification.window)} window from the move at "
        f"{format_time(verification.window_start)} ends at "
        f"{format_time(verification.window_end)}"
    )


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


def runbook_lines(
    runbook: Runbook, width: int | None = None, now: datetime | None = None
) -> list[str]:
    """``mrp runbook show``: the whole story of one runbook (``now``: a change freeze that
    has ended by then no longer blocks it)."""
    rb = runbook

    def item(label: str, text: str) -> list[str]:
        return fit(f"  {label:<10} ", text, width)

    head = f"runbook {rb.id}: {rb.model} {rb.from_version or '-'} → {rb.to_version or '?'}"
    lines = [head + (" (dry run)" if rb.dry_run else "")]
    lines += item("state", rb.state)
    lines += item("opened", f"{format_time(rb.created_at)} by {rb.requester}: {rb.reason}")
    if rb.supersedes is not None:
        lines += item("supersedes", f"dry run {rb.supersedes}, aborted when this opened")
    lines += item(
        "policy",
        f"{rb.policy} ({rb.rollback.mechanism}, "
        f"{plural(rb.rollback.approvals.required, 'approval')}, "
        f"verify {format_duration(rb.rollback.verify.window)})",
    )
    if rb.evidence is not None:
        lines += ["  evidence"] + [
            "    " + x for x in evidence_lines(rb.evidence, rb.model, _less(width, 4))
        ]
    if rb.prechecks:
        lines += ["  pre-checks"] + ["  " + x for x in check_lines(rb.prechecks, _less(width, 2))]
    for a in rb.approvals:
        lines += item("approved", f"{a.signer} as {a.role} at {format_time(a.at)} (key {a.key_id})")
    if rb.break_glass is not None:
        bg = rb.break_glass
        lines += fit(
            "  BREAK-GLASS ",
            f"by {bg.signer} as {bg.role} at {format_time(bg.at)}: {bg.reason}",
            width,
        )
    stopped = standing(rb, now=now) if rb.state != "approvals" else blocked(rb, now=now)
    if stopped is not None:
        lines += item("blocked", stopped)
    elif rb.state == "approvals":
        lines += item("waiting", waiting(rb, now=now))
    for command in next_commands(rb, now):
        lines += fit_command(f"  {'next':<10} ", command, width)
    if rb.execution is not None:
        for attempt in rb.execution.attempts:
            what = attempt.detail or attempt.error or "in flight (intent recorded)"
            if attempt.reference:
                what += f" Platform reference: {attempt.reference}."
            lines += item("execute", f"#{attempt.n} {attempt.status}: {what}")
    if rb.verification is not None:
        v = rb.verification
        told = watch_state_words(v) if v.mode == "watch" and not v.complete else v.summary
        lines += item("verify", f"{verdict_words(v)} ({v.mode}): {told or ''}".rstrip())
        if v.next_step and (not rb.final or v.outcome == "not_recovered"):
            lines += item("next", v.next_step)  # once final, only "roll back further" is left
    if rb.state == "closed":
        lines += item("closed", outcome_words(rb) + (f": {rb.notes}" if rb.notes else ""))
    if rb.state == "aborted":
        lines += item("aborted", rb.abort_reason or "(no reason given)")
    return lines


def _less(width: int | None, columns: int) -> int | None:
    return None if width is None else width - columns


def summary_lines(
    runbook: Runbook, width: int | None = None, now: datetime | None = None
) -> list[str]:
    """What a second signer reads before typing the phrase: who asks, why, what moves."""
    rb = runbook

    def item(label: str, text: str) -> list[str]:
        return fit(f"  {label:<10} ", text, width)

    lines = fit(
        "",
        f"runbook {rb.id}: {rb.model} {rb.from_version or '-'} → {rb.to_version or '?'}"
        + (" (dry run)" if rb.dry_run else "")
        + f", at step '{rb.state}'",
        width,
    )
    lines += fit(
        "  opened by ", f"{rb.requester} at {format_time(rb.created_at)}: {rb.reason}", width
    )
    if rb.evidence is not None:
        firing = [f"{t.trigger} {t.state}" for t in rb.evidence.triggers if t.state != "ok"]
        lines += item("evidence", ", ".join(firing) or "no trigger firing")
    if rb.prechecks:
        failed = [r.name for r in rb.prechecks if not r.ok]
        lines += item("pre-checks", "failed: " + ", ".join(failed) if failed else "all passed")
    done = ", ".join(f"{a.signer} ({a.role})" for a in rb.approvals) or "none yet"
    lines += item("approvals", f"{done}; {blocked(rb, now=now) or f'{needed(rb)} more needed'}")
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
        "supersedes": runbook.supersedes,
        "superseded_by": runbook.superseded_by,
    }


def as_json(runbook: Runbook) -> dict[str, object]:
    data = dump(runbook)
    data["phrase"] = runbook.phrase
    data["approvals_needed"] = needed(runbook) if runbook.state == "approvals" else 0
    return data
