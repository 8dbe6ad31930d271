"""`mrp keys show` without a usable keyring still lists the signers signers.yaml trusts
(public keys are no secret), says in one sentence that the private keys were not checked,
and exits 1: listed, but whether this machine can sign is unknown."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.core
import pytest

from console.settings import Workspace
from tests.unit.audit_fixtures import audit_workspace, restore_keyring
from tests.unit.cli_helpers import run_mrp

__all__ = ["audit_workspace", "restore_keyring"]  # fixtures used below

NO_KEYRING = "keyring.backends.fail.Keyring"


@pytest.fixture
def no_keyring(restore_keyring: None) -> None:
    """keyring's fail backend, as on a machine with no keychain and nothing configured
    (taken after audit_workspace, which stores alice's key, where a test asks for both)."""
    keyring.set_keyring(keyring.backends.fail.Keyring())


def test_the_signers_are_listed_and_the_keyring_named(
    capsys: pytest.CaptureFixture[str],
    audit_workspace: Workspace,
    no_keyring: None,
) -> None:
    result = run_mrp(capsys, "keys", "show", "-w", audit_workspace.root)
    assert result.exit_code == 1
    header, alice = result.stdout.splitlines()
    assert header.split() == ["NAME", "KEY", "ID", "ROLES", "HERE", "STATUS"]
    assert alice.split()[0] == "alice" and alice.split()[3:] == ["?", "trusted"]
    (sentence,) = result.stderr.splitlines()
    assert sentence.startswith("mrp: private keys held here not checked: no usable keyring ")
    assert NO_KEYRING in sentence and sentence.endswith(".")


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        ("keyring.backends.null.Keyring", "cannot store secrets"),
        ("keyrings.alt.file.EncryptedKeyring", "would prompt for a master password"),
        ("no.such.Backend", "cannot be loaded"),
    ],
)
def test_json_says_held_here_is_unknown_and_why(
    capsys: pytest.CaptureFixture[str],
    audit_workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    why: str,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # detect again, from the env
    result = run_mrp(capsys, "keys", "show", "--json", "-w", audit_workspace.root)
    assert result.exit_code == 1
    shown = result.json()
    assert shown["keyring_problem"].startswith("no usable keyring backend")
    assert why in shown["keyring_problem"]
    assert result.stderr == f"mrp: private keys held here not checked: {shown['keyring_problem']}\n"
    (alice,) = shown["keys"]
    assert alice["name"] == "alice" and alice["trusted"] is True
    assert alice["held_here"] is None and alice["public_key"]


def test_with_a_keyring_nothing_changes(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    result = run_mrp(capsys, "keys", "show", "--json", "-w", audit_workspace.root)
    assert result.exit_code == 0 and result.stderr == ""
    shown = result.json()
    assert shown["keyring_problem"] is None
    assert [key["held_here"] for key in shown["keys"]] == [True]


def test_no_signers_and_no_keyring(
    capsys: pytest.CaptureFixture[str], no_keyring: None, tmp_path: Path
) -> None:
    (tmp_path / "mrp.toml").write_text("")
    result = run_mrp(capsys, "keys", "show", "-w", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == f"no keys: {tmp_path / 'signers.yaml'} lists none.\n"
    assert len(result.stderr.splitlines()) == 1


def test_a_bad_signers_file_is_still_an_error(
    capsys: pytest.CaptureFixture[str], no_keyring: None, tmp_path: Path
) -> None:
    (tmp_path / "mrp.toml").write_text("")
    (tmp_path / "signers.yaml").write_text("signers: [\n")
    result = run_mrp(capsys, "keys", "show", "-w", tmp_path)
    assert result.exit_code == 2
    assert "signers.yaml" in result.stderr and result.stdout == ""
