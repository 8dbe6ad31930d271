"""console.secrets: the keyring round trip, and refusing backends that cannot work unattended."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

from console.errors import MrpError
from console.secrets import (
    PLAINTEXT_BACKEND,
    SERVICE,
    delete_secret,
    ensure_usable_keyring,
    get_secret,
    set_secret,
)
from tests.unit.audit_fixtures import restore_keyring
from tests.unit.cli_helpers import run_mrp

__all__ = ["restore_keyring"]  # a fixture used below


def test_round_trip_in_service_mrp() -> None:
    ensure_usable_keyring()
    assert get_secret("source:prom") is None
    set_secret("source:prom", "t0ken")
    assert get_secret("source:prom") == "t0ken"
    assert keyring.get_password(SERVICE, "source:prom") == "t0ken"
    assert delete_secret("source:prom") is True
    assert delete_secret("source:prom") is False
    assert get_secret("source:prom") is None
    with pytest.raises(ValueError):
        get_secret(" padded ")


def _unprompting_encrypted() -> EncryptedKeyring:
    """An EncryptedKeyring built without pycryptodome (it is never asked for a secret)."""
    return EncryptedKeyring.__new__(EncryptedKeyring)


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        (keyring.backends.fail.Keyring, "cannot store secrets"),
        (keyring.backends.null.Keyring, "cannot store secrets"),
        (_unprompting_encrypted, "would prompt for a master password"),
    ],
)
def test_unusable_backends_are_refused_in_one_sentence(
    restore_keyring: None, backend: object, why: str
) -> None:
    keyring.set_keyring(backend())  # type: ignore[operator]
    for call in (ensure_usable_keyring, lambda: get_secret("alice"), lambda: set_secret("a", "b")):
        with pytest.raises(MrpError) as caught:
            call()
        message = str(caught.value)
        assert caught.value.exit_code == 2
        assert message.startswith("no usable keyring backend") and why in message
        assert message.count(". ") == 0 and message.endswith(".")
        assert "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring" in message


class _Chain(keyring.backends.chainer.ChainerBackend):
    """A chain whose links the test chooses (keyring's own are found by detection)."""

    def __init__(self, links: list[object]) -> None:
        self.links = links

    @property
    def backends(self) -> list[object]:  # type: ignore[override]
        return self.links


def test_a_chain_is_as_usable_as_its_links(restore_keyring: None) -> None:
    keyring.set_keyring(_Chain([PlaintextKeyring()]))
    ensure_usable_keyring()
    keyring.set_keyring(_Chain([PlaintextKeyring(), _unprompting_encrypted()]))
    with pytest.raises(MrpError, match="would prompt"):
        ensure_usable_keyring()
    keyring.set_keyring(_Chain([]))
    with pytest.raises(MrpError, match="cannot store secrets"):
        ensure_usable_keyring()


def test_a_backend_named_in_the_environment_that_cannot_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nowhere.Keyring")
    with pytest.raises(MrpError, match=r"nowhere\.Keyring cannot be loaded"):
        ensure_usable_keyring()


def _refusal(capsys: pytest.CaptureFixture[str], workspace: Path) -> str:
    """The one sentence `mrp keys init` exits 2 with."""
    result = run_mrp(capsys, "keys", "init", "--name", "alice", "--role", "oncall", "-w", workspace)
    assert result.exit_code == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith("mrp: no usable keyring backend: ") and line.endswith("."), line
    assert ". " not in line and "Traceback" not in line
    return line


@pytest.fixture
def keyring_unloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyring chooses its backend afresh, from PYTHON_KEYRING_BACKEND, on next use."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


@pytest.fixture
def without_keyrings_alt(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyrings.alt cannot be imported, as after a plain `pip install .`."""
    for name in [name for name in sys.modules if name.startswith("keyrings")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "keyrings", None)


def test_a_missing_module_says_to_install_it_not_to_set_it_again(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    keyring_unloaded: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nowhere.Keyring")
    line = _refusal(capsys, tiny_workspace)
    assert "PYTHON_KEYRING_BACKEND=nowhere.Keyring cannot be loaded: there is no module " in line
    assert "'nowhere' where mrp runs; install the package that provides it, or " in line
    assert "set PYTHON_KEYRING_BACKEND=nowhere.Keyring" not in line
    assert f"set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND}" in line
    assert not (tiny_workspace / "signers.yaml").exists()


def test_the_plaintext_keyring_without_keyrings_alt_names_the_pip_command(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    keyring_unloaded: None,
    without_keyrings_alt: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT_BACKEND)
    line = _refusal(capsys, tiny_workspace)
    assert line == (
        f"mrp: no usable keyring backend: PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND} needs the "
        "keyrings.alt package, which is not installed where mrp runs; install it with "
        f"`{sys.executable} -m pip install keyrings.alt`."
    )


def test_no_keychain_without_keyrings_alt_says_to_install_it_and_set_it(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    keyring_unloaded: None,
    without_keyrings_alt: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    line = _refusal(capsys, tiny_workspace)
    assert "keyring chose keyring.backends.fail.Keyring, which cannot store secrets; " in line
    assert line.endswith(
        f"on a headless machine install keyrings.alt with `{sys.executable} -m pip install "
        f"keyrings.alt` and set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND}."
    )


def test_a_misspelled_class_is_named(
    capsys: pytest.CaptureFixture[str],
    tiny_workspace: Path,
    keyring_unloaded: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlainTextKeyring")
    line = _refusal(capsys, tiny_workspace)
    assert "cannot be loaded: keyrings.alt.file has no PlainTextKeyring; " in line
    assert line.endswith(f"set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND}.")


def test_a_plaintext_keyring_nobody_chose_is_not_written_to(
    restore_keyring: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """keyring picks keyrings.alt's PlaintextKeyring by itself on a machine without a
    keychain once keyrings.alt is installed: mrp stores a secret in it only when chosen."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no keyringrc.cfg
    for detected in (PlaintextKeyring(), _Chain([PlaintextKeyring()])):
        keyring.set_keyring(detected)
        with pytest.raises(MrpError) as caught:
            set_secret("source:prom", "t0ken")
        message = str(caught.value)
        assert caught.value.exit_code == 2
        assert message.startswith("no usable keyring backend: keyring picked")
        assert f"set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND} to choose it" in message
        assert get_secret("source:prom") is None  # reading is not storing: a source syncs
    # chosen in keyring's config file, it is used
    config = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text(f"[backend]\ndefault-keyring = {PLAINTEXT_BACKEND}\n")
    keyring.set_keyring(PlaintextKeyring())
    ensure_usable_keyring()
    # and a chain that writes to another backend first is not refused for a plaintext link
    config.unlink()
    keyring.set_keyring(_Chain([_Writable(), PlaintextKeyring()]))
    ensure_usable_keyring()


class _Writable(keyring.backend.KeyringBackend):
    """Stands for an OS keychain ahead of the plaintext link (never written to here)."""

    priority = 5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("not written to in this test")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("not written to in this test")


def test_keys_init_stops_before_writing_into_a_plaintext_keyring_nobody_chose(
    restore_keyring: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "mrp.toml").write_text('operator = "alice"\n')
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    keyring.set_keyring(PlaintextKeyring())
    result = run_mrp(capsys, "keys", "init", "--name", "zed", "--role", "oncall", "-w", workspace)
    assert result.exit_code == 2
    assert "keyring picked keyrings.alt.file.PlaintextKeyring by itself" in result.stderr
    assert not (workspace / "signers.yaml").exists()
    assert keyring.get_password(SERVICE, "zed") is None
