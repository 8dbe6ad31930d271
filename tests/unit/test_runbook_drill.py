"""Drill signers: throwaway keys in a keyring inside the drill workspace, never the user's."""

from __future__ import annotations

from pathlib import Path

import keyring

from console.audit.keys import load_signer
from console.audit.signers_file import load_signers_file
from console.runbook.drill import activate_drill_keyring, drill_keyring_path, drill_signers
from console.settings import open_workspace
from console.workspace_init import copy_sample_workspace


def test_drill_signers_leave_the_process_keyring_alone(tmp_path: Path) -> None:
    ws = open_workspace(copy_sample_workspace(tmp_path / "drill"))
    before = keyring.get_keyring()
    made = drill_signers(ws)
    assert keyring.get_keyring() is before
    assert [(k.name, k.roles) for k in made] == [("alice", ("oncall",)), ("bob", ("model-owner",))]
    assert {k.name for k in load_signers_file(ws.signers_path)} == {"alice", "bob"}
    assert drill_keyring_path(ws).is_file()
    assert drill_keyring_path(ws).stat().st_mode & 0o077 == 0
    # The user's keyring (the test's file backend) holds none of them.
    assert before.get_password("mrp", "alice") is None
    again = drill_signers(ws)
    assert [k.key_id for k in again] == [k.key_id for k in made]


def test_activation_only_in_a_drill_workspace(tmp_path: Path) -> None:
    plain = open_workspace(copy_sample_workspace(tmp_path / "plain"))
    before = keyring.get_keyring()
    try:
        assert activate_drill_keyring(plain) is False
        assert keyring.get_keyring() is before
        ws = open_workspace(copy_sample_workspace(tmp_path / "drill"))
        drill_signers(ws)
        assert activate_drill_keyring(ws) is True
        signer = load_signer(ws, "bob")
        assert signer.roles == ("model-owner",)
    finally:
        keyring.set_keyring(before)
