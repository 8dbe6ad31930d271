"""Policy problems with their place in the source: ``file:line:col: message``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from console.errors import ConfigError


@dataclass(frozen=True, order=True)
class Position:
    """1-based line and column."""

    line: int
    col: int


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    col: int
    message: str

    @classmethod
    def at(cls, path: Path, position: Position, message: str) -> Problem:
        return cls(path, position.line, position.col, message)

    def render(self, shown: str | None = None, label: str = "") -> str:
        """``file:line:col: message``; ``shown`` replaces the file's name (e.g. relative),
        ``label`` goes before the message (``warning: ``)."""
        where = shown if shown is not None else self.path
        return f"{where}:{self.line}:{self.col}: {label}{self.message}"

    def __str__(self) -> str:
        return self.render()


def sort_problems(problems: Iterable[Problem], files: Sequence[Path] = ()) -> list[Problem]:
    """In the order of ``files`` (then by name), and by position within a file."""
    rank = {path: index for index, path in enumerate(files)}
    return sorted(
        problems,
        key=lambda p: (rank.get(p.path, len(rank)), str(p.path), p.line, p.col, p.message),
    )


class PolicyError(ConfigError):
    """One or more policy problems; the message is the first, as ``file:line:col: message``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("PolicyError needs at least one problem")
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self.problems[0]))
