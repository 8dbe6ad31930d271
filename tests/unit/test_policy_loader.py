"""The policy loader: every kind of problem at its exact file:line:col."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from console.errors import ConfigError
from console.policy.errors import PolicyError, Position, Problem
from console.policy.loader import check_policies, load_policies, load_workspace_policies
from console.settings import open_workspace

VALID = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: fraud-models, owner: risk-ml}
spec:
  selector: {models: ["fraud-*"], risk_tiers: [high]}
  triggers:
    - name: accuracy-floor
      metric: accuracy
      op: "<"
      threshold: 0.90
      for: 5m
      action: rollback
    - name: security
      event: security_finding
      min_severity: high
  rollback:
    approvals: {required: 2, roles: [oncall]}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(
    tmp_path: Path, text: str, known_metrics: set[str] | None = None
) -> list[tuple[int, int, str]]:
    path = write(tmp_path, "policy.yaml", text)
    result = check_policies([path], known_metrics)
    assert all(p.path == path for p in result.problems)
    return [(p.line, p.col, p.message) for p in result.problems]


def replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


def test_valid_policy_loads_with_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", VALID)
    policy_set = load_policies([path])
    (loaded,) = policy_set.policies
    assert loaded.name == "fraud-models"
    assert (loaded.path, loaded.line, loaded.col, loaded.document) == (path, 1, 1, 0)
    assert loaded.trigger_positions == (Position(7, 7), Position(13, 7))
    assert loaded.trigger_position("security") == Position(13, 7)
    assert loaded.rollback_position == Position(16, 3)
    assert loaded.triggers[0].for_ == timedelta(minutes=5)
    assert policy_set.files == (path,)
    assert policy_set.trigger_count == 2


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = replace('      op: "<"\n      threshold: 0.90', '      op: "<"\n     threshold: 0.90')
    [(line, col, message)] = problems(tmp_path, text)
    assert (line, col) == (10, 6)
    assert message.startswith("YAML syntax error: ")


def test_unclosed_flow_sequence(tmp_path: Path) -> None:
    [(line, col, message)] = problems(tmp_path, "a: [1, 2\n")
    assert (line, col) == (2, 1)
    assert "expected ',' or ']'" in message


def test_tab_indentation(tmp_path: Path) -> None:
    [(line, col, message)] = problems(tmp_path, "apiVersion: mrp/v1\nkind:\n\tx: 1\n")
    assert (line, col) == (3, 1)
    assert "YAML syntax error" in message


def test_unknown_key_with_did_you_mean(tmp_path: Path) -> None:
    text = replace("      threshold: 0.90", "      treshold: 0.90")
    assert problems(tmp_path, text) == [
        (10, 7, "unknown key 'treshold' (did you mean 'threshold'?)")
    ]


def test_unknown_key_without_close_match_lists_the_keys(tmp_path: Path) -> None:
    text = replace("  rollback:\n", "  rollback:\n    zzz: 1\n")
    [(line, col, message)] = problems(tmp_path, text)
    assert (line, col) == (17, 5)
    assert message.startswith("unknown key 'zzz' (expected one of: target, mechanism, approvals")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    assert problems(tmp_path, "metdata: {}\n" + VALID) == [
        (1, 1, "unknown key 'metdata' (did you mean 'metadata'?)")
    ]


def test_wrong_type(tmp_path: Path) -> None:
    text = replace("threshold: 0.90", "threshold: high")
    assert problems(tmp_path, text) == [(10, 18, "'threshold' must be a number (got 'high')")]


def test_wrong_type_for_a_mapping(tmp_path: Path) -> None:
    text = replace(
        "  rollback:\n    approvals: {required: 2, roles: [oncall]}\n", "  rollback: 5\n"
    )
    assert problems(tmp_path, text) == [(16, 13, "'rollback' must be a mapping (got 5)")]


def test_union_type_explains_every_choice(tmp_path: Path) -> None:
    text = replace("      threshold: 0.90", "      baseline: previous\n      degradation: 5%")
    assert problems(tmp_path, text) == [
        (
            10,
            17,
            "'baseline' must be 'previous_version' or 'registered', or a number (got 'previous'); "
            "did you mean 'previous_version'?",
        )
    ]


def test_bad_enum_value(tmp_path: Path) -> None:
    text = replace('op: "<"', 'op: "<>"')
    assert problems(tmp_path, text) == [(9, 11, "'op' must be '<', '<=', '>' or '>=' (got '<>')")]


def test_bad_duration(tmp_path: Path) -> None:
    text = replace("for: 5m", "for: 5 minutes")
    assert problems(tmp_path, text) == [
        (11, 12, "'for': '5 minutes' is not a duration like 90s, 5m, 1h30m or 14d (write 5m)")
    ]


def test_negative_duration(tmp_path: Path) -> None:
    text = replace("for: 5m", "for: -5m")
    assert problems(tmp_path, text) == [
        (11, 12, "'for': a duration cannot be negative (got '-5m')")
    ]


def test_zero_step(tmp_path: Path) -> None:
    text = replace("  triggers:\n", "  evaluation: {step: 0s}\n  triggers:\n")
    assert problems(tmp_path, text) == [(6, 22, "'step': must be longer than 0s")]


def test_bad_degradation(tmp_path: Path) -> None:
    text = replace(
        "      threshold: 0.90", "      baseline: previous_version\n      degradation: lots"
    )
    assert problems(tmp_path, text) == [
        (11, 20, "'degradation': 'lots' is not a degradation like 25% or 0.02")
    ]


def test_negative_degradation(tmp_path: Path) -> None:
    text = replace("      threshold: 0.90", "      baseline: registered\n      degradation: -5%")
    [(line, col, message)] = problems(tmp_path, text)
    assert (line, col) == (11, 20)
    assert message.startswith("'degradation': a degradation cannot be negative")


def test_unknown_metric_with_did_you_mean(tmp_path: Path) -> None:
    text = replace("metric: accuracy", "metric: acuracy")
    assert problems(tmp_path, text, {"accuracy", "latency_p99_seconds"}) == [
        (8, 15, "unknown metric 'acuracy' (did you mean 'accuracy'?)")
    ]


def test_unknown_metric_lists_known_ones(tmp_path: Path) -> None:
    text = replace("metric: accuracy", "metric: qps")
    assert problems(tmp_path, text, {"accuracy", "latency_p99_seconds"}) == [
        (8, 15, "unknown metric 'qps' (known: accuracy, latency_p99_seconds)")
    ]


def test_metrics_are_not_checked_without_a_known_set(tmp_path: Path) -> None:
    assert problems(tmp_path, replace("metric: accuracy", "metric: qps")) == []


def test_threshold_and_baseline_both(tmp_path: Path) -> None:
    text = replace("      threshold: 0.90", "      threshold: 0.90\n      baseline: registered")
    assert problems(tmp_path, text) == [
        (10, 7, "a metric trigger needs exactly one of 'threshold' or 'baseline', not both")
    ]


def test_baseline_without_degradation_points_at_baseline(tmp_path: Path) -> None:
    text = replace("      threshold: 0.90", "      baseline: registered")
    assert problems(tmp_path, text) == [
        (10, 7, "a baseline trigger needs 'degradation' (e.g. 25% or 0.02)")
    ]


def test_degradation_with_threshold(tmp_path: Path) -> None:
    text = replace("      threshold: 0.90", "      threshold: 0.90\n      degradation: 5%")
    assert problems(tmp_path, text) == [
        (11, 7, "'degradation' only applies with 'baseline', not 'threshold'")
    ]


def test_aggregate_without_window(tmp_path: Path) -> None:
    text = replace("      for: 5m", "      for: 5m\n      aggregate: p95")
    assert problems(tmp_path, text) == [(12, 7, "aggregate 'p95' needs a 'window'")]


def test_event_trigger_with_a_threshold(tmp_path: Path) -> None:
    text = replace("      min_severity: high", "      min_severity: high\n      threshold: 3")
    assert problems(tmp_path, text) == [(16, 7, "'threshold' does not apply to an event trigger")]


def test_metric_and_event_both(tmp_path: Path) -> None:
    text = replace(
        "      event: security_finding", "      event: security_finding\n      metric: x"
    )
    assert problems(tmp_path, text) == [
        (15, 7, "a trigger needs exactly one of 'metric' or 'event'")
    ]


def test_missing_required_key_points_at_its_mapping(tmp_path: Path) -> None:
    text = replace('      op: "<"\n', "")
    assert problems(tmp_path, text) == [(8, 7, "a metric trigger needs 'op' (<, <=, > or >=)")]
    text = replace("    - name: security\n      event", "    - event")
    assert problems(tmp_path, text) == [(13, 7, "missing required key 'name'")]


def test_missing_top_level_key(tmp_path: Path) -> None:
    text = VALID.replace("kind: RollbackPolicy\n", "")
    assert problems(tmp_path, text) == [(1, 1, "missing required key 'kind'")]


def test_wrong_kind(tmp_path: Path) -> None:
    text = replace("kind: RollbackPolicy", "kind: Policy")
    assert problems(tmp_path, text) == [
        (2, 7, "'kind' must be 'RollbackPolicy' (got 'Policy'); did you mean 'RollbackPolicy'?")
    ]


def test_approvals_out_of_range(tmp_path: Path) -> None:
    text = replace("required: 2", "required: 0")
    assert problems(tmp_path, text) == [
        (17, 27, "'required' must be greater than or equal to 1 (got 0)")
    ]


def test_empty_models_selector(tmp_path: Path) -> None:
    text = replace('models: ["fraud-*"]', "models: []")
    [(line, col, message)] = problems(tmp_path, text)
    assert (line, col) == (5, 22)
    assert message.startswith("'models': an empty list selects no model")


def test_freeze_window_end_before_start(tmp_path: Path) -> None:
    text = replace(
        "  rollback:\n",
        "  rollback:\n    freeze:\n      - {start: 2026-12-24T00:00:00Z, end: 2026-12-20}\n",
    )
    assert problems(tmp_path, text) == [
        (18, 39, "a freeze window's 'end' must be after its 'start'")
    ]


def test_freeze_window_with_a_bad_time(tmp_path: Path) -> None:
    text = replace("  rollback:\n", "  rollback:\n    freeze: [{start: friday, end: monday}]\n")
    assert problems(tmp_path, text) == [
        (17, 22, "'start': 'friday' is not a time like 2026-12-24T00:00:00Z"),
        (17, 35, "'end': 'monday' is not a time like 2026-12-24T00:00:00Z"),
    ]


def test_duplicate_trigger_names(tmp_path: Path) -> None:
    text = replace("- name: security", "- name: accuracy-floor")
    assert problems(tmp_path, text) == [
        (
            13,
            13,
            "duplicate trigger name 'accuracy-floor' in policy 'fraud-models' (first at line 7)",
        )
    ]


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = replace("      for: 5m", "      for: 5m\n      for: 10m")
    assert problems(tmp_path, text) == [(12, 7, "duplicate key 'for' (first at line 11)")]


def test_duplicate_policy_names_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", VALID)
    second = write(tmp_path, "b.yaml", "# the same again\n" + VALID)
    result = check_policies([tmp_path])
    assert [str(p) for p in result.problems] == [
        f"{second}:4:18: duplicate policy name 'fraud-models' (also defined at {first}:3:18)"
    ]


def test_several_documents_per_file(tmp_path: Path) -> None:
    second = VALID.replace("fraud-models", "credit-models").replace("fraud-*", "credit-*")
    path = write(tmp_path, "p.yaml", VALID + "---\n" + second + "...\n---\n")
    policy_set = load_policies([path])
    assert policy_set.names == ["fraud-models", "credit-models"]
    assert [(p.line, p.document) for p in policy_set] == [(1, 0), (19, 1)]
    assert policy_set.policies[1].trigger_positions[0] == Position(25, 7)


def test_problems_in_a_later_document_have_file_positions(tmp_path: Path) -> None:
    second = VALID.replace("fraud-models", "credit-models").replace("for: 5m", "for: soon")
    path = write(tmp_path, "p.yaml", VALID + "---\n" + second)
    result = check_policies([path])
    assert [(p.line, p.col) for p in result.problems] == [(29, 12)]
    assert result.policy_set.names == ["fraud-models"]


def test_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, VALID + "--- just text\n") == [
        (18, 5, "a policy document must be a mapping (apiVersion, kind, metadata, spec)")
    ]


def test_empty_file_and_empty_documents_have_no_policies(tmp_path: Path) -> None:
    write(tmp_path, "empty.yaml", "")
    write(tmp_path, "comments.yml", "# nothing yet\n---\n---\n")
    result = check_policies([tmp_path])
    assert result.ok and len(result.policy_set) == 0
    assert [p.name for p in result.policy_set.files] == ["comments.yml", "empty.yaml"]


def test_folder_reads_yaml_and_yml_sorted_and_skips_others(tmp_path: Path) -> None:
    write(tmp_path, "b.yml", VALID.replace("fraud-models", "b"))
    write(tmp_path, "a.yaml", VALID.replace("fraud-models", "a"))
    write(tmp_path, "notes.txt", "not: a policy")
    write(tmp_path, ".hidden.yaml", "broken: [")
    assert load_policies([tmp_path]).names == ["a", "b"]


def test_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = """\
    apiVersion: mrp/v1
    kind: RollbackPolicy
    metadata: {name: merged}
    spec:
      triggers:
        - &base {name: a, metric: accuracy, op: "<", threshold: 0.9, for: 5m}
        - <<: *base
          name: b
          for: 10m
    """
    policy_set = load_policies([write(tmp_path, "m.yaml", text)])
    a, b = policy_set.policies[0].triggers
    assert (b.name, b.metric, b.for_) == ("b", "accuracy", timedelta(minutes=10))
    assert a.for_ == timedelta(minutes=5)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path, "a: &x [1, *x]\n") == [
        (1, 4, "a YAML alias refers to a value that contains it")
    ]


def test_unknown_yaml_tag(tmp_path: Path) -> None:
    assert problems(tmp_path, "a: !!python/object:os.system {}\n") == [
        (1, 4, "unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'")
    ]


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    [(_, _, message)] = problems(tmp_path, "\n".join(lines) + "\n")
    assert "too large" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: mrp/v1\nmetadata: {name: caf\xe9}\n")
    result = check_policies([path])
    assert [str(p) for p in result.problems] == [
        f"{path}:2:21: not UTF-8 text: byte 0xe9 cannot be decoded"
    ]


def test_control_character(tmp_path: Path) -> None:
    [(line, col, message)] = problems(tmp_path, "a: 1\nb: \x07\n")
    assert (line, col) == (2, 4)
    assert "unacceptable character #x0007" in message


def test_missing_path(tmp_path: Path) -> None:
    result = check_policies([tmp_path / "nope.yaml"])
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'nope.yaml'}:1:1: no such file or folder"
    ]


def test_timestamps_stay_as_written(tmp_path: Path) -> None:
    text = replace(
        "  rollback:\n",
        "  rollback:\n    freeze: [{start: 2026-12-24, end: 2026-12-27T00:00:00+01:00}]\n",
    )
    (loaded,) = load_policies([write(tmp_path, "p.yaml", text)]).policies
    assert loaded.rollback is not None
    window = loaded.rollback.freeze[0]
    assert (window.start, window.end) == ("2026-12-24", "2026-12-27T00:00:00+01:00")
    assert window.ends_at.isoformat() == "2026-12-26T23:00:00+00:00"


def test_policy_error_carries_every_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path, "p.yaml", replace("for: 5m", "for: x").replace("required: 2", "required: 0")
    )
    with pytest.raises(PolicyError) as caught:
        load_policies([path])
    error = caught.value
    assert isinstance(error, ConfigError) and error.exit_code == 2
    assert len(error.problems) == 2
    assert str(error) == str(error.problems[0])
    assert str(error).startswith(f"{path}:11:12: ")
    assert error.problems[0] == Problem(path, 11, 12, error.problems[0].message)


def test_workspace_policies(tmp_path: Path) -> None:
    (tmp_path / "mrp.toml").write_text("")
    workspace = open_workspace(tmp_path)
    assert len(load_workspace_policies(workspace)) == 0
    (tmp_path / "policies").mkdir()
    write(tmp_path / "policies", "p.yaml", VALID)
    assert load_workspace_policies(workspace).names == ["fraud-models"]


def test_python_spellings_of_keys_are_not_accepted(tmp_path: Path) -> None:
    text = replace("      for: 5m", "      for_: 5m").replace("apiVersion:", "api_version:")
    assert problems(tmp_path, text) == [
        (1, 1, "unknown key 'api_version' (did you mean 'apiVersion'?)"),
        (11, 7, "unknown key 'for_' (did you mean 'for'?)"),
    ]
