"""The demo workspace ``sample_data/`` and its generator ``benchmarks/generate_fleet.py``.

The data checks read the checked-in files with DuckDB; the generator checks need numpy (a
generator-only dependency) and are skipped without it.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pytest
from ruamel.yaml import YAML

from console.policy.model import RollbackPolicy
from console.settings import load_config

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
GENERATOR = REPO / "benchmarks" / "generate_fleet.py"
T_END = datetime(2026, 11, 15)  # naive UTC, as stored in the Parquet files
T_START = T_END - timedelta(days=14)
MINUTES = 14 * 1440
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
METRIC_TYPES = ["VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP", "DOUBLE"]


def _before_end(**delta: int) -> datetime:
    return T_END - timedelta(**delta)


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    pytest.importorskip("numpy", reason="numpy (needed by the generator only) is not installed")
    spec = importlib.util.spec_from_file_location("generate_fleet", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def deployments() -> list[dict[str, Any]]:
    models: list[dict[str, Any]] = json.loads((SAMPLE / "deployments.json").read_text())["models"]
    return models


@pytest.fixture(scope="module")
def by_name(deployments: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {model["name"]: model for model in deployments}


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    lines = (SAMPLE / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def con(deployments: list[dict[str, Any]]) -> Iterator[duckdb.DuckDBPyConnection]:
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE m AS SELECT * FROM read_parquet(?)", [str(SAMPLE / "metrics" / "*.parquet")]
    )
    db.execute("CREATE TABLE h (model VARCHAR, version VARCHAR, since TIMESTAMP)")
    db.executemany(
        "INSERT INTO h VALUES (?, ?, ?)",
        [
            [model["name"], entry["version"], _utc(entry["at"])]
            for model in deployments
            for entry in model["history"]
        ],
    )
    yield db
    db.close()


@pytest.fixture(scope="module")
def policies() -> list[tuple[Path, RollbackPolicy]]:
    yaml = YAML(typ="safe")
    out = []
    for path in sorted((SAMPLE / "policies").glob("*.yaml")):
        for document in yaml.load_all(path.read_text()):
            out.append((path, RollbackPolicy.model_validate(document)))
    return out


def _series(
    con: duckdb.DuckDBPyConnection, model: str, metric: str, since: datetime = T_START
) -> list[tuple[datetime, str, float]]:
    return con.execute(
        "SELECT ts, version, value FROM m WHERE model = ? AND metric = ? AND ts >= ? ORDER BY ts",
        [model, metric, since],
    ).fetchall()


def _runs(flags: list[bool]) -> list[int]:
    """Lengths of the runs of consecutive True."""
    runs, current = [], 0
    for flag in [*flags, False]:
        if flag:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    return runs


# ---- the workspace as a whole ----------------------------------------------------------------


def test_workspace_files_and_size() -> None:
    names = {p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*") if p.is_file()}
    assert {"mrp.toml", "deployments.json", "events.jsonl", "README.md"} <= names
    assert any(name.startswith("policies/") for name in names)
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size < 8_000_000


def test_config_loads_with_files_source_and_fixed_clock() -> None:
    raw = tomllib.loads((SAMPLE / "mrp.toml").read_text())
    assert raw["operator"] == "alice"
    assert raw["sources"] == {"offline": {"kind": "files", "path": "."}}
    assert raw["console"] == {"refresh": "30s", "theme": "mrp-dark"}
    assert raw["clock"] == {"fixed": "2026-11-15T00:00:00Z"}
    config = load_config(SAMPLE / "mrp.toml")
    assert config.clock.fixed == "2026-11-15T00:00:00Z"


def test_fleet_shape(deployments: list[dict[str, Any]]) -> None:
    assert len(deployments) >= 12
    assert len({m["team"] for m in deployments}) >= 3
    assert {m["risk_tier"] for m in deployments} == {"low", "medium", "high"}
    for model in deployments:
        assert set(model) == {"name", "team", "risk_tier", "tags", "versions", "aliases", "history"}
        assert all(isinstance(v, str) for v in model["tags"].values())
        versions = {v["version"]: v for v in model["versions"]}
        assert len(versions) >= 3, model["name"]
        for v in model["versions"]:
            assert isinstance(v["version"], str) and v["version"].isdigit()
            assert v["status"] in {"approved", "archived", "rejected"}
            assert RFC3339_Z.match(v["created_at"])
            assert all(isinstance(x, float) for x in v["baseline"].values())
        history = model["history"]
        assert history, model["name"]
        assert [h["at"] for h in history] == sorted(h["at"] for h in history)
        for entry in history:
            assert entry["alias"] == "champion" and entry["actor"]
            assert RFC3339_Z.match(entry["at"])
            deployed = versions[entry["version"]]
            assert deployed["status"] != "rejected"
            assert deployed["created_at"] <= entry["at"]
        assert model["aliases"] == {"champion": history[-1]["version"]}
        assert _utc(history[0]["at"]) < T_START  # someone serves from the first minute


def test_metrics_schema_and_counts(
    con: duckdb.DuckDBPyConnection, deployments: list[dict[str, Any]]
) -> None:
    files = sorted(p.stem for p in (SAMPLE / "metrics").glob("*.parquet"))
    assert files == sorted(m["name"] for m in deployments)  # one file per model
    described = con.execute("DESCRIBE m").fetchall()
    assert [(row[0], row[1]) for row in described] == list(
        zip(["model", "version", "metric", "ts", "value"], METRIC_TYPES, strict=True)
    )
    kinds = {row[0] for row in con.execute("SELECT DISTINCT metric FROM m").fetchall()}
    assert {"latency_p99_seconds", "error_rate", "psi_drift", "fairness_dpd"} <= kinds
    assert {"throughput_rps"} <= kinds and kinds & {"accuracy", "auc"}
    assert len(kinds) >= 6
    rows = con.execute(
        "SELECT model, metric, count(*), count(DISTINCT ts), min(ts), max(ts), "
        "count(*) FILTER (WHERE second(ts) <> 0 OR value IS NULL OR isnan(value)) "
        "FROM m GROUP BY ALL"
    ).fetchall()
    for model, _metric, n, distinct, first, last, odd in rows:
        assert odd == 0 and distinct == n
        assert first == T_START
        if model == "ad-ctr":  # the silent feed
            assert n == MINUTES - 150 and last == _before_end(minutes=151)
        else:
            assert n == MINUTES and last == _before_end(minutes=1)


def test_only_the_champion_emits(con: duckdb.DuckDBPyConnection) -> None:
    joined = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE m.version <> h.version) "
        "FROM m ASOF JOIN h ON m.model = h.model AND m.ts >= h.since"
    ).fetchone()
    assert joined == (con.execute("SELECT count(*) FROM m").fetchone()[0], 0)


def test_events(events: list[dict[str, Any]], by_name: dict[str, dict[str, Any]]) -> None:
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    kinds = set()
    for event in events:
        assert list(event) == ["ts", "model", "version", "kind", "severity", "summary"]
        assert RFC3339_Z.match(event["ts"]) and T_START <= _utc(event["ts"]) < T_END
        assert event["severity"] in {"low", "medium", "high", "critical"}
        serving = [h for h in by_name[event["model"]]["history"] if h["at"] <= event["ts"]]
        assert event["version"] == serving[-1]["version"]
        kinds.add(event["kind"])
    assert {"deploy", "security_finding"} <= kinds
    in_window = sum(
        1 for m in by_name.values() for h in m["history"] if T_START <= _utc(h["at"]) < T_END
    )
    assert sum(1 for e in events if e["kind"] == "deploy") == in_window
    high = [e for e in events if e["severity"] in {"high", "critical"}]
    assert [(e["model"], e["kind"]) for e in high] == [("support-intent", "security_finding")]


# ---- the scripted incidents --------------------------------------------------------------------


def test_fraud_scoring_accuracy_drops_after_deploy_of_7(
    con: duckdb.DuckDBPyConnection, by_name: dict[str, dict[str, Any]]
) -> None:
    model = by_name["fraud-scoring"]
    assert (model["team"], model["risk_tier"]) == ("risk-ml", "high")
    last, before = model["history"][-1], model["history"][-2]
    assert (last["version"], last["at"], before["version"]) == ("7", "2026-11-14T20:00:00Z", "6")
    assert last["actor"]
    deploy = _before_end(hours=4)
    series = _series(con, "fraud-scoring", "accuracy", deploy - timedelta(hours=2))
    old = [v for ts, ver, v in series if ts < deploy]
    new = [v for ts, ver, v in series if ts >= deploy]
    assert {ver for ts, ver, _ in series if ts < deploy} == {"6"}
    assert {ver for ts, ver, _ in series if ts >= deploy} == {"7"}
    assert 0.94 < sum(old) / len(old) < 0.96 and min(old) > 0.9
    assert 0.81 < sum(new) / len(new) < 0.83 and max(new) < 0.9


def test_search_ranking_latency_regresses_against_version_11(
    con: duckdb.DuckDBPyConnection, by_name: dict[str, dict[str, Any]]
) -> None:
    model = by_name["search-ranking"]
    assert (model["team"], model["risk_tier"]) == ("growth", "medium")
    last, before = model["history"][-1], model["history"][-2]
    assert (last["version"], last["at"], before["version"]) == ("12", "2026-11-14T19:00:00Z", "11")
    deploy = _before_end(hours=5)
    series = _series(con, "search-ranking", "latency_p99_seconds", deploy - timedelta(hours=5))
    old = [v for ts, _, v in series if ts < deploy]
    new = [v for ts, _, v in series if ts >= deploy]
    ratio = (sum(new) / len(new)) / (sum(old) / len(old))
    assert 1.35 < ratio < 1.45
    assert 0.115 < sum(old) / len(old) < 0.125 and max(new) < 0.2  # well under any SLO


def test_churn_predictor_drift_crosses_at_about_three_hours_before_end(
    con: duckdb.DuckDBPyConnection,
) -> None:
    series = _series(con, "churn-predictor", "psi_drift")
    first_above = min(ts for ts, _, v in series if v > 0.2)
    assert abs(first_above - _before_end(hours=3)) <= timedelta(minutes=30)
    three_days = [v for ts, _, v in series if _before_end(days=3, hours=1) <= ts < T_END]
    assert three_days[0] < 0.1 and max(three_days[:60]) < 0.1
    assert all(v > 0.2 for ts, _, v in series if ts >= _before_end(hours=2))
    hourly = [v for ts, _, v in series if ts >= _before_end(days=3) and ts.minute == 0]
    assert sum(b > a for a, b in pairwise(hourly)) > len(hourly) * 0.6


def test_credit_limit_fairness_gap_crosses_at_two_hours_before_end(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cross = _before_end(hours=2)
    series = _series(con, "credit-limit", "fairness_dpd")
    assert all(v < 0.1 for ts, _, v in series if ts < cross)
    assert all(v > 0.1 for ts, _, v in series if ts >= cross)


def test_support_intent_security_finding(
    events: list[dict[str, Any]], by_name: dict[str, dict[str, Any]]
) -> None:
    found = [e for e in events if e["model"] == "support-intent" and e["kind"] != "deploy"]
    assert len(found) == 1
    (event,) = found
    assert (event["kind"], event["severity"], event["ts"]) == (
        "security_finding",
        "high",
        "2026-11-14T22:30:00Z",
    )
    assert event["version"] == by_name["support-intent"]["aliases"]["champion"]


def test_ad_ctr_feed_goes_silent(con: duckdb.DuckDBPyConnection) -> None:
    last = con.execute("SELECT max(ts), count(DISTINCT metric) FROM m WHERE model = 'ad-ctr'")
    assert last.fetchone() == (_before_end(minutes=151), 5)
    per_metric = con.execute(
        "SELECT DISTINCT max(ts) OVER (PARTITION BY metric) FROM m WHERE model = 'ad-ctr'"
    ).fetchall()
    assert per_metric == [(_before_end(minutes=151),)]


def test_spam_filter_error_rate_flaps_without_holding_five_minutes(
    con: duckdb.DuckDBPyConnection,
) -> None:
    series = _series(con, "spam-filter", "error_rate")
    calm = [v for ts, _, v in series if ts < _before_end(hours=6)]
    assert max(calm) < 0.05
    last6h = [v > 0.05 for ts, _, v in series if ts >= _before_end(hours=6)]
    above = _runs(last6h)
    below = _runs([not flag for flag in last6h][10:])  # from the first flap on
    assert len(above) >= 40  # `for: 0s` fires again and again
    assert set(above) <= {2, 3}  # `for: 5m` needs 6 consecutive evaluations: never
    assert set(below[:-1]) <= {2, 3}


def test_other_models_stay_healthy(con: duckdb.DuckDBPyConnection) -> None:
    healthy = con.execute(
        "SELECT metric, max(value), min(value) FROM m WHERE model NOT IN "
        "('fraud-scoring', 'credit-limit', 'churn-predictor', 'spam-filter', 'search-ranking') "
        "GROUP BY ALL"
    ).fetchall()
    limits = {"error_rate": (0.02, 0), "psi_drift": (0.2, 0), "fairness_dpd": (0.1, 0)}
    floors = {"accuracy": 0.9, "auc": 0.7}
    for metric, high, low in healthy:
        if metric in limits:
            assert high < limits[metric][0], metric
        if metric in floors:
            assert low > floors[metric], metric


# ---- policies ------------------------------------------------------------------------------------


def test_policies_cover_every_model_once(
    policies: list[tuple[Path, RollbackPolicy]],
    deployments: list[dict[str, Any]],
    con: duckdb.DuckDBPyConnection,
) -> None:
    metrics = set(con.execute("SELECT DISTINCT model, metric FROM m").fetchall())
    for model in deployments:
        matching = [
            policy
            for _, policy in policies
            if any(fnmatch.fnmatchcase(model["name"], g) for g in policy.spec.selector.models)
            and (
                not policy.spec.selector.risk_tiers
                or model["risk_tier"] in policy.spec.selector.risk_tiers
            )
        ]
        assert len(matching) == 1, model["name"]
        (policy,) = matching
        assert policy.metadata.owner == model["team"]
        rollback = policy.spec.rollback
        assert rollback is not None and rollback.mechanism == "alias_swap"
        assert rollback.approvals.required == (2 if model["risk_tier"] == "high" else 1)
        assert set(rollback.approvals.roles) == {"oncall", "model-owner"}
        for trigger in policy.spec.triggers:  # no trigger reads a metric the model lacks
            if trigger.metric is not None:
                assert (model["name"], trigger.metric) in metrics, (model["name"], trigger.name)


def _policy_for(policies: list[tuple[Path, RollbackPolicy]], model: str) -> RollbackPolicy:
    return next(
        p for _, p in policies if any(fnmatch.fnmatchcase(model, g) for g in p.spec.selector.models)
    )


def test_policies_have_a_trigger_for_every_incident(
    policies: list[tuple[Path, RollbackPolicy]],
) -> None:
    def find(model: str, **match: Any) -> list[Any]:
        triggers = _policy_for(policies, model).spec.triggers
        return [t for t in triggers if all(getattr(t, k) == v for k, v in match.items())]

    assert find("fraud-scoring", metric="accuracy", op="<", threshold=0.9)
    assert find("search-ranking", metric="latency_p99_seconds", baseline="previous_version")
    assert find("churn-predictor", metric="psi_drift", op=">", threshold=0.2)
    assert find("credit-limit", metric="fairness_dpd", op=">", threshold=0.1)
    assert find("support-intent", event="security_finding", min_severity="high")
    assert _policy_for(policies, "ad-ctr").spec.on_no_data == "no_data"
    (spam,) = find("spam-filter", metric="error_rate", op=">", threshold=0.05)
    assert spam.for_ == timedelta(minutes=5)


# ---- the generator -------------------------------------------------------------------------------


def test_checked_in_sample_data_equals_a_fresh_generation(
    generator: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "fresh"
    generator.generate(out)
    for name in ("deployments.json", "events.jsonl"):
        assert (out / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    fresh = sorted(p.name for p in (out / "metrics").glob("*.parquet"))
    assert fresh == sorted(p.name for p in (SAMPLE / "metrics").glob("*.parquet"))
    db = duckdb.connect()
    for name in fresh:
        a, b = str(out / "metrics" / name), str(SAMPLE / "metrics" / name)
        if (out / "metrics" / name).read_bytes() == (SAMPLE / "metrics" / name).read_bytes():
            continue  # a different pyarrow may write other bytes; then compare the rows
        diff = db.execute(
            "SELECT count(*) FROM ((FROM read_parquet(?) EXCEPT ALL FROM read_parquet(?)) "
            "UNION ALL (FROM read_parquet(?) EXCEPT ALL FROM read_parquet(?)))",
            [a, b, b, a],
        ).fetchone()
        assert diff == (0,), name


def test_generation_is_byte_identical(generator: ModuleType, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generator.generate(first, models=3, days=1, seed=7)
    generator.generate(second, models=3, days=1, seed=7)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    generator.generate(tmp_path / "c", models=3, days=1, seed=8)
    other = tmp_path / "c" / "metrics" / "fraud-scoring.parquet"
    assert other.read_bytes() != (first / "metrics" / "fraud-scoring.parquet").read_bytes()


def test_larger_fleet_keeps_the_shape(generator: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "fleet"
    counts = generator.generate(out, models=45, days=1)
    assert counts["models"] == 45
    models = json.loads((out / "deployments.json").read_text())["models"]
    names = [m["name"] for m in models]
    assert len(set(names)) == 45 and "fraud-scoring-0001" in names and "fraud-scoring-0003" in names
    assert len(list((out / "metrics").glob("*.parquet"))) == 45
    assert {m["team"] for m in models} == {m["team"] for m in models[:14]}
    assert (out / "mrp.toml").exists() and (out / "policies" / "risk-ml.yaml").exists()
    db = duckdb.connect()
    rows = db.execute(
        "SELECT count(DISTINCT model), min(ts), max(ts) FROM read_parquet(?)",
        [str(out / "metrics" / "*.parquet")],
    ).fetchone()
    assert rows == (45, _before_end(days=1), _before_end(minutes=1))


def test_one_day_is_the_tail_of_fourteen(
    generator: ModuleType, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    generator.generate(tmp_path / "day", models=14, days=1)
    diff = con.execute(
        "SELECT count(*) FROM ((FROM read_parquet(?) EXCEPT ALL FROM m WHERE ts >= ?) "
        "UNION ALL (FROM m WHERE ts >= ? EXCEPT ALL FROM read_parquet(?)))",
        [
            str(tmp_path / "day" / "metrics" / "*.parquet"),
            _before_end(days=1),
            _before_end(days=1),
            str(tmp_path / "day" / "metrics" / "*.parquet"),
        ],
    ).fetchone()
    assert diff == (0,)
