"""Load ``RollbackPolicy`` documents from YAML files, keeping where everything was written.

``check_policies`` collects every problem of every file (for ``mrp policy check``);
``load_policies`` and ``load_workspace_policies`` return a ``PolicySet`` or raise a
``PolicyError`` carrying all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from console.policy.checks import (
    document_problems,
    duplicate_policy_names,
    unseen_event_kinds,
    windows_without_aggregate,
)
from console.policy.digest import policy_digest
from console.policy.errors import PolicyError, Position, Problem, sort_problems
from console.policy.model import Rollback, RollbackPolicy, Trigger
from console.policy.positions import Document, decode, parse_yaml
from console.policy.validation import problems_from, python_name_problems

if TYPE_CHECKING:
    from console.settings import Workspace

POLICY_SUFFIXES = (".yaml", ".yml")
MAX_POLICY_BYTES = 1024 * 1024
"""A policy file larger than this is refused unread (a policy is a few kilobytes)."""


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy and where it came from (``line``/``col`` of its document)."""

    policy: RollbackPolicy
    path: Path
    line: int
    col: int = 1
    document: int = 0
    """Index of the document within its file (0 for the first)."""
    trigger_positions: tuple[Position, ...] = ()
    """Where each trigger of ``policy.spec.triggers`` starts, in the same order."""
    rollback_position: Position | None = None
    """Where the ``rollback`` key is written, if it is."""
    source: Document | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.policy.metadata.name

    @property
    def triggers(self) -> list[Trigger]:
        return self.policy.spec.triggers

    @property
    def rollback(self) -> Rollback | None:
        return self.policy.spec.rollback

    @property
    def where(self) -> str:
        """``file:line`` of the document, for messages."""
        return f"{self.path}:{self.line}"

    def trigger_position(self, name: str) -> Position:
        for trigger, position in zip(self.triggers, self.trigger_positions, strict=True):
            if trigger.name == name:
                return position
        raise KeyError(f"policy '{self.name}' has no trigger '{name}'")


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[LoadedPolicy, ...] = ()
    files: tuple[Path, ...] = ()
    digest: str = field(default_factory=lambda: policy_digest([]))
    """SHA-256 over the files' bytes as loaded (see ``console.policy.digest``)."""

    def __iter__(self) -> Iterator[LoadedPolicy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    @property
    def names(self) -> list[str]:
        return [loaded.name for loaded in self.policies]

    @property
    def trigger_count(self) -> int:
        return sum(len(loaded.triggers) for loaded in self.policies)

    def get(self, name: str) -> LoadedPolicy | None:
        return next((loaded for loaded in self.policies if loaded.name == name), None)


@dataclass(frozen=True)
class CheckResult:
    policy_set: PolicySet
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    """Worth a look, not wrong: event kinds never stored (``unseen_event_kinds``)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def policy_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named directly, and the ``*.yaml``/``*.yml`` files of folders (sorted)."""
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            named = sorted(
                child
                for child in path.iterdir()
                if child.suffix in POLICY_SUFFIXES and not child.name.startswith(".")
            )
            found = [child for child in named if child.is_file()]
            problems.extend(_not_a_file(child) for child in named if not child.is_file())
        elif path.exists():
            found = [path]
        else:
            problems.append(Problem(path, 1, 1, "no such file or folder"))
            found = []
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, problems


def _not_a_file(path: Path) -> Problem:
    """A ``*.yaml`` entry of a policy folder that cannot be read as a file: its policies
    would be left out without a word."""
    if path.is_symlink():
        reason = "is a symbolic link to nothing (or a loop of links)"
    elif path.is_dir():
        reason = "is a folder, not a policy file"
    else:
        reason = "is not a regular file"
    return Problem(path, 1, 1, f"{reason}: fix it, or move it out of the policy folder")


def workspace_policy_files(workspace: Workspace) -> list[Path]:
    folder = workspace.policies_dir
    if not folder.is_dir():
        return []
    return policy_files([folder])[0]


def check_policies(
    paths: Iterable[Path],
    known_metrics: Collection[str] | None = None,
    known_events: Collection[str] | None = None,
) -> CheckResult:
    """Load and validate; every problem is collected, none raised.

    ``known_metrics``: metric names the workspace has seen; when given, a trigger on any
    other metric is a problem. ``known_events``: event kinds it has stored; a trigger on
    any other kind is a warning.
    """
    files, problems = policy_files(paths)
    loaded: list[LoadedPolicy] = []
    contents: list[tuple[str, bytes]] = []
    documents: list[Document] = []
    empty: list[Problem] = []
    for path in files:
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= MAX_POLICY_BYTES else b""
        except OSError as error:
            problems.append(Problem(path, 1, 1, f"cannot be read: {error.strerror or error}"))
            continue
        if size > MAX_POLICY_BYTES:
            problems.append(Problem(path, 1, 1, _too_large(size)))
            continue
        contents.append((path.name, data))
        text, problem = decode(data, path)
        if problem is not None or text is None:
            problems.extend([problem] if problem else [])
            continue
        parsed = parse_yaml(text, path)
        problems.extend(parsed.problems)
        documents.extend(parsed.documents)
        if not parsed.problems and not any(d.data is not None for d in parsed.documents):
            empty.append(Problem(path, 1, 1, "holds no policy: the file is empty or only comments"))
        for document in parsed.documents:
            policy, document_issues = _validate(document, known_metrics)
            problems.extend(document_issues)
            if policy is not None:
                loaded.append(policy)
    problems.extend(duplicate_policy_names(documents))
    policy_set = PolicySet(tuple(loaded), tuple(files), policy_digest(contents))
    warnings = sort_problems(
        [
            *empty,
            *windows_without_aggregate(documents),
            *unseen_event_kinds(documents, known_events),
        ],
        files,
    )
    return CheckResult(policy_set, sort_problems(problems, files), warnings)


def _too_large(size: int) -> str:
    limit = MAX_POLICY_BYTES // (1024 * 1024)
    return (
        f"is {size / (1024 * 1024):.1f} MB; a policy file may hold at most {limit} MB "
        "(split it into several files)"
    )


def load_policies(paths: Iterable[Path], known_metrics: Collection[str] | None = None) -> PolicySet:
    """The validated policies of ``paths`` (files or folders); raises ``PolicyError``."""
    result = check_policies(paths, known_metrics)
    if result.problems:
        raise PolicyError(result.problems)
    return result.policy_set


def load_workspace_policies(
    workspace: Workspace, known_metrics: Collection[str] | None = None
) -> PolicySet:
    """The workspace's ``policies/`` folder; a workspace without one has no policies."""
    folder = workspace.policies_dir
    if not folder.is_dir():
        return PolicySet()
    return load_policies([folder], known_metrics)


def _validate(
    document: Document, known_metrics: Collection[str] | None
) -> tuple[LoadedPolicy | None, list[Problem]]:
    if document.data is None:
        return None, []
    if not isinstance(document.data, dict):
        message = "a policy document must be a mapping (apiVersion, kind, metadata, spec)"
        return None, [Problem.at(document.path, document.start, message)]
    problems = [
        *python_name_problems(document, RollbackPolicy),
        *document_problems(document, known_metrics),
    ]
    try:
        policy = RollbackPolicy.model_validate(document.data)
    except ValidationError as error:
        return None, [*problems_from(error, document, RollbackPolicy), *problems]
    triggers = tuple(
        document.value_position(("spec", "triggers", index))
        for index in range(len(policy.spec.triggers))
    )
    rollback_loc = ("spec", "rollback")
    loaded = LoadedPolicy(
        policy=policy,
        path=document.path,
        line=document.start.line,
        col=document.start.col,
        document=document.index,
        trigger_positions=triggers,
        rollback_position=document.key_position(rollback_loc)
        if document.has(rollback_loc)
        else None,
        source=document,
    )
    return loaded, problems
