"""HTTP basic auth for network sources, as an SRE meets it: a real Prometheus with
``basic_auth_users`` in its ``--web.config.file``, a real MLflow and an http platform behind a
proxy that wants a username and password; credentials set with `mrp auth set --basic` (from
stdin, or typed at a terminal without echo) and never written anywhere but the keyring."""

from __future__ import annotations

import asyncio
import base64
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from console.settings import Config, HttpSource, Workspace
from console.sources.http_platform_executor import HttpWebhookExecutor
from tests.integration.conftest import REPO, Registry, at, prometheus_config
from tests.integration.conftest import Workspace as CliWorkspace
from tests.integration.fakes import Platform, _Loopback, _Quiet
from tests.integration.servers import Server, free_port
from tests.integration.test_mlflow import mlflow_config

pytestmark = pytest.mark.integration

USER = "sre"
PASSWORD = "mrp-test-password"
PASSWORD_HASH = "$2b$04$mhS/KNnZ4bSUUgl25KBt3.5qhYBm7X9/3aS62Pob9tUYQzxG6ESZe"
"""bcrypt (cost 4) of PASSWORD, a throwaway test password, made offline with
``crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))``."""
NO_CREDENTIALS = (
    "no credentials are stored for it, so none were sent: set a token with "
    "`mrp auth set {0}`, or a username and password with `mrp auth set {0} --basic`."
)
WRONG_BASIC = (
    "basic credentials for user '{1}' were sent: check them, or replace them with "
    "`mrp auth set {0} --basic`."
)


def _sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("mrp: ")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def _never_written(ws: CliWorkspace, *outputs: str) -> None:
    """The password is in none of the workspace's files nor in what mrp printed."""
    for path in ws.root.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    for text in outputs:
        assert PASSWORD not in text


@pytest.fixture
def basic_auth_prometheus(prometheus_blocks: Path, tmp_path: Path) -> Iterator[Server]:
    """A private Prometheus on a copy of the history that lets in only USER with PASSWORD."""
    folder = tmp_path / "guarded"
    data = folder / "data"
    shutil.copytree(
        prometheus_blocks, data, ignore=shutil.ignore_patterns("wal", "lock", "chunks_head")
    )
    (folder / "prometheus.yml").write_text("global: {}\nscrape_configs: []\n")
    (folder / "web.yml").write_text(f"basic_auth_users:\n  {USER}: {PASSWORD_HASH}\n")
    port = free_port()
    log = folder / "prometheus.log"
    process = subprocess.Popen(
        [
            shutil.which("prometheus") or pytest.fail("prometheus is not installed"),
            f"--config.file={folder / 'prometheus.yml'}",
            f"--web.config.file={folder / 'web.yml'}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=3650d",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.running:
        try:
            ready = httpx.get(f"{server.url}/-/ready", auth=(USER, PASSWORD), timeout=1.0)
            if ready.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the basic-auth Prometheus did not start: {server.log.read_text()[-2000:]}")


def test_prometheus_with_basic_auth_users_syncs_once_the_credentials_are_set(
    basic_auth_prometheus: Server, make_workspace
) -> None:
    ws: CliWorkspace = make_workspace(prometheus_config(basic_auth_prometheus.url))

    without = ws.sync(at(100))
    assert without.code == 1
    assert _sentence(without.stderr).startswith("mrp: source 'prom': Prometheus refused the query")
    assert _sentence(without.stderr).endswith(
        "(HTTP 401: Unauthorized): " + NO_CREDENTIALS.format("prom")
    )

    wrong = ws.mrp("auth", "set", "prom", "--basic", stdin=f"{USER}\nnot-the-password\n")
    assert wrong.code == 0, wrong.stderr
    refused = ws.sync(at(100))
    assert refused.code == 1
    assert _sentence(refused.stderr).endswith(
        "(HTTP 401: Unauthorized): " + WRONG_BASIC.format("prom", USER)
    )
    assert ws.rows("SELECT count(*) FROM metrics") == [(0,)]

    stored = ws.mrp("auth", "set", "prom", "--username", USER, stdin=f"{PASSWORD}\n")
    assert stored.code == 0, stored.stderr
    assert stored.stdout == (
        f"stored basic credentials for user '{USER}' for source 'prom' in the keyring, "
        f"replacing basic credentials for user '{USER}'.\n"
    )
    status = ws.mrp("auth", "status", "--json")
    assert status.json == {
        "sources": [
            {
                "source": "prom",
                "kind": "prometheus",
                "credentials": "basic",
                "username": USER,
                "token": False,
            }
        ]
    }
    synced = ws.sync(at(100))
    assert synced.code == 0, synced.stderr
    (points,) = ws.rows("SELECT count(*) FROM metrics")[0]
    assert points > 0
    _never_written(ws, stored.stdout, stored.stderr, status.stdout, synced.stdout, synced.stderr)

    token = ws.mrp("auth", "set", "prom", stdin="a-token\n")
    assert token.code == 0
    bearer = ws.sync(at(200))
    assert bearer.code == 1
    assert _sentence(bearer.stderr).endswith(
        "(HTTP 401: Unauthorized): the token stored for it was sent: check it, or replace it "
        "with `mrp auth set prom`."
    )

    cleared = ws.mrp("auth", "clear", "prom")
    assert cleared.stdout == "removed the token for source 'prom' from the keyring.\n"
    assert _sentence(ws.sync(at(200)).stderr).endswith(NO_CREDENTIALS.format("prom"))


class _BasicAuthHandler(_Quiet):
    """Lets through what carries USER's credentials, as an nginx ``auth_basic`` would, and
    answers anything else with MLflow's own basic-auth refusal."""

    def _relay(self) -> None:
        proxy: BasicAuthProxy = self.server.owner  # type: ignore[attr-defined]
        body = self._body()
        proxy.authorizations.append(self.headers.get("Authorization"))
        if self.headers.get("Authorization") != proxy.expected:
            self._send(
                401,
                b"You are not authenticated. Please see the documentation for details.",
                {"WWW-Authenticate": 'Basic realm="mlflow"'},
            )
            return
        passed = {
            key: value
            for key, value in self.headers.items()
            if key.lower() not in {"host", "authorization", "content-length", "connection"}
        }
        upstream = httpx.request(
            self.command, proxy.upstream + self.path, content=body, headers=passed, timeout=30
        )
        self._send(
            upstream.status_code,
            upstream.content,
            {"Content-Type": upstream.headers.get("content-type", "application/json")},
        )

    do_GET = _relay
    do_POST = _relay
    do_PATCH = _relay


class BasicAuthProxy(_Loopback):
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        self.authorizations: list[str | None] = []
        super().__init__(_BasicAuthHandler)


@contextmanager
def basic_auth_proxy(upstream: str) -> Iterator[BasicAuthProxy]:
    proxy = BasicAuthProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.close()


def test_mlflow_behind_basic_auth_takes_the_tracking_username_and_password(
    mlflow_server: Server, registry: Registry, make_workspace
) -> None:
    registry.model("ba-fraud", tags={"team": "risk"}, baselines=[0.95])
    registry.set_alias("ba-fraud", "champion", "1")
    with basic_auth_proxy(mlflow_server.url) as proxy:
        ws: CliWorkspace = make_workspace(mlflow_config(proxy.url, "ba"))
        without = ws.sync(at(0))
        assert without.code == 1
        assert _sentence(without.stderr).endswith(
            "(HTTP 401, You are not authenticated. Please see the documentation for details.): "
            + NO_CREDENTIALS.format("registry")
        )

        # what `printf '%s\n%s\n' "$MLFLOW_TRACKING_USERNAME" "$MLFLOW_TRACKING_PASSWORD" |`
        # gives it
        stored = ws.mrp("auth", "set", "registry", "--basic", stdin=f"{USER}\n{PASSWORD}\n")
        assert stored.code == 0, stored.stderr
        synced = ws.sync(at(0))
        assert synced.code == 0, synced.stderr
        assert ws.rows("SELECT model, alias, version FROM aliases") == [
            ("ba-fraud", "champion", "1")
        ]
        assert proxy.authorizations[-1] == proxy.expected
        _never_written(ws, stored.stdout, synced.stdout, synced.stderr)


def test_http_platform_behind_basic_auth_syncs_and_takes_a_signed_rollback(
    make_workspace, tmp_path: Path
) -> None:
    from tests.integration.test_http_platform import _models

    platform = Platform(secret="s3cret", token=None, models=_models())
    try:
        with basic_auth_proxy(platform.url) as proxy:
            config = f'[sources.platform]\nkind = "http"\nurl = "{proxy.url}/api"\nretries = 0\n'
            ws: CliWorkspace = make_workspace(config)
            without = ws.sync(at(0))
            assert without.code == 1
            assert _sentence(without.stderr).endswith(NO_CREDENTIALS.format("platform"))

            assert (
                ws.mrp("auth", "set", "platform", "--basic", stdin=f"{USER}\n{PASSWORD}\n").code
                == 0
            )
            assert ws.mrp("auth", "set", "platform", "--signing-secret", stdin="s3cret\n").code == 0
            assert ws.mrp("auth", "status").stdout == (
                f"platform (http): basic credentials set for user '{USER}', signing secret set\n"
            )
            synced = ws.sync(at(0))
            assert synced.code == 0, synced.stderr
            assert ws.rows("SELECT alias, version FROM aliases") == [("champion", "2")]

            source = HttpSource(kind="http", url=f"{proxy.url}/api", retries=0)
            executor = HttpWebhookExecutor("platform", source, Workspace(tmp_path, Config()))
            done = asyncio.run(executor.move_alias("fraud", "champion", "1", "rb-1:execute"))
            assert done.previous_version == "2" and platform.alias("fraud", "champion") == "1"
            assert set(proxy.authorizations[-3:]) == {proxy.expected}
    finally:
        platform.close()


def test_the_password_typed_at_a_terminal_is_not_echoed(make_workspace) -> None:
    ws: CliWorkspace = make_workspace(
        '[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n'
    )
    env = {
        **os.environ,
        "HOME": str(ws.home),
        "XDG_CONFIG_HOME": str(ws.home / ".config"),
        "XDG_DATA_HOME": str(ws.home / ".local" / "share"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
    }
    command = [
        sys.executable,
        "-m",
        "console",
        "auth",
        "set",
        "prom",
        "--basic",
        "-w",
        str(ws.root),
    ]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: mrp on a terminal of its own
        os.chdir(REPO)
        os.execve(sys.executable, command, env)
    screen = _Screen(terminal)
    try:
        screen.wait_for("Username for prom: ")
        os.write(terminal, f"{USER}\r".encode())
        screen.wait_for("Password for prom: ")
        os.write(terminal, f"{PASSWORD}\r".encode())
        screen.wait_for("in the keyring.")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, screen.text
    assert f"Username for prom: {USER}" in screen.text  # the username is echoed
    assert PASSWORD not in screen.text
    assert (
        "stored basic credentials for user 'sre' for source 'prom' in the keyring." in screen.text
    )
    status_json = ws.mrp("auth", "status", "--json").json["sources"][0]
    assert (status_json["credentials"], status_json["username"]) == ("basic", USER)


class _Screen:
    """What a terminal shows, read from the pty's controlling side."""

    def __init__(self, terminal: int) -> None:
        self.terminal = terminal
        self.text = ""

    def wait_for(self, expected: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while expected not in self.text:
            left = deadline - time.monotonic()
            assert left > 0, f"never showed {expected!r}: {self.text!r}"
            ready, _, _ = select.select([self.terminal], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.terminal, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                assert chunk, f"mrp exited before showing {expected!r}: {self.text!r}"
                self.text += chunk.decode("utf-8", "replace")
