"""Which policies apply to a model, and the one rollback procedure they agree on.

A model matched by several policies gets the triggers of all of them. Rollback settings
cannot be merged that way (two approval rules, two targets): if two matching policies
declare different ones, that is an error naming both files.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from console.policy.errors import PolicyError, Position, Problem
from console.policy.loader import LoadedPolicy
from console.policy.model import Rollback, Selector, Trigger


def selects(
    selector: Selector,
    model_name: str,
    team: str | None = None,
    risk_tier: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> bool:
    """Name matches one glob; tier and team are listed (or no list is given); every
    selector tag is present with a matching value (the value may be a glob)."""
    if not any(fnmatchcase(model_name, pattern) for pattern in selector.models):
        return False
    if selector.risk_tiers and risk_tier not in selector.risk_tiers:
        return False
    if selector.teams and team not in selector.teams:
        return False
    have = tags or {}
    return all(
        key in have and have[key] is not None and fnmatchcase(str(have[key]), wanted)
        for key, wanted in selector.tags.items()
    )


ModelFacts = tuple[str, str | None, str | None, Mapping[str, Any]]
"""A model as a selector sees it: name, team, risk tier, tags."""

_WILDCARD = re.compile(r"[*?\[]")


def unselecting_policies(
    policies: Iterable[LoadedPolicy], models: Sequence[ModelFacts]
) -> list[Problem]:
    """Warnings for policies that select none of ``models`` (the models the workspace
    knows): a misspelled glob or tier leaves every model unwatched without a word. One per
    glob that matches no model's name (with the name it was probably meant to match), else
    one at the selector."""
    if not models:
        return []
    names = sorted({name for name, *_ in models})
    known = plural_models(len(names))
    warnings = []
    for loaded in policies:
        selector = loaded.policy.spec.selector
        if any(selects(selector, *model) for model in models):
            continue
        source = loaded.source
        missed = [
            index
            for index, glob in enumerate(selector.models)
            if not any(fnmatchcase(name, glob) for name in names)
        ]
        if source is None:
            continue
        if len(missed) == len(selector.models):
            for index in missed:
                glob = selector.models[index]
                message = (
                    f"policy '{loaded.name}': '{glob}' matches none of the {known} the "
                    f"workspace knows{_meant(glob, names)}"
                )
                where = source.value_position(("spec", "selector", "models", index))
                warnings.append(Problem.at(loaded.path, where, message))
            continue
        narrowed = [key for key in ("risk_tiers", "teams", "tags") if getattr(selector, key)]
        message = (
            f"policy '{loaded.name}' selects none of the {known} the workspace knows "
            f"(names match; check its {_or(narrowed)})"
        )
        warnings.append(
            Problem.at(loaded.path, source.value_position(("spec", "selector")), message)
        )
    return warnings


def plural_models(count: int) -> str:
    return f"{count} model" if count == 1 else f"{count} models"


def _or(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " or " + keys[-1]


def _meant(glob: str, names: Sequence[str]) -> str:
    """`` (did you mean 'fraud-*'?)`` for ``fruad-*`` when a model is named ``fraud-...``."""
    fixed = _WILDCARD.split(glob, maxsplit=1)[0]
    rest = glob[len(fixed) :]
    if not fixed:
        return ""
    prefixes = sorted({name[: len(fixed)] for name in names} if rest else set(names))
    close = difflib.get_close_matches(fixed, prefixes, n=1)
    return f" (did you mean '{close[0]}{rest}'?)" if close else ""


def selects_every_model(selector: Selector) -> bool:
    """The selector matches any model whatever its name, team, tier and tags."""
    return "*" in selector.models and not (selector.risk_tiers or selector.teams or selector.tags)


def policies_for(
    model_name: str,
    team: str | None,
    risk_tier: str | None,
    tags: Mapping[str, Any] | None,
    policies: Iterable[LoadedPolicy],
) -> list[LoadedPolicy]:
    """The policies selecting this model, in load order (files sorted, then documents)."""
    return [
        p for p in policies if selects(p.policy.spec.selector, model_name, team, risk_tier, tags)
    ]


def triggers_for(
    model_name: str,
    team: str | None,
    risk_tier: str | None,
    tags: Mapping[str, Any] | None,
    policies: Iterable[LoadedPolicy],
) -> list[tuple[LoadedPolicy, Trigger]]:
    """Every trigger of every policy selecting this model, with the policy it comes from."""
    matched = policies_for(model_name, team, risk_tier, tags, policies)
    return [(loaded, trigger) for loaded in matched for trigger in loaded.triggers]


def rollback_for(
    model_name: str,
    team: str | None,
    risk_tier: str | None,
    tags: Mapping[str, Any] | None,
    policies: Iterable[LoadedPolicy],
) -> Rollback | None:
    """The rollback settings of the policies selecting this model; ``None`` if none of them
    declares any. Raises ``PolicyError`` if two of them declare different settings."""
    matched = policies_for(model_name, team, risk_tier, tags, policies)
    conflicts = rollback_conflicts(model_name, matched)
    if conflicts:
        raise PolicyError(conflicts)
    return next((p.rollback for p in matched if p.rollback is not None), None)


def selection_problems(
    model_name: str,
    team: str | None,
    risk_tier: str | None,
    tags: Mapping[str, Any] | None,
    policies: Iterable[LoadedPolicy],
) -> list[Problem]:
    """What goes wrong for this model when its policies are combined: conflicting rollback
    settings, and two policies giving it triggers of the same name (trigger states and
    audit records name a model's trigger by name alone)."""
    matched = policies_for(model_name, team, risk_tier, tags, policies)
    problems = rollback_conflicts(model_name, matched)
    first: dict[str, LoadedPolicy] = {}
    for loaded in matched:
        for trigger in loaded.triggers:
            earlier = first.setdefault(trigger.name, loaded)
            if earlier is loaded:
                continue
            at = earlier.trigger_position(trigger.name)
            message = (
                f"trigger '{trigger.name}' of policy '{loaded.name}' is also defined by policy "
                f"'{earlier.name}' ({earlier.path}:{at.line}), and both select model "
                f"'{model_name}'; rename one of them, or narrow a selector"
            )
            problems.append(Problem.at(loaded.path, loaded.trigger_position(trigger.name), message))
    return problems


def rollback_conflicts(model_name: str, matched: list[LoadedPolicy]) -> list[Problem]:
    """Policies that all select ``model_name`` and declare different rollback settings: one
    problem per policy that differs from the first one declaring any."""
    declared = [p for p in matched if p.rollback is not None]
    if not declared:
        return []
    first = declared[0]
    problems = []
    for other in declared[1:]:
        if other.rollback == first.rollback:
            continue
        at = _rollback_position(first)
        differences = ", ".join(_differences(first.rollback, other.rollback))
        message = (
            f"policy '{other.name}' ({other.path}) and policy '{first.name}' "
            f"({first.path}:{at.line}) both select model '{model_name}' with different "
            f"rollback settings ({differences}); make them identical, keep 'rollback' in "
            "one of them only, or narrow a selector"
        )
        problems.append(Problem.at(other.path, _rollback_position(other), message))
    return problems


def _rollback_position(loaded: LoadedPolicy) -> Position:
    return loaded.rollback_position or Position(loaded.line, loaded.col)


def _differences(first: Rollback | None, second: Rollback | None) -> list[str]:
    left = _flat(first.model_dump(mode="json", by_alias=True) if first else {})
    right = _flat(second.model_dump(mode="json", by_alias=True) if second else {})
    keys = sorted(set(left) | set(right))
    return [
        f"{key}: {_shown(right.get(key))} vs {_shown(left.get(key))}"
        for key in keys
        if left.get(key) != right.get(key)
    ] or ["they differ"]


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flat(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def _shown(value: Any) -> str:
    """A setting as the policy's YAML spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return "none" if value is None else str(value)
