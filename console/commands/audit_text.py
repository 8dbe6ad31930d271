"""How `mrp audit show` writes a record for a person: its time to the second, and what it
says in a few words. The JSON (``--json``, the log itself) keeps every detail and the
milliseconds; a detail this cannot read is shown as it is, never hidden."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from console.clock import format_time, parse_time
from console.text import plural

SUMMARY_LIMIT = 200
"""A record summary longer than this (a JSON fallback, never a note) is cut with "…"."""


def when(ts: Any) -> str:
    """The record's time in UTC to the second (the log keeps the milliseconds)."""
    try:
        return format_time(parse_time(str(ts)))
    except ValueError:
        return str(ts)


def _moves(d: dict[str, Any]) -> str:
    return f"{d.get('from_version') or '?'} → {d.get('to_version') or '?'}"


def _open(d: dict[str, Any]) -> str:
    dry = " (dry run)" if d.get("dry_run") else ""
    return f"opened {d['runbook']}{dry}: {d['reason']}"


def _target(d: dict[str, Any]) -> str:
    chosen, suggested = d["to_version"], d.get("suggested")
    if chosen == suggested:
        return f"target {chosen} (the policy's suggestion)"
    return f"target {chosen} (suggested: {suggested or 'none'})"


def _precheck(d: dict[str, Any]) -> str:
    failed = [str(c["name"]) for c in d["checks"] if not c.get("ok")]
    if d.get("at_step") == "approvals":  # a freeze and the data's age judged again
        judged = failed or [str(c["name"]) for c in d["checks"]]
        return f"re-judged at approvals: {', '.join(judged)} {'failed' if failed else 'passed'}"
    if not failed:
        return f"{plural(len(d['checks']), 'pre-check')} passed"
    return f"pre-checks failed: {', '.join(failed)}"


def _approve(d: dict[str, Any]) -> str:
    done = " (enough)" if d.get("satisfied") else ""
    return f"approval {d['approval']} of {d['required']} for {_moves(d)}{done}"


def _execute(d: dict[str, Any]) -> str:
    if d.get("dry_run"):
        return f"dry run: {d.get('alias', 'alias')} {_moves(d)} not moved"
    return f"{d['outcome']}: {d.get('alias', 'alias')} {_moves(d)}"


def _verify(d: dict[str, Any]) -> str:
    outcome = str(d["outcome"])
    words = outcome.replace("_", " ")
    if d.get("mode") == "rehearsal":  # a dry run moved nothing: say what a rollback would do
        rehearsed = {"recovered": "would recover", "not_recovered": "would not recover"}
        words = f"{rehearsed.get(outcome, words)} (rehearsal)"
    firing = d.get("still_firing") or []
    return words + (f"; still firing: {', '.join(map(str, firing))}" if firing else "")


def _close(d: dict[str, Any]) -> str:
    return "closed: " + str(d["outcome"]).replace("_", " ")


def _abort(d: dict[str, Any]) -> str:
    return f"aborted at {d['at_step']}: {d.get('reason') or 'no reason given'}"


def _break_glass(d: dict[str, Any]) -> str:
    unjudged = " (checks not re-judged)" if d.get("rejudged") is False else ""
    return f"break-glass: {d['reason']}{unjudged}"


def _checkpoint(d: dict[str, Any]) -> str:
    return f"checkpoint after {plural(int(d['verified_records']), 'verified record')}"


_BY_ACTION: dict[str, Callable[[dict[str, Any]], str]] = {
    "runbook.open": _open,
    "runbook.target": _target,
    "runbook.precheck": _precheck,
    "runbook.approve": _approve,
    "runbook.break_glass": _break_glass,
    "runbook.execute": _execute,
    "runbook.verify": _verify,
    "runbook.close": _close,
    "runbook.abort": _abort,
    "checkpoint": _checkpoint,
}


def summary(action: str, details: Any) -> str:
    """A record's details in a few words: a note's text whole, a runbook step by what it
    decided; anything else (or a detail missing its keys) as compact JSON."""
    if isinstance(details, dict):
        if isinstance(details.get("text"), str):
            return " ".join(details["text"].split())
        describe = _BY_ACTION.get(action)
        if describe is not None:
            try:
                return " ".join(describe(details).split())
            except (KeyError, TypeError, ValueError):
                pass  # a record of another shape: show it as it is
    text = json.dumps(details, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"
