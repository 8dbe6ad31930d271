"""Real servers for the integration tests and the ingest benchmark.

Prometheus: history is written as OpenMetrics (timestamps in seconds, each series in time
order, no blank line, ``# EOF`` last), turned into TSDB blocks by ``promtool tsdb
create-blocks-from openmetrics``, and served by ``prometheus`` with an empty scrape config.
MLflow: ``mlflow server`` on a SQLite store from its own virtual environment. Both listen on
127.0.0.1 at a free port and are stopped by their own PID.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


class ServerMissing(RuntimeError):
    """A server binary the integration tests need is not installed."""


def free_port() -> int:
    """A loopback port free now, for a server started next. Under pytest-xdist each worker
    draws from its own block of ports, so two workers never race to bind one (a server that
    lost that race could find the other worker's server answering its readiness check)."""
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")) % count
    size = (PORTS.stop - PORTS.start) // count
    block = range(PORTS.start + worker * size, PORTS.start + (worker + 1) * size)
    while True:
        port = random.choice(block)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


PORTS = range(20000, 32000)
"""Below Linux's ephemeral range (32768-60999), where the kernel picks clients' ports."""


@dataclass(frozen=True)
class Series:
    """One time series: metric name, labels and (unix seconds, value) samples in time order."""

    name: str
    labels: dict[str, str]
    samples: Sequence[tuple[int, float]]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def write_openmetrics(path: Path, series: Iterable[Series]) -> int:
    """Write ``series`` (grouped by metric name) as OpenMetrics; returns the sample count."""
    by_name: dict[str, list[Series]] = {}
    for one in series:
        by_name.setdefault(one.name, []).append(one)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for name, group in by_name.items():
            out.write(f"# TYPE {name} gauge\n")
            for one in group:
                labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(one.labels.items()))
                head = f"{name}{{{labels}}}" if labels else name
                last = None
                for ts, value in one.samples:
                    assert last is None or ts > last, "samples must be in time order"
                    last = ts
                    out.write(f"{head} {_number(value)} {ts}\n")
                    count += 1
        out.write("# EOF\n")
    return count


def _binary(name: str, env: str | None = None, fallback: Path | None = None) -> str:
    explicit = os.environ.get(env) if env else None
    for candidate in (explicit, str(fallback) if fallback else None, shutil.which(name)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ServerMissing(
        f"{name} is not installed (looked at ${env or '-'}, {fallback or '-'} and PATH): "
        "run ./scripts/test, which installs it"
    )


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{url} was not ready after {seconds:.0f}s: {log.read_text()[-2000:]}")


class Server:
    """A started server process, stopped by its own PID."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self.process.poll() is None


def build_prometheus_blocks(series: Iterable[Series], folder: Path) -> Path:
    """Backfill ``series`` into TSDB blocks under ``folder/data``; returns that folder."""
    promtool = _binary("promtool")
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "history.om.txt"
    write_openmetrics(source, series)
    data = folder / "data"
    done = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    source.unlink()
    return data


def start_prometheus(data: Path, port: int | None = None) -> Server:
    """Serve the TSDB at ``data`` (empty scrape config, 10-year retention)."""
    binary = _binary("prometheus")
    port = port or free_port()
    config = data.parent / "prometheus.yml"
    config.write_text("global: {}\nscrape_configs: []\n")
    log = data.parent / f"prometheus-{port}.log"
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=3650d",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_ready(f"{url}/-/ready", process, log, 60)
    return Server(url, process, log)


def start_mlflow(folder: Path) -> Server:
    """An MLflow tracking server with a SQLite store (slow to start: share it per session)."""
    binary = _binary("mlflow", "MRP_TEST_MLFLOW", REPO / ".venv-mlflow" / "bin" / "mlflow")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "mlflow.log"
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    process = subprocess.Popen(
        [
            binary,
            "server",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--default-artifact-root",
            str(folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=folder,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_ready(f"{url}/health", process, log, 120)
    return Server(url, process, log)
