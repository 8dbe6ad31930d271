"""Named SQL from ``queries/``: one statement or view per file, named for what it answers."""

from __future__ import annotations

from functools import cache

from console.resources import queries_dir


@cache
def sql(name: str) -> str:
    """The text of ``queries/<name>.sql`` (``name`` may contain a subfolder: ``load/metrics``)."""
    path = queries_dir() / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LookupError(f"no named query '{name}' in {queries_dir()}") from None


def statements(name: str) -> list[str]:
    """The statements of a multi-statement file such as a snapshot delete, in order."""
    return [
        part.strip() for part in sql(name).split(";\n") if part.strip() and not _only_comments(part)
    ]


def _only_comments(part: str) -> bool:
    return all(line.strip().startswith("--") or not line.strip() for line in part.splitlines())
