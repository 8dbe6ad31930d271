"""Real Prometheus and MLflow servers, loopback fakes, and a way to run `mrp` as a user does.

The Prometheus history spans six hours starting ``T0`` (midnight UTC three days ago): two
versions of ``fraud`` switching at T0+3h, ``churn``, a model whose name needs escaping, an
unversioned latency series holding a +Inf and a NaN, and two series that share a version.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.servers import (
    Series,
    Server,
    ServerMissing,
    build_prometheus_blocks,
    start_mlflow,
    start_prometheus,
)

T0 = datetime.fromtimestamp((int(time.time()) // 86400 - 3) * 86400, tz=UTC)
SAMPLES = 360  # one a minute for six hours
ODD = 'odd "name" \\ with quotes'
REPO = Path(__file__).resolve().parents[2]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _series() -> list[Series]:
    t0 = int(T0.timestamp())
    minute = [t0 + 60 * i for i in range(SAMPLES)]
    latency = [
        float("inf") if i == 5 else float("nan") if i == 6 else 0.2 + i / 1e4
        for i in range(SAMPLES)
    ]
    return [
        Series("model_accuracy", {"model": "fraud", "version": "1"}, [(t, 0.95 - i / 1e5) for i, t in enumerate(minute[:180])]),
        Series("model_accuracy", {"model": "fraud", "version": "2"}, [(t, 0.90 - i / 1e5) for i, t in enumerate(minute[180:])]),
        Series("model_accuracy", {"model": "churn", "version": "3"}, [(t, 0.8 + (i % 7) / 100) for i, t in enumerate(minute)]),
        Series("model_accuracy", {"model": ODD, "version": "1"}, [(t, 0.5) for t in minute]),
        Series("model_accuracy", {"model": "dup", "version": "1", "instance": "a"}, [(t, 0.7) for t in minute]),
        Series("model_accuracy", {"model": "dup", "version": "1", "instance": "b"}, [(t, 0.6) for t in minute]),
        Series("model_latency_p99_seconds", {"model": "fraud"}, list(zip(minute, latency, strict=True))),
    ]  # fmt: skip


def _fail_missing(start: Callable[[], Server]) -> Server:
    try:
        return start()
    except ServerMissing as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def prometheus_blocks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        return build_prometheus_blocks(_series(), tmp_path_factory.mktemp("prometheus"))
    except ServerMissing as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def prometheus(prometheus_blocks: Path) -> Iterator[Server]:
    """One real Prometheus for the session, serving the backfilled history."""
    server = _fail_missing(lambda: start_prometheus(prometheus_blocks))
    yield server
    server.stop()


@pytest.fixture
def own_prometheus(prometheus_blocks: Path, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start (and restart) a private Prometheus on a copy of the history, to stop at will."""
    data = tmp_path / "own" / "data"
    shutil.copytree(
        prometheus_blocks, data, ignore=shutil.ignore_patterns("wal", "lock", "chunks_head")
    )
    started: list[Server] = []

    def start(port: int | None = None) -> Server:
        server = _fail_missing(lambda: start_prometheus(data, port))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real MLflow tracking server for the session (it takes ~10s to start)."""
    server = _fail_missing(lambda: start_mlflow(tmp_path_factory.mktemp("mlflow")))
    yield server
    server.stop()


class Registry:
    """Builds registry state in a real MLflow server through its REST API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=f"{url}/api/2.0/mlflow/", timeout=30)
        self.experiment = self.post("experiments/create", name=f"mrp-tests-{time.time_ns()}")[
            "experiment_id"
        ]

    def post(self, path: str, **payload: Any) -> dict[str, Any]:
        reply = self.http.post(path, json=payload)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        reply = self.http.get(path, params=params)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def run(self, **metrics: float) -> str:
        run_id = str(
            self.post("runs/create", experiment_id=self.experiment, start_time=1)["run"]["info"][
                "run_id"
            ]
        )
        for key, value in metrics.items():
            self.post("runs/log-metric", run_id=run_id, key=key, value=value, timestamp=1, step=0)
        return run_id

    def model(self, name: str, *, tags: dict[str, str], baselines: list[float | None]) -> list[str]:
        """A registered model with one version per entry of ``baselines`` (val_accuracy)."""
        self.post(
            "registered-models/create",
            name=name,
            tags=[{"key": k, "value": v} for k, v in tags.items()],
        )
        versions = []
        for value in baselines:
            run_id = self.run(**({} if value is None else {"val_accuracy": value, "loss": 0.1}))
            made = self.post(
                "model-versions/create", name=name, source=f"runs:/{run_id}/model", run_id=run_id,
                tags=[{"key": "approved", "value": "true"}],
            )  # fmt: skip
            versions.append(str(made["model_version"]["version"]))
        return versions

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self.post("registered-models/alias", name=name, alias=alias, version=version)

    def alias(self, name: str, alias: str) -> str:
        return str(
            self.get("registered-models/alias", name=name, alias=alias)["model_version"]["version"]
        )

    def version_tags(self, name: str, version: str) -> dict[str, str]:
        found = self.get("model-versions/get", name=name, version=version)["model_version"]
        return {t["key"]: t["value"] for t in found.get("tags", [])}


@pytest.fixture(scope="session")
def registry(mlflow_server: Server) -> Registry:
    return Registry(mlflow_server.url)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class Workspace:
    """A throwaway workspace, and `mrp` run on it in a subprocess as a user would."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.home = home
        root.mkdir(parents=True, exist_ok=True)

    def configure(self, text: str) -> Workspace:
        (self.root / "mrp.toml").write_text(text)
        return self

    def mrp(self, *args: str, now: datetime | None = None, stdin: str | None = None) -> Run:
        env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        }
        env.pop("MRP_HOME", None)
        if now is not None:
            env["MRP_NOW"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        done = subprocess.run(
            [sys.executable, "-m", "console", *args, "-w", str(self.root)],
            input=stdin or "",
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=300,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def sync(self, now: datetime, *sources: str) -> Run:
        extra = [arg for name in sources for arg in ("--source", name)]
        return self.mrp("sync", "--json", *extra, now=now)

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        import duckdb

        con = duckdb.connect(str(self.root / ".mrp" / "state.duckdb"), read_only=True)
        try:
            return con.execute(query, list(params)).fetchall()
        finally:
            con.close()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored table except the sync log, for before/after comparisons."""
        tables = [
            "models",
            "versions",
            "baselines",
            "aliases",
            "deployment_events",
            "metrics",
            "watermarks",
            "events",
        ]
        return {t: sorted(self.rows(f"SELECT * FROM {t}"), key=repr) for t in tables}


@pytest.fixture
def make_workspace(tmp_path: Path, isolated_home: Path) -> Callable[[str], Workspace]:
    count = iter(range(1000))

    def make(config: str) -> Workspace:
        return Workspace(tmp_path / f"ws{next(count)}", isolated_home).configure(config)

    return make


def prometheus_config(url: str, **extra: str) -> str:
    """A workspace with one prometheus source named 'prom' (TOML values given as strings)."""
    settings = {
        "step": '"1m"',
        "backfill": '"6h"',
        "timeout": '"2s"',
        "retries": "1",
        "backoff": '"50ms"',
        "models": json.dumps(["fraud", "churn", ODD]),
    } | extra
    lines = "\n".join(f"{key} = {value}" for key, value in settings.items())
    return f"""
[sources.prom]
kind = "prometheus"
url = "{url}"
{lines}
[sources.prom.metrics]
accuracy = 'avg by (version) (model_accuracy{{model="{{model}}"}})'
latency_p99_seconds = 'max(model_latency_p99_seconds{{model="{{model}}"}})'
"""


def oracle(url: str, start: datetime, end: datetime, step: int = 60) -> list[tuple[Any, ...]]:
    """What a complete sync must have stored: the same queries over the whole range at once
    (in pieces of 10,000 points, which Prometheus allows), NaN dropped."""
    metrics = {
        "accuracy": 'avg by (version) (model_accuracy{model="%s"})',
        "latency_p99_seconds": 'max(model_latency_p99_seconds{model="%s"})',
    }
    rows = []
    first = -(-int(start.timestamp()) // step) * step
    last = int(end.timestamp()) // step * step
    for model in ("fraud", "churn", ODD):
        quoted = model.replace("\\", "\\\\").replace('"', '\\"')
        for metric, template in metrics.items():
            piece_start = first
            while piece_start <= last:
                piece_end = min(piece_start + 9999 * step, last)
                body = httpx.get(
                    f"{url}/api/v1/query_range",
                    params={
                        "query": template % quoted,
                        "start": piece_start,
                        "end": piece_end,
                        "step": step,
                    },
                ).json()
                assert body["status"] == "success", body
                for series in body["data"]["result"]:
                    version = series["metric"].get("version")
                    for ts, value in series["values"]:
                        number = float("inf") if value == "+Inf" else float(value)
                        if number == number:
                            moment = datetime.fromtimestamp(ts, tz=UTC).replace(tzinfo=None)
                            rows.append((model, version, metric, moment, number))
                piece_start = piece_end + step
    return sorted(rows, key=repr)


def stored_metrics(ws: Workspace, source: str = "prom") -> list[tuple[Any, ...]]:
    return sorted(
        ws.rows("SELECT model, version, metric, ts, value FROM metrics WHERE source = ?", source),
        key=repr,
    )
