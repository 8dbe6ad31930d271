"""Keys: init puts the private half in the keyring and the public half in signers.yaml
(comments kept); load_signer refuses what the workspace does not trust."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from console.audit.keys import held_keys, init_key, load_signer, load_signers_file
from console.audit.keys_model import fingerprint
from console.errors import ConfigError, MrpError
from console.settings import Workspace, open_workspace
from tests.unit.audit_fixtures import ALICE_KEY, audit_workspace
from tests.unit.cli_helpers import run_mrp

__all__ = ["audit_workspace"]  # a fixture used below


def test_init_stores_private_half_in_keyring_and_public_half_in_signers_yaml(
    audit_workspace: Workspace,
) -> None:
    stored = keyring.get_password("mrp", "alice")
    assert stored is not None and stored.startswith("ed25519:")
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored[len("ed25519:") :]))
    [key] = load_signers_file(audit_workspace.signers_path)
    assert key.name == "alice" and key.roles == ("oncall", "model-owner")
    assert key.public().public_bytes_raw() == private.public_key().public_bytes_raw()
    assert key.key_id == fingerprint(private.public_key().public_bytes_raw())
    assert len(key.key_id) == 16 and key.valid_until is None and key.valid_from is not None
    signer = load_signer(audit_workspace, "alice")
    assert (signer.key_id, signer.role) == (key.key_id, "oncall")
    assert load_signer(audit_workspace, "alice", "model-owner").role == "model-owner"
    assert "private" not in repr(signer).lower() or "_private" not in repr(signer)


def test_init_keeps_comments_and_other_signers(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "mrp.toml").write_text("")
    (root / "signers.yaml").write_text(
        "# reviewed by risk on 2026-10-01\n"
        "signers:\n"
        "  # the on-call rotation\n"
        f"  - name: alice\n    key_id: {ALICE_KEY.key_id}  # laptop\n"
        f"    roles: [oncall, model-owner]\n    public_key: {ALICE_KEY.public_key}\n"
        '    valid_from: "2026-10-01T00:00:00Z"\n'
    )
    workspace = open_workspace(root)
    init_key(workspace, "bob", "oncall")
    text = (root / "signers.yaml").read_text()
    assert text.startswith("# reviewed by risk on 2026-10-01\n")
    assert "# the on-call rotation" in text and "# laptop" in text
    assert [k.name for k in load_signers_file(root / "signers.yaml")] == ["alice", "bob"]


def test_init_reuses_this_keyrings_key_in_another_workspace(
    audit_workspace: Workspace, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "mrp.toml").write_text("")
    again = init_key(open_workspace(other), "alice", ["oncall"])
    [original] = load_signers_file(audit_workspace.signers_path)
    assert again.key_id == original.key_id
    with pytest.raises(MrpError, match="already trusts"):
        init_key(audit_workspace, "alice", ["oncall"])


def test_load_signer_refuses_what_the_workspace_does_not_trust(
    audit_workspace: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(MrpError, match="holds no signing key for 'carol'"):
        load_signer(audit_workspace, "carol")
    with pytest.raises(MrpError, match="not a usable signer name"):
        load_signer(audit_workspace, "source:prom")
    text = audit_workspace.signers_path.read_text()
    audit_workspace.signers_path.write_text(text.replace("name: alice", "name: alicia"))
    with pytest.raises(MrpError, match="not for 'alice'"):
        load_signer(audit_workspace, "alice")
    now = audit_workspace.clock().now()
    revoked = text + f'    valid_until: "{(now - timedelta(seconds=1)):%Y-%m-%dT%H:%M:%SZ}"\n'
    audit_workspace.signers_path.write_text(revoked)
    with pytest.raises(MrpError, match="after it was revoked"):
        load_signer(audit_workspace, "alice")
    audit_workspace.signers_path.unlink()
    with pytest.raises(MrpError, match="does not list alice's key"):
        load_signer(audit_workspace, "alice")
    keyring.set_password("mrp", "alice", "not a key")
    with pytest.raises(MrpError, match="not an mrp signing key"):
        load_signer(audit_workspace, "alice")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("signers: {alice: 1}\n", "signers.yaml:1: expected a 'signers:' list"),
        ("signers:\n  - name: a\n", "signers.yaml:2: 'key_id' is required"),
        ("signers:\n  - name: a\n    key_id: 0000000000000000\n", "must be a string \\(put it in"),
        ("signers:\n  - [1]\n", "signers.yaml:2: a signer must be a mapping"),
        ("signers: [\n", "signers.yaml:2"),
        (
            f"signers:\n  - name: a\n    key_id: {'de' * 8}\n    public_key: {ALICE_KEY.public_key}\n",
            "does not match public_key",
        ),
        (
            f"signers:\n  - name: a\n    key_id: {ALICE_KEY.key_id}\n    public_key: {ALICE_KEY.public_key}\n    colour: red\n",
            "unknown key 'colour'",
        ),
        (
            f"signers:\n  - name: a\n    key_id: {ALICE_KEY.key_id}\n    public_key: {ALICE_KEY.public_key}\n    valid_until: soon\n",
            "'valid_until' is not an RFC 3339 time",
        ),
    ],
)
def test_a_bad_signers_file_is_named_by_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "signers.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_signers_file(path)


def test_an_absent_signers_file_trusts_nobody(tmp_path: Path) -> None:
    assert load_signers_file(tmp_path / "signers.yaml") == []


def test_keys_show_lists_held_and_trusted_keys(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "mrp.toml").write_text('operator = "dora"\n')
    init_key(open_workspace(other), "dora", ["oncall"])  # held here, unknown to audit_workspace
    init_key(audit_workspace, "erin", ["oncall"])
    keyring.delete_password("mrp", "erin")  # trusted, but held on another machine
    result = run_mrp(capsys, "keys", "show", "--json", "-w", audit_workspace.root)
    assert result.exit_code == 0
    rows = {row["name"]: row for row in result.json()["keys"]}
    assert rows["alice"]["held_here"] and rows["alice"]["trusted"]
    assert not rows["erin"]["held_here"] and rows["erin"]["trusted"]
    assert "dora" not in rows  # the operator of this workspace is alice
    assert [h.name for h in held_keys(audit_workspace, ["dora"])] == ["dora"]
    assert held_keys(audit_workspace, ["dora"])[0].problem == "not listed in signers.yaml"
    table = run_mrp(capsys, "keys", "show", "-w", audit_workspace.root)
    assert "alice" in table.stdout and "trusted" in table.stdout


def test_keys_init_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "mrp.toml").write_text("")
    made = run_mrp(
        capsys,
        "keys",
        "init",
        "--name",
        "bob",
        "--role",
        "oncall",
        "--role",
        "model-owner",
        "--json",
        "-w",
        root,
    )
    assert made.exit_code == 0, made.stderr
    assert made.json()["roles"] == ["oncall", "model-owner"]
    again = run_mrp(capsys, "keys", "init", "--name", "bob", "--role", "oncall", "-w", root)
    assert again.exit_code == 2 and "already trusts" in again.stderr
    no_role = run_mrp(capsys, "keys", "init", "--name", "carol", "-w", root)
    assert no_role.exit_code == 2
    bad_name = run_mrp(capsys, "keys", "init", "--name", "a b", "--role", "x", "-w", root)
    assert bad_name.exit_code == 2 and "not a usable signer name" in bad_name.stderr
