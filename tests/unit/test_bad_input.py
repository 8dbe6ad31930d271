"""Bad input ends in one sentence naming the file (and row or key), exit 2, nothing lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.unit.cli_helpers import Result, run_mrp


def _one_sentence(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("mrp: ")]
    assert lines, result.stderr
    assert "Traceback" not in result.stderr
    return lines[-1]


def _stored(workspace: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(workspace / ".mrp" / "state.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT 'm', model, version, metric, ts, value FROM metrics "
            "UNION ALL SELECT 'a', model, alias, version, NULL, NULL FROM aliases ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_workspace_that_does_not_exist(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_mrp(capsys, "status", "-w", tmp_path / "nope")
    assert result.exit_code == 2
    assert "does not exist" in _one_sentence(result)


def test_folder_without_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_mrp(capsys, "sync", "-w", tmp_path)
    assert result.exit_code == 2
    assert "no mrp.toml" in _one_sentence(result)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("operator = \n", "not valid TOML"),
        ('[sources.x]\nkind = "files"\npth = "."\n', "unknown key 'sources.x.pth'"),
        ('[sources.x]\nkind = "ftp"\n', "sources.x"),
        ('[console]\nrefresh = "soon"\n', "'console.refresh'"),
        ('colour = "red"\n', "unknown key 'colour'"),
    ],
)
def test_malformed_config_names_file_and_key(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, content: str, expected: str
) -> None:
    (tiny_workspace / "mrp.toml").write_text(content)
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    sentence = _one_sentence(result)
    assert "mrp.toml" in sentence
    assert expected in sentence


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('statedir = ".mrp"\n', "1: unknown key 'statedir' (did you mean 'state_dir'?)."),
        ('[consle]\nrefresh = "1m"\n', "1: unknown key 'consle' (did you mean 'console'?)."),
        (
            '[console]\nrefesh = "1m"\n',
            "2: unknown key 'console.refesh' (did you mean 'refresh'?).",
        ),
        (
            '[sources.prom]\nkind = "prometheus"\nurl = "http://p"\nbackfil = "1d"\n',
            "4: unknown key 'sources.prom.backfil' (did you mean 'backfill'?).",
        ),
        (
            '[sources.reg]\nkind = "mlflow"\nurl = "http://m"\nservingalias = "x"\n',
            "4: unknown key 'sources.reg.servingalias' (did you mean 'serving_alias'?).",
        ),
        ('[sources.x]\nkind = "files"\nfoo = 1\n', "3: unknown key 'sources.x.foo'."),
        (
            '[sources.offline]\nkind = "file"\n',
            "2: 'sources.offline.kind' must be 'prometheus', 'mlflow', 'http' or 'files' "
            "(got 'file'); did you mean 'files'?",
        ),
        (
            '[sources.offline]\npath = "."\n',
            "1: the key 'sources.offline.kind' is required: 'prometheus', 'mlflow', 'http' or "
            "'files'.",
        ),
    ],
)
def test_a_misspelled_config_key_or_source_kind_says_what_was_meant(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, content: str, expected: str
) -> None:
    (tiny_workspace / "mrp.toml").write_text(content)
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert _one_sentence(result) == f"mrp: {tiny_workspace / 'mrp.toml'}:{expected}"


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        ("model,version,metric,value\nfraud,2,accuracy,0.9\n", "missing column ts"),
        (
            "model,version,metric,ts,value\nfraud,2,accuracy,2026-11-02T00:04:00Z,0.9\n"
            "fraud,2,accuracy,2026-11-02T00:05:00Z,high\n",
            "line 3: value 'high' is not a number",
        ),
        (
            "model,version,metric,ts,value\nfraud,2,accuracy,yesterday,0.9\n",
            "line 2: ts 'yesterday'",
        ),
    ],
)
def test_bad_metrics_file_keeps_stored_data(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, csv: str, expected: str
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    before = _stored(tiny_workspace)
    bad = tiny_workspace / "metrics" / "broken.csv"
    bad.write_text(csv)
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    sentence = _one_sentence(result)
    assert "broken.csv" in sentence
    assert expected in sentence
    assert _stored(tiny_workspace) == before


def test_deployments_naming_an_unknown_version(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    before = _stored(tiny_workspace)
    path = tiny_workspace / "deployments.json"
    data = json.loads(path.read_text())
    data["models"][0]["aliases"]["champion"] = "9"
    path.write_text(json.dumps(data))
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    sentence = _one_sentence(result)
    assert "deployments.json" in sentence
    assert "aliases.champion names version '9'" in sentence
    assert _stored(tiny_workspace) == before


def test_deployments_not_json(capsys: pytest.CaptureFixture[str], tiny_workspace: Path) -> None:
    (tiny_workspace / "deployments.json").write_text('{"models": [\n  {"name": }\n]}')
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "deployments.json: not valid JSON at line 2" in _one_sentence(result)


def test_deployments_missing_key(capsys: pytest.CaptureFixture[str], tiny_workspace: Path) -> None:
    (tiny_workspace / "deployments.json").write_text('{"models": [{"team": "x"}]}')
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "models[0].name" in _one_sentence(result)


def test_torn_events_line(capsys: pytest.CaptureFixture[str], tiny_workspace: Path) -> None:
    with (tiny_workspace / "events.jsonl").open("a") as out:
        out.write('{"ts": "2026-11-02T00:09:00Z", "model": "fraud", "ki')
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "events.jsonl: line 2: not valid JSON" in _one_sentence(result)


def test_unknown_source_name(capsys: pytest.CaptureFixture[str], tiny_workspace: Path) -> None:
    result = run_mrp(capsys, "sync", "--source", "prom", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "no source named 'prom'" in _one_sentence(result)


def test_a_pinned_time_that_is_no_time_keeps_stored_data(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    before = _stored(tiny_workspace)
    monkeypatch.setenv("MRP_NOW", "yesterday")
    for command in (("sync",), ("status",), ("evaluate",)):
        result = run_mrp(capsys, *command, "-w", tiny_workspace)
        assert result.exit_code == 2, command
        assert _one_sentence(result) == "mrp: MRP_NOW 'yesterday' is not an RFC 3339 time."
    assert _stored(tiny_workspace) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["models"][0].update(tags=["payments"]),
            'models[0].tags: must be an object ({"key": value, ...}), not ["payments"].',
        ),
        (lambda d: d.update(models={}), "models: must be a list ([...]), not {}."),
        (lambda d: d["models"][1].pop("name"), "models[1].name: is required."),
        (
            lambda d: d["models"][0]["versions"][0]["baseline"].update(accuracy="high"),
            'models[0].versions[0].baseline.accuracy: must be a number, not "high".',
        ),
        (
            lambda d: d["models"][0]["aliases"].update(champion=None),
            "models[0].aliases.champion: must be a string, not null.",
        ),
    ],
)
def test_a_deployments_file_of_the_wrong_shape_says_what_it_wants_in_json_words(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    change: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    path = tiny_workspace / "deployments.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert _one_sentence(result) == f"mrp: {path}: {expected}"
