"""Options and output helpers shared by every command."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from console.clock import format_duration, format_time
from console.errors import MrpError

if TYPE_CHECKING:
    from console.policy.errors import Problem
    from console.settings import Workspace

WORKSPACE_PARAMETER = "workspace_dir"
"""What every command that opens a workspace calls its --workspace parameter."""

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="The workspace folder (default: MRP_HOME, then the current folder upwards, "
        "then the user config folder).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


class _Command(Protocol):
    params: list[Any]


def workspace_defaults(command: _Command, folder: Path) -> dict[str, Any]:
    """The defaults (a click ``default_map``) that make ``folder`` the --workspace of
    ``command`` and of every command under it; a --workspace given after a command wins."""
    subcommands: dict[str, _Command] = getattr(command, "commands", {})
    defaults: dict[str, Any] = {
        name: workspace_defaults(sub, folder) for name, sub in subcommands.items()
    }
    if any(p.name == WORKSPACE_PARAMETER for p in command.params):
        defaults[WORKSPACE_PARAMETER] = folder
    return defaults


def workspace(path: Path | None) -> Workspace:
    from console.settings import open_workspace

    return open_workspace(path)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(payload: Any) -> None:
    """Write JSON to stdout: times in UTC with a Z, keys in a stable order."""
    sys.stdout.write(json.dumps(payload, default=_default, ensure_ascii=False, indent=2) + "\n")


def echo(text: str = "") -> None:
    typer.echo(text)


def warn(text: str) -> None:
    typer.echo(text, err=True)


def warn_unknown_metrics(problems: Sequence[Problem], *, gate: bool) -> None:
    """Name every trigger on a metric the workspace does not know (a misspelling reads as
    "no data" where the real metric might be firing): one ``warning:`` line each; a gate
    (``--fail-on``) cannot judge such a trigger and stops, exit 2."""
    for problem in problems:
        warn(f"warning: {problem}: triggers on it have no data.")
    if gate and problems:
        raise MrpError(
            "the gate cannot judge triggers on a metric the workspace does not know; "
            "fix the policy (`mrp policy check`) first."
        )


TABLE_WIDTH = 120
"""How wide a table may be when the output is not a terminal (a pipe, a file, a CI log)."""
_MIN_WRAP = 16
_MAX_WORD = 40


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width``, broken between its "; "-separated items first,
    then between words (never at the hyphens inside a date)."""
    lines: list[str] = []
    for item in text.split("; "):
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "; " + item
            continue
        if lines:
            lines[-1] += ";"
        lines += textwrap.wrap(item, width, break_on_hyphens=False) or [""]
    return lines


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], wrap: int = -1, width: int | None = None
) -> None:
    """Aligned columns under a header row, two spaces apart. Column ``wrap`` (free text) wraps
    to keep the table within ``width``: the terminal's, else 120 columns."""
    limit = width or shutil.get_terminal_size((TABLE_WIDTH, 24)).columns
    every = [tuple(header), *(tuple(row) for row in rows)]
    count = len(header)
    wrap %= count
    widths = [max(len(row[i]) for row in every) for i in range(count)]
    others = sum(w for i, w in enumerate(widths) if i != wrap) + 2 * (count - 1)
    # never narrower than its longest word (up to a limit): overflowing beats breaking a name
    words = max((len(w) for row in every for w in row[wrap].split()), default=0)
    floor = max(min(widths[wrap], _MIN_WRAP), min(words, _MAX_WORD))
    widths[wrap] = max(min(widths[wrap], limit - others), floor)
    for row in every:
        cells = [_wrap(cell, widths[wrap]) if i == wrap else [cell] for i, cell in enumerate(row)]
        for n in range(max(len(c) for c in cells)):
            line = "  ".join(
                (c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)
            )
            echo(line.rstrip())
