"""YAML text to plain Python values plus the source position of every key and value.

We compose nodes with ruamel's pure-Python safe parser and build the values ourselves, so
that every scalar (not only mappings) keeps its line and column, aliases and merge keys work,
timestamps stay the text the author wrote, and no YAML tag can construct an arbitrary
object. Positions are 1-based and indexed by the value's path (``("spec", "triggers", 0)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from console.policy.errors import Position, Problem

Loc = tuple[str | int, ...]

MAX_NODES = 100_000
"""Alias expansion beyond this is refused (a "billion laughs" document)."""
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_TUPLE = re.compile(r"\(('[^']*'),\)")
_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n"}


@dataclass
class Document:
    """One YAML document of a file: its plain value and where each part of it was written."""

    path: Path
    index: int
    data: Any
    start: Position
    keys: dict[Loc, Position] = field(default_factory=dict)
    values: dict[Loc, Position] = field(default_factory=dict)

    def value_position(self, loc: Loc) -> Position:
        """Where the value at ``loc`` starts, or the nearest enclosing value that exists."""
        for end in range(len(loc), -1, -1):
            found = self.values.get(loc[:end])
            if found is not None:
                return found
        return self.start

    def key_position(self, loc: Loc) -> Position:
        """Where the key of the mapping entry at ``loc`` is written (its value, for items)."""
        return self.keys.get(loc) or self.value_position(loc)

    def has(self, loc: Loc) -> bool:
        return loc in self.values


@dataclass
class ParsedFile:
    path: Path
    documents: list[Document]
    problems: list[Problem]


def decode(data: bytes, path: Path) -> tuple[str | None, Problem | None]:
    """UTF-8 (with or without a byte-order mark); a bad byte is reported where it is."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        message = f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot be decoded"
        return None, Problem(path, line, col, message)


def parse_yaml(text: str, path: Path) -> ParsedFile:
    """Every document of ``text``; a syntax error ends the file with one problem."""
    parsed = ParsedFile(path, [], [])
    yaml = YAML(typ="safe", pure=True)
    nodes = yaml.compose_all(text)
    index = 0
    while True:
        try:
            node = next(nodes)
        except StopIteration:
            break
        except MarkedYAMLError as error:
            parsed.problems.append(_syntax_problem(error, path, text))
            break
        except RecursionError:
            parsed.problems.append(Problem(path, 1, 1, "YAML nesting is too deep"))
            break
        except Exception as error:  # the parser's own errors without a mark (ReaderError, ...)
            parsed.problems.append(_unmarked_problem(error, text, path))
            break
        if node is None:
            continue
        builder = _Builder(path, yaml)
        try:
            data = builder.build(node, (), 0)
        except _Refused as refused:
            parsed.problems.append(refused.problem)
        else:
            parsed.problems.extend(builder.problems)
            if not builder.problems:
                parsed.documents.append(
                    Document(path, index, data, _position(node), builder.keys, builder.values)
                )
        index += 1
    return parsed


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _one_line(text: str) -> str:
    # ruamel sometimes formats a token as a one-element tuple: ('<block mapping start>',)
    return _TUPLE.sub(r"\1", " ".join(text.split()))


def _syntax_problem(error: MarkedYAMLError, path: Path, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = _one_line(error.problem or "") or "unexpected input"
    context = _one_line(error.context or "")
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    detail = _plain_syntax(problem, context, source) or (
        f"{problem} ({context})" if context else problem
    )
    return Problem(path, line, col, f"YAML syntax error: {detail}")


_BLOCK_SCALAR = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):\s*([>|][^\s#]*)")


def _plain_syntax(problem: str, context: str, source: str) -> str | None:
    """The parser's wording for the mistakes people make most, said in terms of what to
    write instead (None: no better wording known)."""
    block = _BLOCK_SCALAR.match(source)
    if block and "block scalar" in f"{problem} {context}":
        key, value = block.groups()
        return f'{value} starts a block of text in YAML; quote it: {key}: "{value}"'
    if "'\\t'" in problem or "\t" in problem:
        return "a tab character; YAML indents with spaces only, so replace it with spaces"
    if problem.startswith("mapping values are not allowed"):
        return (
            "unexpected 'key:' here; is this line indented further than the keys above "
            "it? (a value containing ': ' needs quotes)"
        )
    if problem.startswith("expected <block end>"):
        return (
            "this line is not indented like the lines above it: the keys of one mapping "
            "(and the '- ' of one list) must start in the same column"
        )
    if problem.startswith("could not find expected ':'"):
        return "a line with no ':' after its key (write key: value)"
    return None


def _unmarked_problem(error: Exception, text: str, path: Path) -> Problem:
    line, col = 1, 1
    offset = getattr(error, "position", None)
    if isinstance(offset, int) and 0 <= offset <= len(text):
        before = text[:offset]
        line = before.count("\n") + 1
        col = offset - (before.rfind("\n") + 1) + 1
    reason = _one_line(str(getattr(error, "reason", "") or "")) or _one_line(str(error))
    character = getattr(error, "character", None)
    if isinstance(character, str) and len(character) == 1:
        character = ord(character)
    if isinstance(character, int):
        reason = f"unacceptable character #x{character:04x}: {reason}"
    return Problem(path, line, col, f"YAML syntax error: {reason or type(error).__name__}")


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Builder:
    """Turns one composed document into plain values, recording positions as it goes."""

    def __init__(self, path: Path, yaml: YAML) -> None:
        self.path = path
        self.yaml = yaml
        self.keys: dict[Loc, Position] = {}
        self.values: dict[Loc, Position] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.open: set[int] = set()

    def refuse(self, node: Node, message: str) -> _Refused:
        return _Refused(Problem.at(self.path, _position(node), message))

    def build(self, node: Node, loc: Loc, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.refuse(
                node,
                f"the document is too large: more than {MAX_NODES:,} values "
                "(each use of an alias counts)",
            )
        if depth > MAX_DEPTH:
            raise self.refuse(node, "values are nested too deeply")
        if isinstance(node, ScalarNode):
            self.values[loc] = _position(node)
            return self.scalar(node)
        if id(node) in self.open:
            raise self.refuse(node, "a YAML alias refers to a value that contains it")
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self.expect_tag(node, "seq")
                self.values[loc] = _position(node)
                return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                self.expect_tag(node, "map")
                return self.mapping(node, loc, depth)
            raise self.refuse(node, "unsupported YAML node")
        finally:
            self.open.discard(id(node))

    def expect_tag(self, node: Node, kind: str) -> None:
        if str(node.tag) != _TAG + kind:
            raise self.refuse(node, f"unsupported YAML tag '{node.tag}'")

    def mapping(self, node: MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if str(key_node.tag) == _TAG + "merge":
                result.update(self.merged(value_node, loc, depth))
        self.values[loc] = _position(node)
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if str(key_node.tag) == _TAG + "merge":
                continue
            key = self.key(key_node)
            if key in seen:
                message = f"duplicate key '{key}' (first at line {self.keys[(*loc, key)].line})"
                self.problems.append(Problem.at(self.path, _position(key_node), message))
                continue
            seen.add(key)
            self.keys[(*loc, key)] = _position(key_node)
            result[key] = self.build(value_node, (*loc, key), depth + 1)
        return result

    def merged(self, node: Node, loc: Loc, depth: int) -> dict[str, Any]:
        """``<<: *defaults`` or ``<<: [*a, *b]`` (earlier mappings win)."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        result: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, MappingNode):
                raise self.refuse(source, "a merge key (<<) needs a mapping or a list of them")
            built = self.build(source, loc, depth + 1)
            if isinstance(built, dict):
                result.update(built)
        return result

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise self.refuse(node, "a key must be a plain name, not a list or mapping")
        return str(node.value)

    def scalar(self, node: ScalarNode) -> Any:
        tag = str(node.tag)
        text = str(node.value)
        kind = tag.removeprefix(_TAG) if tag.startswith(_TAG) else None
        if kind in ("str", "timestamp"):
            return text
        if kind == "null":
            return None
        if kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise self.refuse(node, f"'{text}' is not true or false")
        if kind in ("int", "float"):
            construct = (
                self.yaml.constructor.construct_yaml_int
                if kind == "int"
                else self.yaml.constructor.construct_yaml_float
            )
            try:
                return construct(node)
            except (ValueError, TypeError, OverflowError):
                noun = "a whole number" if kind == "int" else "a number"
                raise self.refuse(node, f"'{text}' is not {noun}") from None
        raise self.refuse(node, f"unsupported YAML tag '{tag}'")


def iter_locs(data: Any, loc: Loc = ()) -> Iterator[Loc]:
    """Every path inside a plain value, parents first (for tests and tools)."""
    yield loc
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_locs(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_locs(value, (*loc, index))
