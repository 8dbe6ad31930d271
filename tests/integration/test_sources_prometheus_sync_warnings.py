"""What an SRE sees when a Prometheus sync works but brings nothing usable: a misspelled
metric name (valid PromQL, matching nothing), a {version} template with no versions known, a
model label nobody has; what a sync that found nothing new says; and a template broken
between two syncs within one step."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from tests.integration.conftest import ODD, Workspace, at, prometheus_config
from tests.integration.fakes import fault_proxy
from tests.integration.servers import Server

pytestmark = pytest.mark.integration

GOOD = 'avg by (version) (model_accuracy{model="{model}"})'
MISSPELLED = 'avg by (version) (model_acuracy{model="{model}"})'
WARNING = (
    "warning: prom: accuracy: the query matched no series for any of 3 models in the last 6h; "
    "check the metric name and labels in [sources.prom.metrics]."
)


def _warnings(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def _summary(ws: Workspace, now_minutes: float) -> str:
    run = ws.mrp("sync", now=at(now_minutes))
    assert run.code == 0, run.stderr
    (line,) = run.stdout.splitlines()
    return line


def test_a_misspelled_metric_is_named_once_until_it_is_fixed(
    prometheus: Server, make_workspace
) -> None:
    ws: Workspace = make_workspace(prometheus_config(prometheus.url))
    ws.configure((ws.root / "mrp.toml").read_text().replace(GOOD, MISSPELLED))

    first = ws.sync(at(100))
    assert first.code == 0, first.stderr
    assert _warnings(first.stderr) == [WARNING]
    assert first.json["warnings"] == [
        {"source": "prom", "metric": "accuracy", "message": WARNING.split("accuracy: ", 1)[1]}
    ]
    assert first.json["sources"][0]["points"] > 0  # latency of fraud still came

    again = ws.mrp("sync", now=at(101))
    assert again.code == 0
    assert _warnings(again.stderr) == [WARNING]

    ws.configure((ws.root / "mrp.toml").read_text().replace(MISSPELLED, GOOD))
    fixed = ws.sync(at(102))
    assert fixed.code == 0 and _warnings(fixed.stderr) == [] and fixed.json["warnings"] == []
    models = {m for (m,) in ws.rows("SELECT DISTINCT model FROM metrics WHERE metric = 'accuracy'")}
    assert models == {"fraud", "churn", ODD}


def test_series_without_new_points_are_no_alarm_and_the_summary_says_nothing_is_new(
    prometheus: Server, make_workspace
) -> None:
    ws: Workspace = make_workspace(prometheus_config(prometheus.url))
    assert _summary(ws, 100).startswith("prom (prometheus): 3 models, ")

    same_step = ws.mrp("sync", now=at(100) + timedelta(seconds=30))
    assert same_step.code == 0 and _warnings(same_step.stderr) == []
    assert same_step.stdout.startswith(
        "prom (prometheus): 3 models, no new points since "
        f"{at(100).strftime('%Y-%m-%dT%H:%M:%SZ')} ("
    )

    # The history ends at T0+6h: every series goes stale, nothing matches any more.
    assert ws.sync(at(500)).code == 0
    (last,) = ws.rows("SELECT max(ts) FROM metrics")[0]
    stale = ws.sync(at(600))
    assert stale.code == 0 and _warnings(stale.stderr) == [] and stale.json["warnings"] == []
    assert stale.json["sources"][0]["points"] == 0
    assert stale.json["sources"][0]["models"] == 3
    assert stale.json["sources"][0]["last_sample"] == last.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _summary(ws, 600).startswith(
        f"prom (prometheus): 3 models, no new points since {last.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )


def test_a_version_template_with_no_versions_known_says_nothing_was_queried(
    prometheus: Server, make_workspace
) -> None:
    config = prometheus_config(prometheus.url, models='["fraud", "churn"]').replace(
        GOOD, 'model_accuracy{model="{model}", version="{version}"}'
    )
    ws: Workspace = make_workspace(config)
    run = ws.sync(at(100))
    assert run.code == 0, run.stderr
    assert _warnings(run.stderr) == [
        "warning: prom: accuracy: the template names {version}, but no version of any of the "
        "2 models is known yet, so nothing was queried; a registry or files source brings the "
        "versions."
    ]


def test_a_model_label_nobody_has_is_named(prometheus: Server, make_workspace) -> None:
    config = "\n".join(
        line
        for line in prometheus_config(prometheus.url, model_label='"modle"').splitlines()
        if not line.startswith("models")
    )
    ws: Workspace = make_workspace(config)
    run = ws.sync(at(100))
    assert run.code == 0, run.stderr
    assert run.json["sources"][0]["models"] == 0
    assert _warnings(run.stderr) == [
        "warning: prom: no models to query: the config lists none, the state database knows "
        "none, and Prometheus has no values of label 'modle' in the last 6h; check "
        "model_label, or list them as models = [...] in [sources.prom]."
    ]
    assert run.json["warnings"][0]["metric"] is None


def test_a_template_broken_within_one_step_is_checked_by_prometheus_at_once(
    prometheus: Server, make_workspace
) -> None:
    with fault_proxy(prometheus.url) as proxy:
        ws: Workspace = make_workspace(prometheus_config(proxy.url))
        assert ws.sync(at(100)).code == 0
        before = ws.snapshot()

        proxy.seen.clear()
        assert ws.sync(at(100) + timedelta(seconds=20)).code == 0
        ranges = [parse_qs(s.query) for s in proxy.seen if s.path == "/api/v1/query_range"]
        accuracy = [r for r in ranges if "model_accuracy" in r["query"][0]]
        assert len(accuracy) == 1  # one step, for one of the three models
        assert accuracy[0]["start"] == accuracy[0]["end"]
        assert ws.snapshot() == before

        broken = (ws.root / "mrp.toml").read_text().replace(GOOD, GOOD[:-1])
        ws.configure(broken)
        run = ws.sync(at(100) + timedelta(seconds=40))
        assert run.code == 1
        errors = [line for line in run.stderr.splitlines() if line.startswith("mrp: ")]
        assert len(errors) == 1 and "Traceback" not in run.stderr, run.stderr
        assert errors[0].startswith("mrp: source 'prom': the query for model 'fraud' (accuracy:")
        assert "Prometheus answered 400 bad_data" in errors[0]
        assert "parse error" in errors[0]
        assert ws.snapshot() == before
