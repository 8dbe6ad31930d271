"""The mistakes people make writing their first policy: each one is a single
``file:line:col: message`` line that says what to write instead, exit 2 (or a warning,
exit 0, for what is legal but rarely meant), never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp

HEAD = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: first}
spec:
  selector: {models: ["fraud*"]}
  triggers:
"""
TRIGGER = """\
    - name: acc
      metric: accuracy
      op: "<"
      threshold: 0.9
"""


def check(capsys: pytest.CaptureFixture[str], folder: Path, text: str | bytes) -> tuple[int, str]:
    path = folder / "first.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = run_mrp(capsys, "policy", "check", path)
    assert "Traceback" not in result.stderr + result.stdout
    prefix = f"{path}:"
    lines = [line.removeprefix(prefix) for line in result.stdout.splitlines()]
    return result.exit_code, "\n".join(lines)


MISTAKES = [
    (
        TRIGGER.replace('      op: "<"', '       op: "<"'),
        "9:10: YAML syntax error: unexpected 'key:' here; is this line indented further than "
        "the keys above it? (a value containing ': ' needs quotes)",
    ),
    (
        TRIGGER.replace('      op: "<"', '\top: "<"'),
        "9:1: YAML syntax error: a tab character; YAML indents with spaces only, so replace it "
        "with spaces",
    ),
    (
        TRIGGER + "   - name: b\n",
        "11:4: YAML syntax error: this line is not indented like the lines above it: the keys "
        "of one mapping (and the '- ' of one list) must start in the same column",
    ),
    (
        TRIGGER.replace('op: "<"', "op: >="),
        '9:12: YAML syntax error: >= starts a block of text in YAML; quote it: op: ">="',
    ),
    (
        TRIGGER.replace('op: "<"', "op: >"),
        "9:11: 'op' must be '<', '<=', '>' or '>=' (got ''); an unquoted > or | starts a block "
        'of text in YAML, so quote it (op: ">")',
    ),
    (
        TRIGGER + "      for: 5 minutes\n",
        "11:12: 'for': '5 minutes' is not a duration like 90s, 5m, 1h30m or 14d (write 5m)",
    ),
    (
        TRIGGER + "      for: 5\n",
        "11:12: 'for': 5 has no unit: write 5s, 5m or 5h (a duration like 90s, 5m or 1h30m)",
    ),
    (
        TRIGGER.replace("threshold: 0.9", 'threshold: "0.9"'),
        "10:18: 'threshold' must be a number (got '0.9'); write it without quotes: threshold: 0.9",
    ),
    (
        TRIGGER.replace("threshold: 0.9", "threshold: 90%"),
        "10:18: 'threshold' must be a number (got '90%'); write a fraction: threshold: 0.9",
    ),
    (
        TRIGGER.replace('op: "<"', "op: lt"),
        "9:11: 'op' must be '<', '<=', '>' or '>=' (got 'lt'); write op: \"<\" (quoted)",
    ),
    (
        TRIGGER + "      aggregate: p90\n      window: 10m\n",
        "11:18: 'aggregate' must be 'avg', 'min', 'max', 'last', 'p50', 'p95' or 'p99' "
        "(got 'p90'); mrp computes the quantiles p50, p95 and p99",
    ),
    (
        TRIGGER.replace("threshold: 0.9", "degradation: 25%"),
        "10:7: 'degradation' needs a 'baseline' to be measured from (previous_version, "
        "registered or a number); for a fixed limit write 'threshold' instead",
    ),
    (
        TRIGGER.replace("threshold: 0.9", "baseline: previous\n      degradation: 25%"),
        "10:17: 'baseline' must be 'previous_version' or 'registered', or a number "
        "(got 'previous'); did you mean 'previous_version'?",
    ),
    (
        "    - name: sec\n      event: security_finding\n      min_severity: urgent\n",
        "9:21: 'min_severity' must be 'info', 'low', 'medium', 'high' or 'critical' (got 'urgent')",
    ),
    (
        TRIGGER + "  on_no_data: page\n",
        "11:15: 'on_no_data' must be 'no_data', 'ok' or 'firing' (got 'page'); 'page' is a "
        "value of 'action', not of 'on_no_data'",
    ),
    (
        TRIGGER + TRIGGER.replace("accuracy", "error_rate"),
        "11:13: duplicate trigger name 'acc' in policy 'first' (first at line 7)",
    ),
    (
        TRIGGER + '  rollback:\n    approvals: {required: "2"}\n',
        "12:27: 'required' must be a whole number (got '2'); write it without quotes: required: 2",
    ),
]


@pytest.mark.parametrize(("triggers", "expected"), MISTAKES)
def test_a_mistake_is_one_line_that_says_what_to_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, triggers: str, expected: str
) -> None:
    assert check(capsys, tmp_path, HEAD + triggers) == (2, expected)


def test_a_quoted_number_was_accepted_though_the_schema_says_number(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The JSON Schema an editor uses and mrp must agree: both refuse "0.9"."""
    from jsonschema import Draft202012Validator
    from ruamel.yaml import YAML

    from console.policy.schema import policy_schema

    text = HEAD + TRIGGER.replace("threshold: 0.9", 'threshold: "0.9"')
    document = YAML(typ="safe", pure=True).load(text)
    assert list(Draft202012Validator(policy_schema()).iter_errors(document))
    assert check(capsys, tmp_path, text)[0] == 2


def test_zero_needs_no_unit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert check(capsys, tmp_path, HEAD + TRIGGER + "      for: 0\n") == (
        0,
        "ok: 1 policy, 1 trigger in 1 file",
    )


def test_window_without_aggregate_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert check(capsys, tmp_path, HEAD + TRIGGER + "      window: 10m\n") == (
        0,
        "11:7: warning: 'window' without 'aggregate' reads only the latest sample in the "
        "window; write aggregate: avg (or min, max, p50, p95, p99) to combine its samples, or "
        "aggregate: last if the latest is meant\n"
        "ok: 1 policy, 1 trigger in 1 file; 1 warning",
    )
    explicit = HEAD + TRIGGER + "      window: 10m\n      aggregate: last\n"
    assert check(capsys, tmp_path, explicit) == (0, "ok: 1 policy, 1 trigger in 1 file")


@pytest.mark.parametrize("text", ["", "# the fraud policy, some day\n# (not yet)\n"])
def test_a_file_without_a_policy_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    assert check(capsys, tmp_path, text) == (
        0,
        "1:1: warning: holds no policy: the file is empty or only comments\n"
        "ok: 0 policies, 0 triggers in 1 file; 1 warning",
    )


def test_not_utf8(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (HEAD + TRIGGER.replace("name: acc", "name: précision")).encode("latin-1")
    assert check(capsys, tmp_path, text) == (2, "7:15: not UTF-8 text: byte 0xe9 cannot be decoded")


def test_a_large_file_is_refused_unparsed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A 5 MB policy was parsed for half a minute, then blamed on aliases it did not have."""
    many = "".join(TRIGGER.replace("name: acc", f"name: t{i}") for i in range(70_000))
    code, output = check(capsys, tmp_path, HEAD + many)
    assert code == 2
    assert output.startswith("1:1: is 5.")
    assert output.endswith(" MB; a policy file may hold at most 1 MB (split it into several files)")


def test_links_to_nothing_in_the_policy_folder_are_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A policy behind a broken link (or a loop of links) was skipped without a word, and
    mrp status ran without its triggers."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "a.yaml").write_text(HEAD + TRIGGER, encoding="utf-8")
    os.symlink("loop.yaml", policies / "loop.yaml")
    os.symlink("moved/away.yaml", policies / "shared.yaml")
    result = run_mrp(capsys, "policy", "check", policies)
    assert result.exit_code == 2
    reason = "is a symbolic link to nothing (or a loop of links): fix it, or move it out of "
    assert result.stdout.splitlines() == [
        f"{policies / 'loop.yaml'}:1:1: {reason}the policy folder",
        f"{policies / 'shared.yaml'}:1:1: {reason}the policy folder",
    ]


def test_a_selector_that_matches_no_known_model_is_a_warning(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    policy = tiny_workspace / "policies" / "a.yaml"
    policy.write_text(HEAD.replace("fraud*", "fruad*") + TRIGGER, encoding="utf-8")
    result = run_mrp(capsys, "policy", "check", "-w", tiny_workspace)
    assert (result.exit_code, result.stdout.splitlines()) == (
        0,
        [
            f"{policy}:5:23: warning: policy 'first': 'fruad*' matches none of the 2 models "
            "the workspace knows (did you mean 'fraud*'?)",
            "ok: 1 policy, 1 trigger in 1 file; 1 warning",
        ],
    )
    policy.write_text(HEAD.replace("]}", "], risk_tiers: [hgh]}") + TRIGGER, encoding="utf-8")
    result = run_mrp(capsys, "policy", "check", "--json", "-w", tiny_workspace)
    assert result.exit_code == 0
    [warning] = result.json()["warnings"]
    assert (warning["line"], warning["col"], warning["message"]) == (
        5,
        13,
        "policy 'first' selects none of the 2 models the workspace knows (names match; "
        "check its risk_tiers)",
    )


@pytest.mark.parametrize(
    "triggers",
    [
        TRIGGER.replace("threshold: 0.9", "degradation: 25%"),
        TRIGGER.replace("threshold: 0.9", "baseline: registered"),
        TRIGGER.replace("metric: accuracy", "metric: accuracy\n      event: security_finding"),
    ],
)
def test_the_schema_flags_in_the_editor_what_check_refuses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, triggers: str
) -> None:
    """A degradation without a baseline (and the reverse), or a trigger with both metric and
    event, passed the JSON Schema an editor validates with."""
    from jsonschema import Draft202012Validator
    from ruamel.yaml import YAML

    from console.policy.schema import policy_schema

    document = YAML(typ="safe", pure=True).load(HEAD + triggers)
    assert list(Draft202012Validator(policy_schema()).iter_errors(document))
    assert check(capsys, tmp_path, HEAD + triggers)[0] == 2
