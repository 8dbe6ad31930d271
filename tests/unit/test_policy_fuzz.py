"""Bad input: random YAML and random mutations of real policies never end in a traceback;
`mrp policy check` exits 0 or 2 and every problem is a `file:line:col: message` line."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.policy.loader import check_policies
from tests.conftest import SAMPLE_DATA
from tests.unit.cli_helpers import run_mrp
from tests.unit.test_policy_loader import VALID

PROBLEM_LINE = re.compile(r"^[^:]+:\d+:\d+: .+")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _seeds() -> list[str]:
    folder = SAMPLE_DATA / "policies"
    samples = sorted(folder.glob("*.y*ml")) if folder.is_dir() else []
    return [VALID, *(path.read_text(encoding="utf-8") for path in samples)]


SEEDS = _seeds()
WORDS = [
    "apiVersion", "kind", "metadata", "name", "spec", "selector", "models", "triggers",
    "metric", "event", "op", "threshold", "baseline", "degradation", "for", "window",
    "aggregate", "rollback", "approvals", "required", "freeze", "start", "cooldown",
    "treshold", "mrp/v1", "RollbackPolicy", "5m", "-5m", "1h30m", "25%", "0.9", "-1", "true",
    "null", "~", "[]", "{}", "[", "]", "{", "}", ":", ": ", "- ", "-", "'", '"', "&a", "*a",
    "<<", "!!binary", "!tag", "---", "...", "%YAML 1.1", "#", "\t", "  ", "\n", "|", ">",
    ",", "?", "@", "`", "\x00", "\x07", "\u00e9", "\ufeff", "1e999", ".nan", "0x1F",
    "2026-12-24", "99999999999999999999d",
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from(["5m", "-5m", "0s", "25%", "abc", "", "~", "[]", "{}", "[1, 2]", "{a: 1}"]),
    st.sampled_from(["true", "1e999", ".nan", "-.inf", "0", "-1", "2026-12-24", "'q'", '"x']),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.text(max_size=12).map(lambda text: text.replace("\n", " ")),
)


@st.composite
def yaml_soup(draw: st.DrawFn) -> str:
    """Text built from the policy's vocabulary and YAML's punctuation."""
    parts = draw(st.lists(st.sampled_from(WORDS) | st.text(max_size=4), max_size=60))
    return "".join(parts)


@st.composite
def mutated_policy(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        action = draw(
            st.sampled_from(
                ["delete", "retype", "garbage", "indent", "dedent", "tab", "truncate", "dup"]
            )
        )
        if action == "delete":
            del lines[index]
        elif action == "retype" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {draw(SCALARS)}"
        elif action == "garbage":
            lines.insert(index, draw(yaml_soup()))
        elif action == "indent":
            lines[index] = " " * draw(st.integers(1, 5)) + line
        elif action == "dedent":
            lines[index] = line.lstrip()[: len(line)]
        elif action == "tab":
            lines[index] = "\t" + line
        elif action == "truncate":
            lines[index] = line[: draw(st.integers(0, len(line)))]
        elif action == "dup":
            lines.insert(index, line)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n---\n", "\n...\n"]))


def _assert_clean_check(capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.yaml"
        path.write_bytes(data)
        result = run_mrp(capsys, "policy", "check", path)
        assert "Traceback" not in result.stderr
        assert result.exit_code in (0, 2), result
        if result.exit_code == 0:
            *warnings, last = result.stdout.splitlines()
            assert last.startswith("ok: ")
            assert all(": warning: " in line for line in warnings)
        else:
            lines = result.stdout.splitlines()
            assert lines, result
            for line in lines:
                assert PROBLEM_LINE.match(line), line
                assert line.startswith(f"{path}:")
            assert all(line.startswith("mrp: ") for line in result.stderr.splitlines())
        core = check_policies([path])
        total_lines = data.count(b"\n") + 1
        for problem in core.problems:
            assert 1 <= problem.line <= total_lines + 1, problem
            assert problem.col >= 1, problem
            assert problem.message and "\n" not in problem.message, problem


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text(capsys: pytest.CaptureFixture[str], text: str) -> None:
    _assert_clean_check(capsys, text.encode("utf-8"))


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes(capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    _assert_clean_check(capsys, data)


@FUZZ
@given(text=yaml_soup())
def test_random_yaml_like_text(capsys: pytest.CaptureFixture[str], text: str) -> None:
    _assert_clean_check(capsys, text.encode("utf-8"))


@settings(FUZZ, max_examples=400)
@given(text=mutated_policy())
def test_mutated_policies(capsys: pytest.CaptureFixture[str], text: str) -> None:
    _assert_clean_check(capsys, text.encode("utf-8"))


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    key=st.sampled_from(WORDS[:23]),
    value=SCALARS,
)
def test_any_value_for_any_key(
    capsys: pytest.CaptureFixture[str], seed: str, key: str, value: str
) -> None:
    """Every key of the policy, with a value of the wrong type or shape."""
    pattern = re.compile(rf"^(\s*-?\s*){re.escape(key)}:.*$", re.MULTILINE)
    text = pattern.sub(lambda match: f"{match.group(1)}{key}: {value}", seed, count=1)
    _assert_clean_check(capsys, text.encode("utf-8"))
