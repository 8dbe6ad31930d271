"""console.secrets: the keyring round trip, and refusing backends that cannot work unattended."""

from __future__ import annotations

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

from console.errors import MrpError
from console.secrets import (
    SERVICE,
    delete_secret,
    ensure_usable_keyring,
    get_secret,
    set_secret,
)
from tests.unit.audit_fixtures import restore_keyring

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
