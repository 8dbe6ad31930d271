"""Appending: the record format, the chain, refusal to extend a damaged log, and many
processes appending at once."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from console.audit.keys_model import Signer
from console.audit.log import AuditLog
from console.audit.record import ZERO_HASH
from console.audit.verify import verify_log
from console.errors import MrpError
from console.settings import Workspace
from tests.unit.audit_fixtures import (
    ALICE,
    ALICE_KEY,
    STEPS,
    T0,
    TRUSTED,
    audit_workspace,
    build_log,
    private_key,
)

__all__ = ["audit_workspace"]  # a fixture used below

REPO = Path(__file__).resolve().parents[2]


def test_records_follow_the_documented_format(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    build_log(path)
    lines = path.read_bytes().splitlines()
    previous = ZERO_HASH
    for seq, line in enumerate(lines, start=1):
        record = json.loads(line)
        assert set(record) == {
            "seq",
            "ts",
            "actor",
            "key_id",
            "role",
            "action",
            "model",
            "details",
            "policy_digest",
            "prev_hash",
            "hash",
            "signature",
        }
        assert record["seq"] == seq
        assert record["prev_hash"] == previous
        assert record["ts"].endswith("Z")
        body = {k: v for k, v in record.items() if k not in ("hash", "signature")}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert record["hash"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(ALICE_KEY.public_key))
        if record["actor"] == "alice":
            public.verify(base64.b64decode(record["signature"]), record["hash"].encode())
        full = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert line.decode("utf-8") == full, "lines are written in canonical form"
        previous = record["hash"]
    assert len(lines) == len(STEPS)


def test_records_reads_back_what_was_appended(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    assert log.head() == (0, ZERO_HASH)
    written = build_log(log.path)
    assert list(log.records()) == written
    assert log.head() == (written[-1].seq, written[-1].hash)
    assert written[4].role == "model-owner" and written[0].role == "oncall"


def test_an_approval_needs_a_role_and_an_action_must_be_known(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    roleless = Signer.from_private_key("carol", private_key(9), ())
    with pytest.raises(MrpError, match="must be signed in a role"):
        log.append(roleless, "runbook.approve", "fraud", {}, None, T0)
    with pytest.raises(MrpError, match="not an audit action"):
        log.append(ALICE, "runbook.delete", "fraud", {}, None, T0)
    with pytest.raises(MrpError, match="does not hold the role"):
        ALICE.with_role("admin")
    with pytest.raises(MrpError, match="not plain JSON"):
        log.append(ALICE, "note", "fraud", {"value": float("nan")}, None, T0)
    assert not log.path.exists() or log.path.read_bytes() == b""


def test_a_torn_last_line_stops_the_append(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    build_log(log.path, STEPS[:3])
    with log.path.open("ab") as handle:
        handle.write(b'{"seq": 4, "ts"')
    before = log.path.read_bytes()
    with pytest.raises(MrpError, match="torn") as caught:
        log.append(ALICE, "note", "fraud", {"text": "x"}, None, T0)
    assert caught.value.exit_code == 2
    assert log.path.read_bytes() == before


def test_a_damaged_last_record_stops_the_append(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    build_log(log.path, STEPS[:3])
    lines = log.path.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'"oncall"', b'"model-owner"')
    log.path.write_bytes(b"".join(lines))
    with pytest.raises(MrpError, match="not an intact audit record"):
        log.append(ALICE, "note", "fraud", {"text": "x"}, None, T0)


def _append_many(path: str, seed: int, count: int) -> None:
    signer = Signer.from_private_key("alice", private_key(seed), ALICE.roles)
    log = AuditLog(Path(path))
    for i in range(count):
        log.append(
            signer, "note", f"model-{os.getpid()}", {"i": i}, None, T0 + timedelta(seconds=i)
        )


def test_many_processes_appending_at_once_keep_one_chain(tmp_path: Path) -> None:
    processes, appends = 6, 30
    path = tmp_path / "audit.jsonl"
    seed = sum(b"alice")  # the seed audit_fixtures uses for alice
    context = multiprocessing.get_context("forkserver")
    workers = [
        context.Process(target=_append_many, args=(str(path), seed, appends))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    result = verify_log(path, TRUSTED, workers=1)
    assert result.ok, result.message
    assert result.count == processes * appends
    models = {json.loads(line)["model"] for line in path.read_bytes().splitlines()}
    assert len(models) == processes


@pytest.mark.slow
def test_concurrent_mrp_audit_note_commands_keep_one_chain(
    audit_workspace: Workspace, tmp_path: Path
) -> None:
    root = audit_workspace.root
    env = {**os.environ, "MRP_HOME": str(root)}
    mrp = Path(sys.executable).with_name("mrp")
    script = f'for i in 1 2 3; do "{mrp}" audit note fraud "note $i from $0" || exit 1; done'
    shells = [
        subprocess.Popen(
            ["sh", "-c", script, f"shell-{n}"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(4)
    ]
    for shell in shells:
        _, err = shell.communicate(timeout=120)
        assert shell.returncode == 0, err.decode()
    verified = subprocess.run(
        [str(mrp), "audit", "verify", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["records"] == 12


def test_details_are_stored_as_they_read_back(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    details = {"versions": ("7", "6")}
    written = log.append(ALICE, "note", "fraud", details, None, T0)
    details["versions"] = ("changed",)
    assert [written] == list(log.records())
    assert written.details == {"versions": ["7", "6"]}
    with pytest.raises(MrpError, match="not plain JSON"):
        log.append(ALICE, "note", "fraud", {"text": "lone \udcff surrogate"}, None, T0)
    with pytest.raises(MrpError, match="not plain JSON"):
        log.append(ALICE, "note", "fraud", {"when": T0}, None, T0)
    assert log.head()[0] == 1
