"""Which runbook a person means: an id, a unique part of one, or a model.

An id (``rb-20261115-0000-7168``) may be shortened as git shortens a hash: to a unique
prefix, of the whole id or from any of its parts on (``20261115-0000-71``, ``7168``). A
model names the runbook open for it, or (where ``latest`` allows) its most recent one.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.errors import MrpError
from console.runbook.model import Runbook
from console.runbook.store import RunbookStore

SHOWN = 5
"""Candidates an ambiguous part of an id lists by id."""


@dataclass(frozen=True)
class Found:
    runbook: Runbook
    note: str | None = None
    """Said when the runbook is not the one named outright (a model's most recent)."""


def find(store: RunbookStore, text: str, latest: bool = False) -> Found:
    """The runbook ``text`` names. A model with no runbook open names its most recent one
    when ``latest`` (with a note that says so), else is refused naming it."""
    if store.exists(text):
        return Found(store.load(text))
    open_one = store.open_for(text)
    if open_one is not None:
        return Found(open_one)
    everything = store.all()
    of_model = [r for r in everything if r.model == text]
    if of_model:
        last = of_model[0]
        if latest:
            return Found(last, f"no runbook is open for {text}; its most recent is {last.id}.")
        raise MrpError(
            f"no runbook is open for {text}; its most recent, {last.id}, is {last.state} "
            f"(`mrp runbook show {last.id}`)."
        )
    matches = [r for r in everything if _abbreviates(text, r.id)]
    if len(matches) == 1:
        return Found(matches[0])
    if matches:
        ids = ", ".join(r.id for r in matches[:SHOWN])
        more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
        raise MrpError(
            f"'{text}' matches {len(matches)} runbooks ({ids}{more}); give more of the id."
        )
    return Found(store.load(text))


def _abbreviates(text: str, runbook_id: str) -> bool:
    parts = runbook_id.split("-")
    return bool(text) and any("-".join(parts[i:]).startswith(text) for i in range(len(parts)))
