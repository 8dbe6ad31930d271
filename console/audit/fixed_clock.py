"""Records stamped by a fixed clock, told apart when the log is read.

A workspace whose clock is pinned (``[clock] fixed`` in mrp.toml, or ``MRP_NOW``) stamps
every record with that one instant, approvals by different people included: right for a
reproducible demo, misleading to an auditor who takes ``ts`` for when a decision was made.
A record has no field to say so (its fields are fixed, see docs/audit.md), so ``audit
show``, ``verify`` and ``export`` say it: which records carry the instant the workspace's
clock is pinned to when they are read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from console.audit.record import format_ts
from console.clock import format_time
from console.settings import PinnedTime, Workspace
from console.text import plural

CSV_COLUMN = "fixed_clock"
"""The export's column that is ``true`` for a row stamped with the fixed clock's instant."""


@dataclass(frozen=True)
class FixedClock(PinnedTime):
    """A workspace's pinned time as the audit log's readers tell it."""

    @property
    def stamp(self) -> str:
        """The instant as a record's ``ts`` writes it."""
        return format_ts(self.instant)

    def note(self, stamped: int, total: int, marked: str = "") -> str:
        """One line for a person: how many of ``total`` records carry the instant, and
        (``marked``) how to tell which."""
        verb, it = ("is", "it was") if stamped == 1 else ("are", "they were")
        return (
            f"note: {stamped} of {plural(total, 'record')} {verb} stamped "
            f"{format_time(self.instant)}, the fixed clock's time ({self.source}), "
            f"not when {it} written{marked}."
        )

    def to_json(self, stamped: int) -> dict[str, object]:
        return {"at": format_time(self.instant), "source": self.source, "stamped": stamped}


def fixed_clock(workspace: Workspace) -> FixedClock | None:
    """The workspace's pinned clock (``Workspace.pinned_time``), or None when it runs."""
    pinned = workspace.pinned_time()
    return FixedClock(pinned.instant, pinned.source) if pinned is not None else None


def stamped_lines(log: Path, clock: FixedClock) -> tuple[int, int]:
    """How many of the log's lines carry ``clock``'s instant, and how many lines it has.
    A record's ``ts`` is its last key in canonical form, so its line ends with it."""
    ending = f'"ts":"{clock.stamp}"}}'.encode()
    stamped = total = 0
    with log.open("rb") as handle:
        for line in handle:
            text = line.rstrip(b"\n")
            if text:
                total += 1
                stamped += text.endswith(ending)
    return stamped, total


def stamped_rows(exported: Path) -> tuple[int, int]:
    """How many rows of an exported CSV have ``fixed_clock`` true, and how many rows."""
    stamped = total = 0
    with exported.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            total += 1
            stamped += row.get(CSV_COLUMN) == "true"
    return stamped, total
