"""`mrp audit ...` as scripts see it: exit codes, output, and no secret left anywhere."""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from console.audit import cache
from console.settings import Workspace
from console.store import connect
from tests.unit.audit_fixtures import audit_workspace
from tests.unit.cli_helpers import run_mrp

__all__ = ["audit_workspace"]  # a fixture used below


def _ws(audit_workspace: Workspace) -> str:
    return str(audit_workspace.root)


def test_note_show_verify_round_trip(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = _ws(audit_workspace)
    first = run_mrp(capsys, "audit", "note", "fraud", "hand-over: watch accuracy", "-w", ws)
    assert first.exit_code == 0, first.stderr
    assert "recorded note seq 1" in first.stdout
    second = run_mrp(capsys, "audit", "note", "churn", "ok", "--as", "alice", "--json", "-w", ws)
    assert second.json()["seq"] == 2 and second.json()["details"] == {"text": "ok"}
    shown = run_mrp(capsys, "audit", "show", "--model", "fraud", "--json", "-w", ws)
    assert [r["details"]["text"] for r in shown.json()["records"]] == ["hand-over: watch accuracy"]
    table = run_mrp(capsys, "audit", "show", "-w", ws)
    assert "hand-over: watch accuracy" in table.stdout and "alice (oncall)" in table.stdout
    header, first = table.stdout.splitlines()[:2]
    assert header.split() == ["SEQ", "TIME", "ACTOR", "ACTION", "MODEL", "DETAIL"]
    assert first.index("alice") == header.index("ACTOR")  # aligned under its header
    when = first.split()[1]  # to the second in the table; the log and --json keep the ms
    assert when.endswith("Z") and len(when) == len("2026-11-14T19:10:00Z")
    assert shown.json()["records"][0]["ts"][-5] == "."  # ...T19:10:00.123Z
    verified = run_mrp(capsys, "audit", "verify", "-w", ws)
    assert verified.exit_code == 0
    assert verified.stdout.strip() == "audit.jsonl: 2 records verified; head seq 2."
    as_json = run_mrp(capsys, "audit", "verify", "--json", "-w", ws).json()
    assert as_json["ok"] and as_json["records"] == 2 and as_json["first_bad"] is None


def test_verify_exits_1_naming_the_first_bad_record(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = _ws(audit_workspace)
    for n in range(20):
        run_mrp(capsys, "audit", "note", "fraud", f"note {n}", "-w", ws)
    path = audit_workspace.audit_path
    lines = path.read_bytes().splitlines(keepends=True)
    lines[16] = lines[16].replace(b"note 16", b"note 61")
    path.write_bytes(b"".join(lines))
    result = run_mrp(capsys, "audit", "verify", "-w", ws)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "mrp: audit.jsonl line 17 (seq 17): hash does not match its contents"
    )
    as_json = run_mrp(capsys, "audit", "verify", "--json", "-w", ws)
    assert as_json.exit_code == 1
    assert as_json.json()["first_bad"] == {
        "line": 17,
        "seq": 17,
        "reason": "hash does not match its contents",
    }
    refused = run_mrp(capsys, "audit", "checkpoint", "-w", ws)
    assert refused.exit_code == 1 and "no checkpoint taken" in refused.stderr


def test_show_warns_when_the_log_does_not_verify(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    ws = _ws(audit_workspace)
    for n in range(3):
        run_mrp(capsys, "audit", "note", "fraud", f"note {n}", "-w", ws)
    clean = run_mrp(capsys, "audit", "show", "-w", ws)
    assert clean.exit_code == 0 and "warning" not in clean.stderr
    path = audit_workspace.audit_path
    path.write_bytes(path.read_bytes().replace(b"note 1", b"note 9"))
    shown = run_mrp(capsys, "audit", "show", "-w", ws)
    assert "does not verify" in shown.stderr and "from seq 2 on" in shown.stderr
    as_json = run_mrp(capsys, "audit", "show", "--json", "-w", ws).json()
    assert as_json["verified"] is False


def test_note_refuses_a_model_the_workspace_does_not_know(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace
) -> None:
    with connect(audit_workspace.db_path) as con:
        con.execute(
            "INSERT INTO models VALUES ('fraud', 't', 'high', '{}', 'offline', now()::TIMESTAMP)"
        )
    ws = _ws(audit_workspace)
    refused = run_mrp(capsys, "audit", "note", "fruad", "typo", "-w", ws)
    assert refused.exit_code == 2
    assert "did you mean 'fraud'" in refused.stderr
    assert (
        not audit_workspace.audit_path.exists()
        or b"typo" not in audit_workspace.audit_path.read_bytes()
    )
    assert run_mrp(capsys, "audit", "note", "fraud", "fine", "-w", ws).exit_code == 0


def test_export_into_a_missing_folder_is_one_sentence(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = _ws(audit_workspace)
    run_mrp(capsys, "audit", "note", "fraud", "x", "-w", ws)
    result = run_mrp(capsys, "audit", "export", "--csv", tmp_path / "nodir" / "a.csv", "-w", ws)
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("does not exist.") and "IO Error" not in result.stderr


def test_checkpoint_then_truncation_is_caught(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = _ws(audit_workspace)
    for n in range(3):
        run_mrp(capsys, "audit", "note", "fraud", f"note {n}", "-w", ws)
    printed = run_mrp(capsys, "audit", "checkpoint", "-w", ws)
    assert printed.exit_code == 0
    assert set(printed.json()) == {"seq", "hash", "ts", "key_id", "signature"}
    anchor = tmp_path / "head.json"
    written = run_mrp(capsys, "audit", "checkpoint", "-o", anchor, "-w", ws)
    assert written.exit_code == 0 and json.loads(anchor.read_text())["seq"] == 5
    good = run_mrp(capsys, "audit", "verify", "--checkpoint", anchor, "-w", ws)
    assert good.exit_code == 0 and "matches the log" in good.stdout
    path = audit_workspace.audit_path
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:3]))
    assert run_mrp(capsys, "audit", "verify", "-w", ws).exit_code == 0
    cut = run_mrp(capsys, "audit", "verify", "--checkpoint", anchor, "-w", ws)
    assert cut.exit_code == 1
    assert "ends at seq 3, but checkpoint head.json vouches for seq 5" in cut.stderr
    missing = run_mrp(capsys, "audit", "verify", "--checkpoint", tmp_path / "nope.json", "-w", ws)
    assert missing.exit_code == 2


def test_export_writes_csv_and_reports_rows(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = _ws(audit_workspace)
    run_mrp(capsys, "audit", "note", "fraud", "one", "-w", ws)
    run_mrp(capsys, "audit", "note", "churn", "two", "-w", ws)
    target = tmp_path / "out.csv"
    result = run_mrp(capsys, "audit", "export", "--csv", target, "--model", "churn", "-w", ws)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"exported 1 record to {target}."
    assert target.read_text(encoding="utf-8").splitlines()[0].startswith("seq,ts,actor,key_id")


def test_export_under_a_checkpoint_takes_its_prefix_on_its_word(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = _ws(audit_workspace)
    for n in range(3):
        run_mrp(capsys, "audit", "note", "fraud", f"note {n}", "-w", ws)
    anchor = tmp_path / "head.json"
    assert run_mrp(capsys, "audit", "checkpoint", "-o", anchor, "-w", ws).exit_code == 0
    run_mrp(capsys, "audit", "note", "fraud", "after the checkpoint", "-w", ws)
    cache._cache_file(audit_workspace.audit_path).unlink()  # a machine that checked nothing
    target = tmp_path / "out.csv"
    result = run_mrp(
        capsys, "audit", "export", "--csv", target, "--checkpoint", anchor, "--json", "-w", ws
    )
    assert result.exit_code == 0, result.stderr
    assert result.json()["rows"] == 5 and result.json()["vouched_by_checkpoint"] == 3
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    assert all((r["signature_valid"], r["fixed_clock"]) == ("true", "false") for r in rows)
    said = run_mrp(capsys, "audit", "export", "--csv", target, "--checkpoint", anchor, "-w", ws)
    assert "3 lines taken on checkpoint seq 4's word" in said.stdout
    missing = run_mrp(
        capsys, "audit", "export", "--csv", target, "--checkpoint", tmp_path / "no.json", "-w", ws
    )
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "show", "--since", "yesterday"),
        ("audit", "verify", "--checkpoint", "no-such-head.json"),
        ("audit", "export", "--csv", "no-such-folder/x.csv"),
        ("audit", "note", "fraud", "x", "--as", "nobody"),
        ("audit", "note", "fraud", "   "),
    ],
)
def test_what_cannot_be_done_exits_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "mrp.toml").write_text('operator = "alice"\n')
    result = run_mrp(capsys, *args, "-w", root)
    assert result.exit_code == 2, result
    assert result.stderr.startswith("mrp: ") and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("task", ["verify", "export"])
def test_a_log_without_signers_yaml_cannot_be_checked(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path, task: str
) -> None:
    ws = _ws(audit_workspace)
    assert run_mrp(capsys, "audit", "note", "fraud", "hand-over", "-w", ws).exit_code == 0
    audit_workspace.signers_path.unlink()
    target = tmp_path / "audit.csv"
    args = ("audit", task, "-w", ws) + (("--csv", str(target)) if task == "export" else ())
    result = run_mrp(capsys, *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"mrp: there is no signers.yaml in {audit_workspace.root}, so no signature in "
        f"audit.jsonl can be checked: restore it (the team's public keys) and {task} again.\n"
    )
    assert not target.exists()


def test_since_after_until_is_refused(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = _ws(audit_workspace)
    window = ("--since", "2026-11-15T01:00:00+01:00", "--until", "2026-11-14T23:59:59Z")
    for args in (("show",), ("export", "--csv", str(tmp_path / "a.csv"))):
        result = run_mrp(capsys, "audit", *args, *window, "-w", ws)
        assert result.exit_code == 2, result
        assert result.stderr == (
            "mrp: --since 2026-11-15T01:00:00+01:00 is after --until 2026-11-14T23:59:59Z: "
            "no record could match.\n"
        )
    same = ("--since", "2026-11-15T01:00:00+01:00", "--until", "2026-11-15T00:00:00Z")
    assert run_mrp(capsys, "audit", "show", *same, "-w", ws).exit_code == 0  # one instant


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        ("keyring.backends.fail.Keyring", "cannot store secrets"),
        ("keyring.backends.null.Keyring", "cannot store secrets"),
        ("keyrings.alt.file.EncryptedKeyring", "would prompt for a master password"),
        ("no.such.Backend", "cannot be loaded"),
    ],
)
@pytest.mark.parametrize(
    "args",
    [
        ("audit", "note", "fraud", "x"),
        ("audit", "checkpoint"),
        ("keys", "init", "--name", "bob", "--role", "oncall"),
    ],
)
def test_no_usable_keyring_is_said_before_anything_happens(
    capsys: pytest.CaptureFixture[str],
    audit_workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
    why: str,
    args: tuple[str, ...],
) -> None:
    before = {p: p.read_bytes() for p in audit_workspace.root.rglob("*") if p.is_file()}
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # detect again, from the env
    result = run_mrp(capsys, *args, "-w", audit_workspace.root)
    assert result.exit_code == 2
    assert result.stderr.startswith("mrp: no usable keyring backend")
    assert (
        why in result.stderr
        and "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring" in result.stderr
    )
    after = {p: p.read_bytes() for p in audit_workspace.root.rglob("*") if p.is_file()}
    assert after == before


def _secret_forms(raw: bytes) -> list[bytes]:
    key = Ed25519PrivateKey.from_private_bytes(raw)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    openssh = key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    forms = [raw, raw.hex().encode(), base64.b64encode(raw), base64.b64encode(raw).rstrip(b"=")]
    forms += [base64.urlsafe_b64encode(raw).rstrip(b"="), pem, der, base64.b64encode(der)]
    forms += [line for line in pem.splitlines() + openssh.splitlines() if len(line) > 40]
    return forms


def test_no_private_key_appears_in_the_workspace(
    capsys: pytest.CaptureFixture[str], audit_workspace: Workspace, tmp_path: Path
) -> None:
    ws = _ws(audit_workspace)
    assert (
        run_mrp(capsys, "keys", "init", "--name", "bob", "--role", "oncall", "-w", ws).exit_code
        == 0
    )
    for signer in ("alice", "bob", "alice"):
        run_mrp(capsys, "audit", "note", "fraud", f"by {signer}", "--as", signer, "-w", ws)
    run_mrp(capsys, "audit", "checkpoint", "-o", audit_workspace.state_dir / "cp.json", "-w", ws)
    run_mrp(capsys, "audit", "export", "--csv", audit_workspace.state_dir / "audit.csv", "-w", ws)
    shown = run_mrp(capsys, "keys", "show", "--json", "-w", ws)
    with connect(audit_workspace.db_path) as con:  # the state database exists too
        con.execute("CHECKPOINT")
    secrets = []
    for name in ("alice", "bob"):
        stored = keyring.get_password("mrp", name)
        assert stored is not None and stored.startswith("ed25519:")
        secrets += _secret_forms(base64.b64decode(stored.removeprefix("ed25519:")))
    files = [p for p in audit_workspace.root.rglob("*") if p.is_file()]
    assert audit_workspace.db_path in files and audit_workspace.audit_path in files
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret not in data, f"private key material in {path}"
    for output in (shown.stdout, shown.stderr):
        assert not any(secret.decode("latin-1") in output for secret in secrets)
