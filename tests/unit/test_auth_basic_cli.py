"""`mrp auth set --basic`, `mrp auth status` and `mrp auth clear`: a username and password
for a source, kept in the keyring only, one kind of credentials per source; and the client
sending them as HTTP basic auth."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Callable
from pathlib import Path

import httpx
import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from console.secrets import SERVICE
from console.sources.credentials import BasicCredentials
from console.sources.http_client import RetryPolicy, open_client
from tests.unit.audit_fixtures import restore_keyring
from tests.unit.cli_helpers import Result, run_mrp

__all__ = ["restore_keyring"]  # a fixture used below

Mrp = Callable[..., Result]
PASSWORD = "pa:ss word"  # a colon and a space: both belong to the password


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "mrp.toml").write_text(
        '[sources.prom]\nkind = "prometheus"\nurl = "http://127.0.0.1:9"\n'
        '[sources.platform]\nkind = "http"\nurl = "http://127.0.0.1:9"\n'
        '[sources.offline]\nkind = "files"\n'
    )
    return root


@pytest.fixture
def mrp(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workspace: Path
) -> Mrp:
    def run(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return run_mrp(capsys, "auth", *args, "-w", workspace)

    return run


def _stored() -> dict[str, str]:
    """Every secret the keyring holds for service mrp, by key."""
    keys = (
        "source:prom",
        "source:prom:basic-auth",
        "source:platform",
        "source:platform:basic-auth",
    )
    return {key: value for key in keys if (value := keyring.get_password(SERVICE, key))}


def _status(mrp: Mrp) -> dict[str, dict[str, object]]:
    result = mrp("status", "--json")
    assert result.exit_code == 0, result.stderr
    return {row.pop("source"): row for row in result.json()["sources"]}


def test_basic_credentials_from_stdin_are_stored_and_shown_without_the_password(
    mrp: Mrp, workspace: Path
) -> None:
    stored = mrp("set", "prom", "--basic", stdin=f" sre \n{PASSWORD}\n")
    assert stored.exit_code == 0, stored.stderr
    assert (
        stored.stdout
        == "stored basic credentials for user 'sre' for source 'prom' in the keyring.\n"
    )
    assert list(_stored()) == ["source:prom:basic-auth"]

    assert _status(mrp)["prom"] == {
        "kind": "prometheus",
        "credentials": "basic",
        "username": "sre",
        "token": False,
    }
    text = mrp("status")
    assert text.stdout.splitlines() == [
        "platform (http): no token or basic credentials set, signing secret not set",
        "prom (prometheus): basic credentials set for user 'sre'",
    ]
    outputs = stored.stdout + stored.stderr + text.stdout + mrp("status", "--json").stdout
    assert "pa:ss" not in outputs
    assert "pa:ss" not in (workspace / "mrp.toml").read_text()


def test_username_option_reads_only_the_password(mrp: Mrp) -> None:
    assert (
        mrp("set", "platform", "--username", "grafana-123456", stdin=f"{PASSWORD}\r\n").exit_code
        == 0
    )
    status = _status(mrp)["platform"]
    assert (status["credentials"], status["username"]) == ("basic", "grafana-123456")

    sent = asyncio.run(_sent_authorization(BasicCredentials("grafana-123456", PASSWORD)))
    assert sent == "Basic " + base64.b64encode(f"grafana-123456:{PASSWORD}".encode()).decode()


async def _sent_authorization(basic: BasicCredentials | None, token: str | None = None) -> str:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async with open_client(
        "http://upstream.test",
        timeout=1.0,
        concurrency=1,
        retry=RetryPolicy(0),
        token=token,
        basic=basic,
        transport=httpx.MockTransport(answer),
    ) as client:
        await client.get("api/v1/query")
    return str(seen[0].headers.get("Authorization", ""))


def test_the_client_sends_basic_credentials_over_a_token_and_a_token_alone_as_bearer() -> None:
    both = asyncio.run(_sent_authorization(BasicCredentials("u", "p"), token="tok"))
    assert both == "Basic " + base64.b64encode(b"u:p").decode()
    assert asyncio.run(_sent_authorization(None, token="tok")) == "Bearer tok"
    assert asyncio.run(_sent_authorization(None)) == ""


def test_one_kind_per_source_setting_one_replaces_the_other_and_says_so(
    mrp: Mrp,
) -> None:
    assert mrp("set", "prom", stdin="t0ken\n").exit_code == 0
    basic = mrp("set", "prom", "--basic", stdin=f"sre\n{PASSWORD}\n")
    assert basic.exit_code == 0
    assert basic.stdout == (
        "stored basic credentials for user 'sre' for source 'prom' in the keyring, "
        "replacing the token.\n"
    )
    assert list(_stored()) == ["source:prom:basic-auth"]

    token = mrp("set", "prom", stdin="t0ken\n")
    assert token.stdout == (
        "stored the token for source 'prom' in the keyring, replacing basic credentials for "
        "user 'sre'.\n"
    )
    assert _stored() == {"source:prom": "t0ken"}
    assert _status(mrp)["prom"]["credentials"] == "token"
    assert mrp("status").stdout.splitlines()[1] == "prom (prometheus): token set"


def test_both_stored_anyway_basic_is_sent_and_status_says_so(mrp: Mrp) -> None:
    assert mrp("set", "prom", "--basic", stdin=f"sre\n{PASSWORD}\n").exit_code == 0
    keyring.set_password(SERVICE, "source:prom", "t0ken")  # as if removing it had failed
    assert _status(mrp)["prom"] == {
        "kind": "prometheus",
        "credentials": "basic",
        "username": "sre",
        "token": True,
    }
    assert mrp("status").stdout.splitlines()[1] == (
        "prom (prometheus): basic credentials set for user 'sre' (sent instead of the token "
        "also stored)"
    )
    cleared = mrp("clear", "prom")
    assert cleared.stdout == (
        "removed basic credentials for user 'sre' and the token for source 'prom' from the "
        "keyring.\n"
    )
    assert _stored() == {}


@pytest.mark.parametrize(
    ("args", "stdin", "sentence"),
    [
        (("--basic",), "", "no username given: nothing was stored."),
        (("--basic",), "sre\n", "no password given: nothing was stored."),
        (("--basic",), "sre\n\n", "no password given: nothing was stored."),
        (("--username", " "), "pw\n", "no username given: nothing was stored."),
        (
            ("--basic",),
            "s:re\npw\n",
            "a username for basic auth cannot contain ':': nothing was stored.",
        ),
        (
            ("--basic", "--signing-secret"),
            "sre\npw\n",
            "--signing-secret and --basic set different secrets: give one of them.",
        ),
    ],
    ids=["nothing", "no password line", "empty password", "blank username", "colon", "signing"],
)
def test_unusable_basic_credentials_are_one_sentence_and_store_nothing(
    mrp: Mrp, args: tuple[str, ...], stdin: str, sentence: str
) -> None:
    assert mrp("set", "platform", stdin="t0ken\n").exit_code == 0
    result = mrp("set", "platform", *args, stdin=stdin)
    assert result.exit_code == 2
    assert result.stderr == f"mrp: {sentence}\n"
    assert _stored() == {"source:platform": "t0ken"}


def test_files_sources_take_no_basic_credentials(mrp: Mrp) -> None:
    result = mrp("set", "offline", "--basic", stdin="sre\npw\n")
    assert (result.exit_code, result.stderr) == (
        2,
        "mrp: source 'offline' reads files and takes no token.\n",
    )


def test_clear_removes_what_is_stored_and_says_when_nothing_was(mrp: Mrp, workspace: Path) -> None:
    assert mrp("set", "platform", "--basic", stdin=f"sre\n{PASSWORD}\n").exit_code == 0
    assert mrp("set", "platform", "--signing-secret", stdin="s3cret\n").exit_code == 0

    cleared = mrp("clear", "platform")
    assert (cleared.exit_code, cleared.stdout) == (
        0,
        "removed basic credentials for user 'sre' for source 'platform' from the keyring.\n",
    )
    assert _status(mrp)["platform"] == {
        "kind": "http",
        "credentials": "none",
        "username": None,
        "token": False,
        "signing_secret": True,
    }
    again = mrp("clear", "platform")
    assert (again.exit_code, again.stdout) == (
        0,
        "no token or basic credentials were stored for source 'platform': nothing was removed.\n",
    )
    signing = mrp("clear", "platform", "--signing-secret")
    assert signing.stdout == "removed the signing secret for source 'platform' from the keyring.\n"
    assert keyring.get_password(SERVICE, "source:platform:signing-secret") is None

    unknown = mrp("clear", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        f"mrp: no source named 'nope' in {workspace / 'mrp.toml'} (sources: offline, platform, "
        "prom), and nothing is stored for it.\n"
    )


def test_clear_works_for_a_source_removed_from_the_config(mrp: Mrp, workspace: Path) -> None:
    assert mrp("set", "prom", "--basic", stdin=f"sre\n{PASSWORD}\n").exit_code == 0
    config = workspace / "mrp.toml"
    config.write_text(config.read_text().replace("[sources.prom]", "[sources.prometheus]"))
    cleared = mrp("clear", "prom")
    assert cleared.exit_code == 0, cleared.stderr
    assert _stored() == {}


def test_unreadable_basic_credentials_say_how_to_store_them_again(mrp: Mrp) -> None:
    keyring.set_password(SERVICE, "source:prom:basic-auth", "not json")
    status = mrp("status")
    assert (status.exit_code, status.stderr) == (
        2,
        "mrp: the basic credentials stored for source 'prom' cannot be read; store them again "
        "with `mrp auth set prom --basic`.\n",
    )
    replaced = mrp("set", "prom", "--basic", stdin=f"sre\n{PASSWORD}\n")
    assert replaced.exit_code == 0, replaced.stderr
    assert _status(mrp)["prom"]["username"] == "sre"


def test_basic_credentials_are_not_written_into_a_plaintext_keyring_nobody_chose(
    restore_keyring: None, mrp: Mrp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no keyringrc.cfg
    keyring.set_keyring(PlaintextKeyring())
    result = mrp("set", "prom", "--basic", stdin=f"sre\n{PASSWORD}\n")
    assert result.exit_code == 2
    assert "keyring picked keyrings.alt.file.PlaintextKeyring by itself" in result.stderr
    assert _stored() == {}
