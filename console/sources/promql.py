"""Fill a PromQL template's ``{model}`` and ``{version}`` placeholders safely.

A value is escaped for the place it stands: inside a ``"…"`` or ``'…'`` string the backslash,
that quote and line breaks are escaped; inside a raw ``\u0060…\u0060`` string it must not
contain a backtick; outside any string (``{model}_accuracy``) it must be a plain name.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{(model|version)\}")
_BRACED_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9_:]+$")
_QUOTES = "\"'`"


def unknown_placeholder(template: str) -> str | None:
    """The first ``{name}`` in ``template`` that is not ``{model}`` or ``{version}``: PromQL
    itself has no ``{name}`` (a matcher has an operator), so it is a misspelled placeholder."""
    for match in _BRACED_NAME.finditer(template):
        if match.group(1) not in ("model", "version"):
            return match.group(0)
    return None


def render(template: str, model: str, version: str | None = None) -> str:
    """The template with its placeholders filled; ValueError names what cannot be filled."""
    unknown = unknown_placeholder(template)
    if unknown is not None:
        raise ValueError(
            f"the template names {unknown}, which is not a placeholder ({{model}} or {{version}})"
        )
    values = {"model": model, "version": version}
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(template):
        char = template[index]
        match = _PLACEHOLDER.match(template, index)
        if match:
            name = match.group(1)
            value = values[name]
            if value is None:
                raise ValueError(f"the template names {{{name}}}, which has no value here")
            out.append(_escape(value, quote, name))
            index = match.end()
            continue
        out.append(char)
        if quote is None and char in _QUOTES:
            quote = char
        elif quote is not None and char == "\\" and quote != "`" and index + 1 < len(template):
            out.append(template[index + 1])
            index += 1
        elif char == quote:
            quote = None
        index += 1
    return "".join(out)


def _escape(value: str, quote: str | None, name: str) -> str:
    if quote is None:
        if not _NAME.match(value):
            raise ValueError(
                f"{name} '{value}' cannot stand outside quotes in the template; quote it, "
                f'e.g. {name}="{{{name}}}"'
            )
        return value
    if quote == "`":
        if "`" in value:
            raise ValueError(
                f"{name} '{value}' contains a backtick, so it cannot be in a raw string"
            )
        return value
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
