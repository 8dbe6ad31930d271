"""Pydantic's validation errors, turned into problems at the YAML position they concern.

Pydantic reports a location such as ``("spec", "triggers", 0, "baseline", "float")``: the
path into the document followed, for a union, by the member that failed. We walk the path
through the document's data to find where it stops being a real place, group the union
members that failed at one place into one message, and point at the key (unknown or
misplaced keys) or at the value (everything else).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from console.policy.errors import Position, Problem
from console.policy.positions import Document, Loc, iter_locs

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "empty",
}
_QUOTED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)'")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LITERAL = re.compile(r"'([^']*)'")


def problems_from(
    error: ValidationError, document: Document, root: type[BaseModel]
) -> list[Problem]:
    grouped: dict[Loc, list[ErrorDetails]] = {}
    for detail in error.errors():
        loc = _data_loc(document.data, tuple(detail["loc"]), detail["type"])
        grouped.setdefault(loc, []).append(detail)
    problems = []
    for loc, details in grouped.items():
        position, message = _describe(loc, details, document, root)
        problems.append(Problem.at(document.path, position, message))
    return problems


def _data_loc(data: Any, loc: Loc, kind: str) -> Loc:
    """The longest prefix of ``loc`` that names a real place in ``data`` (plus the missing
    or unknown key itself for those two kinds of error)."""
    current = data
    for depth, part in enumerate(loc):
        if isinstance(current, dict) and isinstance(part, str) and part in current:
            current = current[part]
            continue
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            continue
        keep = kind == "missing" and depth == len(loc) - 1
        return loc[: depth + 1] if keep else loc[:depth]
    return loc


def _describe(
    loc: Loc, details: list[ErrorDetails], document: Document, root: type[BaseModel]
) -> tuple[Position, str]:
    first = details[0]
    kind = first["type"]
    key = _key_name(loc)
    if kind == "extra_forbidden":
        return document.key_position(loc), _unknown_key(loc, root)
    if kind == "missing":
        return document.value_position(loc[:-1]), f"missing required key '{key}'"
    value = _value_at(document.data, loc)
    if kind == "value_error" and isinstance(value, dict):
        message = _plain(first["msg"])
        return _blamed_key(loc, value, message, document), message
    position = document.value_position(loc)
    phrases = [_phrase(detail) for detail in details]
    if all(phrase is not None for phrase in phrases):
        expected = _either([phrase for phrase in phrases if phrase is not None])
        subject = f"'{key}'" if key else "the document"
        hint = value_hint(key, value, details, root)
        return position, f"{subject} must be {expected} (got {_shown(value)}){hint}"
    message = _plain(first["msg"])
    return position, f"'{key}': {message}" if key else message


_OP_WORDS = {
    "lt": "<",
    "less_than": "<",
    "below": "<",
    "le": "<=",
    "lte": "<=",
    "gt": ">",
    "greater_than": ">",
    "above": ">",
    "ge": ">=",
    "gte": ">=",
}
_QUANTILE = re.compile(r"^p\d+(\.\d+)?$")


def value_hint(key: str, value: Any, details: list[ErrorDetails], root: type[BaseModel]) -> str:
    """What to write instead of a wrong value, as ``: write ...`` (or "")."""
    kinds = {detail["type"] for detail in details}
    allowed = [
        name
        for detail in details
        if detail["type"] == "literal_error"
        for name in _LITERAL.findall(str((detail.get("ctx") or {}).get("expected", "")))
    ]
    if isinstance(value, str) and not value.strip() and allowed:
        example = f' ({key}: ">")' if key == "op" else ""
        return f"; an unquoted > or | starts a block of text in YAML, so quote it{example}"
    if isinstance(value, str) and kinds & {"float_type", "int_type"}:
        text = value.strip()
        if _is_number(text):
            return f"; write it without quotes: {key}: {text}"
        if text.endswith("%") and _is_number(text[:-1]) and "float_type" in kinds:
            return f"; write a fraction: {key}: {float(text[:-1]) / 100:g}"
    if not isinstance(value, str) or not allowed:
        return ""
    word = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key == "op" and word in _OP_WORDS:
        return f'; write {key}: "{_OP_WORDS[word]}" (quoted)'
    if word in allowed:
        return f"; write {key}: {word}"
    if _QUANTILE.match(word) and any(_QUANTILE.match(name) for name in allowed):
        quantiles = [name for name in allowed if _QUANTILE.match(name)]
        return f"; mrp computes the quantiles {', '.join(quantiles[:-1])} and {quantiles[-1]}"
    close = [] if key == "op" else difflib.get_close_matches(value, allowed, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    elsewhere = [name for name in literal_fields(root).get(value, []) if name != key]
    if elsewhere:
        return f"; '{value}' is a value of '{elsewhere[0]}', not of '{key}'"
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def literal_fields(root: type[BaseModel]) -> dict[str, list[str]]:
    """Every fixed value a policy key can take, with the keys that take it
    (``'page'`` -> ``['action']``)."""
    found: dict[str, list[str]] = {}
    models = [root]
    seen: set[type[BaseModel]] = set()
    while models:
        model = models.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            for option in _options(field.annotation):
                if typing.get_origin(option) is typing.Literal:
                    for literal in typing.get_args(option):
                        keys = found.setdefault(str(literal), [])
                        if (field.alias or name) not in keys:
                            keys.append(field.alias or name)
                for argument in (option, *typing.get_args(option)):
                    nested = _unwrap_model(argument)
                    if nested is not None:
                        models.append(nested)
    return found


def _key_name(loc: Loc) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return part
    return ""


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def _plain(message: str) -> str:
    text = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return text.replace("Input should be", "must be")


def _phrase(detail: ErrorDetails) -> str | None:
    kind = detail["type"]
    if kind == "literal_error":
        return str((detail.get("ctx") or {}).get("expected", "")) or None
    if kind.startswith(("greater_than", "less_than")):
        return _plain(detail["msg"]).removeprefix("must be ")
    return _EXPECTED.get(kind)


def _either(phrases: list[str]) -> str:
    unique = list(dict.fromkeys(phrases))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + ", or " + unique[-1]


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    return str(value)


def _blamed_key(loc: Loc, mapping: dict[str, Any], message: str, document: Document) -> Position:
    """A rule about several keys of one mapping points at the first key it names that is
    present (quoted names first, then any word of the message that is a key)."""
    for name in [*_QUOTED.findall(message), *_WORD.findall(message)]:
        if name in mapping:
            return document.key_position((*loc, name))
    return document.value_position(loc)


def _unknown_key(loc: Loc, root: type[BaseModel]) -> str:
    key = str(loc[-1])
    known = allowed_keys(root, loc[:-1])
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    if not hint and known:
        hint = f" (expected one of: {', '.join(known)})" if len(known) <= 12 else ""
    return f"unknown key '{key}'{hint}"


def python_name_problems(document: Document, root: type[BaseModel]) -> list[Problem]:
    """Keys spelled as the Python field (``for_``) rather than the YAML name (``for``):
    the model accepts both for code's sake, but a policy file has one spelling."""
    problems = []
    for loc in iter_locs(document.data):
        mapping = _value_at(document.data, loc)
        model = _model_at(root, loc) if isinstance(mapping, dict) else None
        if model is None:
            continue
        for key in mapping:
            field = model.model_fields.get(key)
            if field is not None and field.alias and field.alias != key:
                message = f"unknown key '{key}' (did you mean '{field.alias}'?)"
                problems.append(
                    Problem.at(document.path, document.key_position((*loc, key)), message)
                )
    return problems


def allowed_keys(root: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts in the mapping at ``loc`` (by their YAML names)."""
    model = _model_at(root, loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    current: Any = root
    for part in loc:
        current = _child(current, part)
        if current is None:
            return None
    model = _unwrap_model(current)
    return model


def _child(annotation: Any, part: str | int) -> Any:
    model = _unwrap_model(annotation)
    if model is not None and isinstance(part, str):
        for name, field in model.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    for option in _options(annotation):
        origin = typing.get_origin(option)
        arguments = typing.get_args(option)
        if origin is list and isinstance(part, int) and arguments:
            return arguments[0]
        if origin is dict and isinstance(part, str) and len(arguments) == 2:
            return arguments[1]
    return None


def _options(annotation: Any) -> Iterable[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _options(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [option for arg in typing.get_args(annotation) for option in _options(arg)]
    return [annotation]


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None
