"""Words for people, shared by the core and both faces (no Textual, no typer here)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 approval``, ``2 approvals``, ``1,200 points``, ``0 policies`` (``nouns`` for an
    irregular plural)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"
