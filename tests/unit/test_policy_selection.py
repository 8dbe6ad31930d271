"""Which policies apply to a model, conflicting rollback settings, and the policy digest."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from console.policy.digest import digest_paths
from console.policy.errors import PolicyError
from console.policy.loader import PolicySet, load_policies
from console.policy.model import Selector
from console.policy.selection import (
    policies_for,
    rollback_for,
    selection_problems,
    selects,
    selects_every_model,
    triggers_for,
)


def policy(
    name: str, selector: str, triggers: tuple[str, ...] = ("t",), rollback: str | None = None
) -> str:
    lines = [
        "apiVersion: mrp/v1",
        "kind: RollbackPolicy",
        f"metadata: {{name: {name}}}",
        "spec:",
        f"  selector: {selector}",
        "  triggers:",
    ]
    for trigger in triggers:
        lines.append(f"    - {{name: {trigger}, metric: accuracy, op: '<', threshold: 0.9}}")
    if rollback is not None:
        lines.append(f"  rollback: {rollback}")
    return "\n".join(lines) + "\n"


def load(folder: Path, **files: str) -> PolicySet:
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_policies([folder])


def names(found: list[object]) -> list[str]:
    return [getattr(item, "name", "") for item in found]


def test_selection_by_glob_tier_team_and_tags(tmp_path: Path) -> None:
    policies = load(
        tmp_path,
        a=policy("by-glob", '{models: ["fraud-*", "aml-?"]}'),
        b=policy("by-tier", "{risk_tiers: [high, critical]}"),
        c=policy("by-tag", '{tags: {domain: payments, framework: "xg*"}}'),
        d=policy("by-team", "{models: ['*'], teams: [risk-ml]}"),
    )

    def matched(name: str, team: str | None, tier: str | None, tags: dict[str, str]) -> list[str]:
        return names(policies_for(name, team, tier, tags, policies))

    assert matched("fraud-scoring", None, None, {}) == ["by-glob"]
    assert matched("aml-1", None, None, {}) == ["by-glob"]
    assert matched("aml-12", None, None, {}) == []
    assert matched("Fraud-scoring", None, None, {}) == []
    assert matched("x", None, "high", {}) == ["by-tier"]
    assert matched("x", None, "low", {}) == []
    tags = {"domain": "payments", "framework": "xgboost"}
    assert matched("x", None, None, tags) == ["by-tag"]
    assert matched("x", None, None, {"domain": "payments"}) == []
    assert matched("x", None, None, {"domain": "ads", "framework": "xgboost"}) == []
    assert matched("fraud-1", "risk-ml", "high", tags) == [
        "by-glob",
        "by-tier",
        "by-tag",
        "by-team",
    ]


def test_default_selector_selects_every_model(tmp_path: Path) -> None:
    text = policy("all", "{}").replace("  selector: {}\n", "")
    policies = load(tmp_path, a=text)
    assert names(policies_for("anything", None, None, None, policies)) == ["all"]
    assert selects(policies.policies[0].policy.spec.selector, "anything")


def test_a_model_matched_by_two_policies_gets_the_triggers_of_both(tmp_path: Path) -> None:
    policies = load(
        tmp_path,
        a=policy("fleet", "{}", ("fleet-accuracy", "fleet-latency")),
        b=policy("fraud", '{models: ["fraud-*"]}', ("fraud-accuracy",)),
    )
    found = triggers_for("fraud-scoring", "risk-ml", "high", {}, policies)
    assert [(p.name, t.name) for p, t in found] == [
        ("fleet", "fleet-accuracy"),
        ("fleet", "fleet-latency"),
        ("fraud", "fraud-accuracy"),
    ]
    assert [t.name for _, t in triggers_for("churn", None, None, {}, policies)] == [
        "fleet-accuracy",
        "fleet-latency",
    ]


def test_rollback_settings_of_one_policy_apply(tmp_path: Path) -> None:
    policies = load(
        tmp_path,
        a=policy("fleet", "{}", ("a",)),
        b=policy("fraud", '{models: ["fraud-*"]}', ("b",), "{approvals: {required: 2}}"),
    )
    rollback = rollback_for("fraud-scoring", None, None, {}, policies)
    assert rollback is not None and rollback.approvals.required == 2
    assert rollback_for("churn", None, None, {}, policies) is None


def test_equal_rollback_settings_do_not_conflict(tmp_path: Path) -> None:
    same = "{cooldown: 1h, approvals: {required: 2}}"
    policies = load(
        tmp_path,
        a=policy("fleet", "{}", ("a",), same),
        b=policy("fraud", '{models: ["fraud-*"]}', ("b",), "{approvals: {required: 2}}"),
    )
    assert rollback_for("fraud-1", None, None, {}, policies) is not None


def test_conflicting_rollback_settings_name_both_files(tmp_path: Path) -> None:
    policies = load(
        tmp_path,
        a=policy("fleet", "{}", ("a",), "{approvals: {required: 1}}"),
        b=policy(
            "fraud", '{models: ["fraud-*"]}', ("b",), "{approvals: {required: 2}, cooldown: 2h}"
        ),
    )
    assert rollback_for("churn", None, None, {}, policies) is not None
    with pytest.raises(PolicyError) as caught:
        rollback_for("fraud-scoring", None, None, {}, policies)
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.col) == (tmp_path / "b.yaml", 8, 3)
    assert str(problem) == (
        f"{tmp_path / 'b.yaml'}:8:3: policy 'fraud' ({tmp_path / 'b.yaml'}) and policy 'fleet' "
        f"({tmp_path / 'a.yaml'}:8) both select model 'fraud-scoring' with different rollback "
        "settings (approvals.required: 2 vs 1, cooldown: 2h vs 1h); make them identical, "
        "keep 'rollback' in one of them only, or narrow a selector"
    )


def test_same_trigger_name_from_two_policies_is_a_problem(tmp_path: Path) -> None:
    policies = load(
        tmp_path,
        a=policy("fleet", "{}", ("accuracy",)),
        b=policy("fraud", '{models: ["fraud-*"]}', ("accuracy",)),
    )
    assert selection_problems("churn", None, None, {}, policies) == []
    [problem] = selection_problems("fraud-1", None, None, {}, policies)
    assert (problem.path, problem.line, problem.col) == (tmp_path / "b.yaml", 7, 7)
    assert "also defined by policy 'fleet'" in problem.message


def test_digest_is_stable_and_follows_every_byte(tmp_path: Path) -> None:
    first = load(tmp_path, a=policy("a", "{}"), b=policy("b", "{}"))
    again = load_policies([tmp_path / "b.yaml", tmp_path / "a.yaml"])
    assert first.digest == again.digest
    assert len(first.digest) == 64
    assert first.digest == digest_paths(sorted(tmp_path.glob("*.yaml")))

    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for path in tmp_path.glob("*.yaml"):
        (moved / path.name).write_bytes(path.read_bytes())
    assert load_policies([moved]).digest == first.digest

    (moved / "a.yaml").write_text(policy("a", "{}") + "# a comment\n")
    assert load_policies([moved]).digest != first.digest
    (moved / "a.yaml").rename(moved / "c.yaml")
    assert digest_paths([moved / "b.yaml", moved / "c.yaml"]) != first.digest


def test_digest_of_no_policies() -> None:
    assert PolicySet().digest == digest_paths([])


@pytest.mark.parametrize(
    ("selector", "every"),
    [
        ({}, True),
        ({"models": ["fraud-*", "*"]}, True),
        ({"models": ["fraud-*"]}, False),
        ({"teams": ["risk"]}, False),
        ({"risk_tiers": ["high"]}, False),
        ({"tags": {"region": "eu"}}, False),
    ],
)
def test_a_selector_selects_every_model_only_without_narrowing(
    selector: dict[str, object], every: bool
) -> None:
    parsed = Selector.model_validate(selector)
    assert selects_every_model(parsed) is every
    if every:
        assert selects(parsed, "any-name", "any-team", "any-tier", {"any": "tag"})
