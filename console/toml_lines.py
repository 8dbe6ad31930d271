"""Which line of a TOML file writes a key, for errors that name ``file:LINE`` (tomllib
keeps no positions). A light reading of the text, enough for hand-written config: table
headers, plain, quoted and dotted keys, and multi-line strings skipped."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY = rf"\s*{_PART}(?:\s*\.\s*{_PART})*\s*"
_HEADER = re.compile(rf"\[\[?(?P<key>{_KEY})\]\]?")
_ASSIGNMENT = re.compile(rf"(?P<key>{_KEY})=")


def _parts(key: str) -> tuple[str, ...]:
    return tuple(part[1:-1] if part[:1] in "\"'" else part for part in re.findall(_PART, key))


def _written_keys(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Each header or key line with its number and the full key it writes or opens."""
    keys: list[tuple[int, tuple[str, ...]]] = []
    table: tuple[str, ...] = ()
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        starts_in_string = in_string
        in_string ^= (line.count('"""') + line.count("'''")) % 2 == 1
        if starts_in_string:
            continue
        header = _HEADER.match(line.strip())
        if header:
            table = _parts(header["key"])
            keys.append((number, table))
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            keys.append((number, (*table, *_parts(assignment["key"]))))
    return keys


def key_line(text: str, key: Sequence[str]) -> int | None:
    """The line that writes ``key`` (as ``a.b.c``'s parts), else the line that writes the
    nearest table holding it (an inline table, or the header of the table a required key
    is missing from); None when no line writes any of them (a table only ever opened as
    part of longer headers, such as ``sources`` by ``[sources.prom]``, has no line)."""
    written = _written_keys(text)
    for length in range(len(key), 0, -1):
        wanted = tuple(key[:length])
        found = next((number for number, path in written if path == wanted), None)
        if found is not None:
            return found
    return None
