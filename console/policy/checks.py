"""Rules that need more than one key's value or more than one document: duplicate
trigger and policy names, metric names the workspace does not know, and (a warning, not a
problem) event kinds it has never stored.

They read the document's plain data, not the validated model, so that they are reported
alongside the document's other problems instead of only once those are fixed.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from typing import Any

from console.policy.errors import Problem
from console.policy.positions import Document


def document_problems(document: Document, known_metrics: Collection[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    first_at: dict[str, int] = {}
    policy = _text(_get(document.data, "metadata", "name"))
    triggers = _get(document.data, "spec", "triggers")
    for index, trigger in enumerate(triggers if isinstance(triggers, list) else []):
        loc = ("spec", "triggers", index)
        name = _text(_get(trigger, "name"))
        if name is not None and name in first_at:
            earlier = document.value_position(("spec", "triggers", first_at[name], "name"))
            owner = f" in policy '{policy}'" if policy else ""
            message = f"duplicate trigger name '{name}'{owner} (first at line {earlier.line})"
            problems.append(
                Problem.at(document.path, document.value_position((*loc, "name")), message)
            )
        elif name is not None:
            first_at[name] = index
        metric = _text(_get(trigger, "metric"))
        if known_metrics is not None and metric is not None and metric not in known_metrics:
            position = document.value_position((*loc, "metric"))
            problems.append(
                Problem.at(document.path, position, unknown_metric(metric, known_metrics))
            )
    return problems


def unknown_metric(metric: str, known: Collection[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(metric, names, n=1)
    if close:
        return f"unknown metric '{metric}' (did you mean '{close[0]}'?)"
    if not names:
        return f"unknown metric '{metric}' (the workspace knows no metrics yet)"
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"unknown metric '{metric}' (known: {shown})"


def unseen_event_kinds(
    documents: Iterable[Document], known_events: Collection[str] | None
) -> list[Problem]:
    """Warnings for event triggers on a kind no stored event has, but close to one that has:
    a misspelled kind never fires, as silently as a kind that has not happened yet. Only a
    near miss is named (a kind that simply never happened, a security finding, is normal),
    and as a warning, not a problem."""
    if not known_events:
        return []
    warnings: list[Problem] = []
    for document in documents:
        triggers = _get(document.data, "spec", "triggers")
        for index, trigger in enumerate(triggers if isinstance(triggers, list) else []):
            kind = _text(_get(trigger, "event"))
            message = None if kind is None else unseen_event_kind(kind, known_events)
            if message is not None:
                position = document.value_position(("spec", "triggers", index, "event"))
                warnings.append(Problem.at(document.path, position, message))
    return warnings


def windows_without_aggregate(documents: Iterable[Document]) -> list[Problem]:
    """Warnings for a trigger with a ``window`` but no ``aggregate``: it reads the latest
    sample in the window (``aggregate: last``), which is rarely what a window is written
    for. Writing ``aggregate: last`` says it is meant."""
    warnings: list[Problem] = []
    for document in documents:
        triggers = _get(document.data, "spec", "triggers")
        for index, trigger in enumerate(triggers if isinstance(triggers, list) else []):
            if not isinstance(trigger, dict) or "window" not in trigger or "aggregate" in trigger:
                continue
            if "event" in trigger:
                continue
            message = (
                "'window' without 'aggregate' reads only the latest sample in the window; "
                "write aggregate: avg (or min, max, p50, p95, p99) to combine its samples, "
                "or aggregate: last if the latest is meant"
            )
            position = document.key_position(("spec", "triggers", index, "window"))
            warnings.append(Problem.at(document.path, position, message))
    return warnings


def unseen_event_kind(kind: str, known: Collection[str]) -> str | None:
    """``no 'kind' event has been stored (did you mean ...?)`` when ``kind`` is not among
    the stored kinds ``known`` but close to one of them; None otherwise."""
    if kind in known:
        return None
    close = difflib.get_close_matches(kind, sorted(known), n=1)
    if not close:
        return None
    return f"no '{kind}' event has been stored (did you mean '{close[0]}'?)"


def duplicate_policy_names(documents: Iterable[Document]) -> list[Problem]:
    """A policy name is its identity in trigger states and the audit log: unique per set."""
    problems: list[Problem] = []
    first: dict[str, Document] = {}
    for document in documents:
        name = _text(_get(document.data, "metadata", "name"))
        if name is None:
            continue
        if name not in first:
            first[name] = document
            continue
        earlier = first[name]
        at = earlier.value_position(("metadata", "name"))
        message = (
            f"duplicate policy name '{name}' (also defined at {earlier.path}:{at.line}:{at.col})"
        )
        where = document.value_position(("metadata", "name"))
        problems.append(Problem.at(document.path, where, message))
    return problems


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
