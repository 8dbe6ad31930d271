"""Prometheus as the oracle: ``mrp backtest``'s firing intervals, written as a
``promtool test rules`` file, must pass promtool (Debian's prometheus 2.42).

Random series with gaps (shorter and longer than the 5m staleness), values at and near the
threshold, several ``for`` durations (one not a whole number of steps), and window
aggregates. promtool evaluates at multiples of ``evaluation_interval`` from time 0, and so
does mrp (steps are multiples of the step since the Unix epoch), so the store holds the same
samples at the same instants from 1970-01-01T00:00:00Z on.

Window aggregates are checked on series sampled at odd multiples of 30s only: Prometheus
2.42's range selectors include a sample exactly at t - window and mrp's windows (like
Prometheus 3's) do not, and such series never put a sample on that edge.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from console.policy.model import RollbackPolicy
from console.store.migrations import migrate
from console.triggers import backtest
from console.triggers.timeutil import from_us

pytestmark = pytest.mark.integration

INTERVAL = 30  # seconds between input samples
POINTS = 160  # 80 minutes of input
EVAL_END = 90 * 60  # evaluate for 90 minutes (the last 10 minutes past the data)
SECOND = 1_000_000

PLAIN_RULES = [
    # (alert name, PromQL comparison, mrp trigger fields)
    ("below_for_3m", "< 2.5", {"op": "<", "threshold": 2.5, "for": "3m"}),
    ("at_least_now", ">= 2.5", {"op": ">=", "threshold": 2.5, "for": "0s"}),
    ("above_for_90s", "> 2.5", {"op": ">", "threshold": 2.5, "for": "90s"}),
]
WINDOW_RULES = [
    (
        "avg_5m_for_2m",
        "avg_over_time(m{{{sel}}}[5m]) > 2.55",
        {"op": ">", "threshold": 2.55, "aggregate": "avg", "window": "5m", "for": "2m"},
    ),
    (
        "max_3m_now",
        "max_over_time(m{{{sel}}}[3m]) >= 3",
        {"op": ">=", "threshold": 3, "aggregate": "max", "window": "3m", "for": "0s"},
    ),
    (
        "p95_4m_for_1m",
        "quantile_over_time(0.95, m{{{sel}}}[4m]) < 2.05",
        {"op": "<", "threshold": 2.05, "aggregate": "p95", "window": "4m", "for": "1m"},
    ),
]


def _series(rng: random.Random, odd_only: bool) -> list[float | None]:
    values: list[float | None] = []
    while len(values) < POINTS:
        if rng.random() < 0.15:
            values.extend([None] * rng.choice([1, 2, 4, 7, 9, 10, 11, 14, 25]))
            continue
        if rng.random() < 0.5:
            level = rng.choice([2.4, 2.5, 2.6])
        else:
            level = rng.choice([1.0, 2.0, 3.0, 4.0] if odd_only else [1.9, 2.5, 3.1, 2.49, 2.51])
        values.extend([level] * rng.choice([1, 2, 3, 5, 8, 12]))
    values = values[:POINTS]
    if odd_only:
        values = [v if i % 2 == 1 else None for i, v in enumerate(values)]
        values = [None if v is None else float(round(v)) for v in values]
    return values


def _expanding(values: list[float | None]) -> str:
    """promtool's notation: runs of one value as 'vx(n-1)' ('v+0x(n-1)'), gaps as '_xn'."""
    parts = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        run = j - i + 1
        if values[i] is None:
            parts.append("_" if run == 1 else f"_x{run}")
        else:
            parts.append(f"{values[i]:g}" if run == 1 else f"{values[i]:g}+0x{run - 1}")
        i = j + 1
    return " ".join(parts)


def _policy(name: str, models: str, rules: list[tuple[str, str, dict[str, Any]]]) -> RollbackPolicy:
    return RollbackPolicy.model_validate(
        {
            "apiVersion": "mrp/v1",
            "kind": "RollbackPolicy",
            "metadata": {"name": name},
            "spec": {
                "selector": {"models": [models]},
                "evaluation": {"step": "1m", "staleness": "5m"},
                "on_no_data": "no_data",
                "triggers": [
                    {"name": alert, "metric": "m", **fields} for alert, _e, fields in rules
                ],
            },
        }
    )


def _store(series: dict[str, list[float | None]]) -> Any:
    import duckdb

    con = duckdb.connect()
    migrate(con, ":memory:")
    rows = []
    for model, values in series.items():
        con.execute(
            "INSERT INTO models VALUES (?, NULL, NULL, '{}', 'test', now()::TIMESTAMP)", [model]
        )
        for i, v in enumerate(values):
            if v is not None:
                ts = from_us(i * INTERVAL * SECOND).replace(tzinfo=None).isoformat()
                rows.append({"model": model, "ts": ts, "v": v})
    con.execute(
        """INSERT INTO metrics SELECT model, NULL, 'm', ts, v, 'test' FROM (SELECT unnest(
        json_transform(?::JSON, '[{"model":"VARCHAR","ts":"TIMESTAMP","v":"DOUBLE"}]'),
        recursive := true))""",
        [json.dumps(rows)],
    )
    return con


def _firing_steps(transitions: list[Any]) -> dict[tuple[str, str], set[int]]:
    """Eval times (seconds) at which each (model, trigger) fires."""
    firing: dict[tuple[str, str], set[int]] = {}
    began: dict[tuple[str, str], int] = {}
    for t in transitions:
        key = (t.model, t.trigger)
        second = int(t.at.timestamp())
        if t.to_state == "firing":
            began[key] = second
        elif t.from_state == "firing":
            firing.setdefault(key, set()).update(range(began.pop(key), second, 60))
    for key, start in began.items():
        firing.setdefault(key, set()).update(range(start, EVAL_END + 1, 60))
    return firing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_backtest_firing_intervals_pass_promtool(tmp_path: Path, seed: int) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install Debian's 'prometheus' package (see README)"
    rng = random.Random(seed)
    plain = {f"p{i}": _series(rng, odd_only=False) for i in range(6)}
    windowed = {f"w{i}": _series(rng, odd_only=True) for i in range(4)}
    con = _store({**plain, **windowed})
    policies = [_policy("plain", "p*", PLAIN_RULES), _policy("windowed", "w*", WINDOW_RULES)]
    transitions = backtest(con, policies, from_us(0), from_us(EVAL_END * SECOND))
    firing = _firing_steps(transitions)
    assert firing, "the generated series should make some trigger fire"
    # Prometheus shows nothing for a series without data at the first evaluation, and
    # neither does mrp: no ok -> no_data there. Windowed series have no sample at 0, so
    # each of their triggers' first transition is from no_data.
    assert not [t for t in transitions if t.at == from_us(0) and t.to_state == "no_data"]
    first: dict[tuple[str, str], str] = {}
    for t in transitions:
        first.setdefault((t.model, t.trigger), t.from_state)
    assert {first[(m, alert)] for m in windowed for alert, _e, _f in WINDOW_RULES} == {"no_data"}

    rules = [
        {"alert": alert, "expr": f'm{{kind="p"}} {cmp}', "for": fields["for"]}
        for alert, cmp, fields in PLAIN_RULES
    ] + [
        {
            "alert": alert,
            "expr": "(" + expr.format(sel='kind="w"') + ') and m{kind="w"}',
            "for": fields["for"],
        }
        for alert, expr, fields in WINDOW_RULES
    ]
    # JSON is YAML: promtool reads both files as written here.
    (tmp_path / "rules.yml").write_text(json.dumps({"groups": [{"name": "mrp", "rules": rules}]}))
    kinds = {**{m: "p" for m in plain}, **{m: "w" for m in windowed}}
    tests = []
    for alert, _expr, _fields in PLAIN_RULES + WINDOW_RULES:
        group = "p" if any(alert == r[0] for r in PLAIN_RULES) else "w"
        for second in range(0, EVAL_END + 1, 60):
            exp = [
                {"exp_labels": {"model": model, "kind": group}}
                for model, kind in sorted(kinds.items())
                if kind == group and second in firing.get((model, alert), set())
            ]
            tests.append({"eval_time": f"{second}s", "alertname": alert, "exp_alerts": exp})
    document = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": f"{INTERVAL}s",
                "input_series": [
                    {
                        "series": f'm{{model="{model}",kind="{kinds[model]}"}}',
                        "values": _expanding(values),
                    }
                    for model, values in {**plain, **windowed}.items()
                ],
                "alert_rule_test": tests,
            }
        ],
    }
    (tmp_path / "test.yml").write_text(json.dumps(document, indent=1))
    result = subprocess.run(
        [promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
