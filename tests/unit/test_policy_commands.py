"""`mrp policy check` and `mrp policy schema` as scripts and CI gates call them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from console.policy.positions import decode, parse_yaml
from console.policy.schema import policy_schema
from tests.conftest import REPO, SAMPLE_DATA
from tests.unit.cli_helpers import run_mrp
from tests.unit.test_policy_loader import VALID

PROBLEM_LINE = re.compile(r"^[^:]+:\d+:\d+: .+")
SAMPLE_POLICIES = SAMPLE_DATA / "policies"


def documents(path: Path) -> list[Any]:
    text, problem = decode(path.read_bytes(), path)
    assert problem is None and text is not None
    parsed = parse_yaml(text, path)
    assert parsed.problems == []
    return [document.data for document in parsed.documents]


def test_check_the_sample_workspace(capsys: pytest.CaptureFixture[str]) -> None:
    if not SAMPLE_POLICIES.is_dir():
        pytest.skip("sample_data/policies is not generated yet")
    result = run_mrp(capsys, "policy", "check", "-w", SAMPLE_DATA)
    assert result.exit_code == 0, result.stdout + result.stderr
    count = len(list(SAMPLE_POLICIES.glob("*.y*ml")))
    assert re.fullmatch(rf"ok: \d+ polic(y|ies), \d+ triggers? in {count} files?\n", result.stdout)


def test_check_prints_every_problem_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("threshold: 0.90", "treshold: 0.90").replace("5m", "5 min"))
    good = tmp_path / "good.yaml"
    good.write_text(VALID.replace("fraud-models", "other"))
    result = run_mrp(capsys, "policy", "check", bad, good)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{bad}:10:7: unknown key 'treshold' (did you mean 'threshold'?)",
        f"{bad}:11:12: 'for': '5 min' is not a duration like 90s, 5m, 1h30m or 14d (write 5m)",
    ]
    assert result.stderr == "mrp: 2 problems in 1 file.\n"


def test_check_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID)
    ok = run_mrp(capsys, "policy", "check", "--json", tmp_path)
    assert ok.exit_code == 0
    payload = ok.json()
    assert payload["ok"] is True
    assert payload["policies"] == ["fraud-models"]
    assert payload["problems"] == []
    assert payload["triggers"] == 2
    assert len(payload["digest"]) == 64

    (tmp_path / "b.yaml").write_text("apiVersion: [\n")
    bad = run_mrp(capsys, "policy", "check", "--json", tmp_path)
    assert bad.exit_code == 2
    payload = bad.json()
    assert payload["ok"] is False
    assert payload["policies"] == ["fraud-models"]
    [problem] = payload["problems"]
    assert set(problem) == {"file", "line", "col", "message"}
    assert (problem["file"], problem["line"], problem["col"]) == (str(tmp_path / "b.yaml"), 2, 1)


def test_check_defaults_to_the_workspace_policies_relative_to_here(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mrp.toml").write_text("")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.yaml").write_text(VALID.replace("for: 5m", "for: -1s"))
    monkeypatch.chdir(tmp_path)
    result = run_mrp(capsys, "policy", "check")
    assert result.exit_code == 2
    assert result.stdout == (
        "policies/p.yaml:11:12: 'for': a duration cannot be negative (got '-1s')\n"
    )


def test_check_without_a_workspace_or_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_mrp(capsys, "policy", "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("mrp: no mrp workspace here")
    assert "Traceback" not in result.stderr


def test_check_a_path_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = run_mrp(capsys, "policy", "check", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert result.stdout == f"{tmp_path / 'nope.yaml'}:1:1: no such file or folder\n"


def test_metrics_named_in_the_config_are_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "mrp.toml").write_text(
        '[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:9090"\n'
        '[sources.prom.metrics]\naccuracy = "model_accuracy"\n'
    )
    (tmp_path / "policies").mkdir()
    policy = tmp_path / "policies" / "p.yaml"
    policy.write_text(VALID)
    assert run_mrp(capsys, "policy", "check", "-w", tmp_path).exit_code == 0
    policy.write_text(VALID.replace("metric: accuracy", "metric: acuracy"))
    result = run_mrp(capsys, "policy", "check", "-w", tmp_path)
    assert result.exit_code == 2
    assert result.stdout.endswith(
        "p.yaml:8:15: unknown metric 'acuracy' (did you mean 'accuracy'?)\n"
    )


def test_stored_metrics_and_models_are_checked_when_the_store_names_them(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's named queries ``known_metrics`` and ``policy_models`` feed the check."""
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    import console.store

    named = {
        "known_metrics": "SELECT DISTINCT metric FROM metrics UNION SELECT metric FROM baselines",
        "policy_models": "SELECT name, team, risk_tier, tags FROM models ORDER BY name",
    }
    real_sql = console.store.sql

    def sql(name: str) -> str:
        return named[name] if name in named else real_sql(name)

    monkeypatch.setattr(console.store, "sql", sql)
    policies = tiny_workspace / "policies"
    (policies / "a.yaml").write_text(VALID.replace("fraud-*", "*"))
    (policies / "b.yaml").write_text(
        VALID.replace("fraud-models", "strict")
        .replace("fraud-*", "fraud*")
        .replace("required: 2", "required: 3")
    )
    result = run_mrp(capsys, "policy", "check", "-w", tiny_workspace)
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 3, lines
    assert all(PROBLEM_LINE.match(line) for line in lines)
    assert "b.yaml:7:7: trigger 'accuracy-floor' of policy 'strict'" in lines[0]
    assert "b.yaml:13:7: trigger 'security'" in lines[1]
    assert "b.yaml:16:3: policy 'strict'" in lines[2]
    assert "a.yaml:16) both select model 'fraud'" in lines[2]

    (policies / "b.yaml").unlink()
    (policies / "a.yaml").write_text(
        VALID.replace("metric: accuracy", "metric: acuracy").replace("fraud-*", "fraud*")
    )
    result = run_mrp(capsys, "policy", "check", "-w", tiny_workspace)
    assert result.stdout.splitlines() == [
        f"{policies / 'a.yaml'}:8:15: unknown metric 'acuracy' (did you mean 'accuracy'?)"
    ]


def test_the_init_template_policy_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    template = REPO / "console" / "templates" / "policy.yaml"
    if not template.exists():
        pytest.skip("no init template")
    assert run_mrp(capsys, "policy", "check", template).exit_code == 0


def test_schema_command_prints_a_draft_2020_12_schema(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_mrp(capsys, "policy", "schema")
    assert result.exit_code == 0
    schema = result.json()
    assert schema == policy_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    trigger = schema["$defs"]["Trigger"]["properties"]
    assert "for" in trigger and "for_" not in trigger
    assert trigger["for"]["type"] == "string" and trigger["for"]["default"] == "0s"
    assert "format" not in trigger["for"]
    assert re.fullmatch(trigger["for"]["pattern"], "1h30m")
    assert schema["$defs"]["Rollback"]["properties"]["cooldown"]["default"] == "1h"


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(policy_schema())


@pytest.mark.skipif(not SAMPLE_POLICIES.is_dir(), reason="sample_data/policies not generated yet")
@pytest.mark.parametrize(
    "path", sorted(SAMPLE_POLICIES.glob("*.y*ml")) if SAMPLE_POLICIES.is_dir() else []
)
def test_every_sample_policy_validates_against_the_schema(path: Path) -> None:
    for document in documents(path):
        errors = [error.message for error in _validator().iter_errors(document)]
        assert errors == [], f"{path.name}: {errors}"


def test_fixture_policies_validate_against_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        VALID
        + "---\n"
        + VALID.replace("threshold: 0.90", "baseline: registered\n      degradation: 25%")
    )
    for document in documents(path):
        assert list(_validator().iter_errors(document)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("threshold: 0.90", "treshold: 0.90"), "Additional properties"),
        (("for: 5m", "for: five minutes"), "does not match"),
        (('op: "<"', 'op: "=="'), "is not valid under any of the given schemas"),
        (("kind: RollbackPolicy", "kind: Policy"), "was expected"),
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(VALID.replace(*change))
    [document] = documents(path)
    messages = [error.message for error in _validator().iter_errors(document)]
    assert any(expected in message for message in messages), messages


def test_copied_sample_workspace_checks_clean(
    capsys: pytest.CaptureFixture[str], sample_workspace: Path
) -> None:
    shutil.rmtree(sample_workspace / ".mrp", ignore_errors=True)
    result = run_mrp(capsys, "policy", "check", "--json", "-w", sample_workspace)
    assert result.exit_code == 0
    assert result.json()["problems"] == []


def test_schema_help_texts_name_real_keys() -> None:
    from console.policy.schema import _HELP

    schema = policy_schema()
    for (model, key), text in _HELP.items():
        assert schema["$defs"][model]["properties"][key]["description"] == text


def test_an_event_kind_close_to_a_stored_one_is_a_warning_not_a_problem(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    """A misspelled kind never fires. A kind that never happened (the tiny workspace stored
    notes only, no security finding) is normal and not named."""
    policy = tiny_workspace / "policies" / "a.yaml"
    selecting = VALID.replace("fraud-*", "fraud*")
    policy.write_text(selecting.replace("event: security_finding", "event: notes"))
    before_sync = run_mrp(capsys, "policy", "check", "-w", tiny_workspace)
    assert (before_sync.exit_code, before_sync.stdout) == (
        0,
        "ok: 1 policy, 2 triggers in 1 file\n",
    )  # nothing stored yet: nothing to compare with
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    result = run_mrp(capsys, "policy", "check", "-w", tiny_workspace)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{policy}:14:14: warning: no 'notes' event has been stored (did you mean 'note'?)",
        "ok: 1 policy, 2 triggers in 1 file; 1 warning",
    ]
    as_json = run_mrp(capsys, "policy", "check", "--json", "-w", tiny_workspace).json()
    assert (as_json["ok"], as_json["problems"]) == (True, [])
    assert [(w["line"], w["col"]) for w in as_json["warnings"]] == [(14, 14)]
    policy.write_text(selecting)
    spelled = run_mrp(capsys, "policy", "check", "-w", tiny_workspace)
    assert spelled.stdout == "ok: 1 policy, 2 triggers in 1 file\n"
