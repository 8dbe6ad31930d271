"""Helpers and fixtures for the audit-log and key tests: deterministic keys, logs built
without a keyring, and a workspace whose operator holds a key in the (file) keyring.

Import what you need in a test module: ``from tests.unit.audit_fixtures import ...``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from console.audit.keys import init_key
from console.audit.keys_model import Signer, TrustedKey, fingerprint, public_raw
from console.audit.log import AuditLog
from console.audit.record import AuditRecord, body_hash, canonical_json
from console.audit.verify import VerifyResult, verify_log
from console.settings import Workspace, open_workspace

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
"""Records in built logs start here, a minute apart."""


def private_key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed % 256]) * 32)


def make_signer(
    name: str,
    roles: Sequence[str] = ("oncall",),
    *,
    seed: int | None = None,
    valid_from: datetime | None = T0 - timedelta(days=1),
    valid_until: datetime | None = None,
) -> tuple[Signer, TrustedKey]:
    """A signer with a deterministic key (from ``seed``, else from the name) and the
    signers.yaml entry that trusts it."""
    key = private_key(seed if seed is not None else sum(name.encode()))
    raw = public_raw(key.public_key())
    trusted = TrustedKey(
        name=name,
        key_id=fingerprint(raw),
        roles=tuple(roles),
        public_key=base64.b64encode(raw).decode("ascii"),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return Signer.from_private_key(name, key, tuple(roles)), trusted


ALICE, ALICE_KEY = make_signer("alice", ("oncall", "model-owner"))
BOB, BOB_KEY = make_signer("bob", ("oncall",))
MALLORY, MALLORY_KEY = make_signer("mallory", ("oncall", "model-owner"))
TRUSTED = [ALICE_KEY, BOB_KEY]
"""What the built logs' signers.yaml trusts (mallory is not in it)."""

STEPS: list[tuple[Signer, str, str | None, dict[str, Any]]] = [
    (ALICE, "note", "fraud", {"text": "hand-over: accuracy dipping since 02:40"}),
    (BOB, "runbook.open", "fraud", {"runbook": "rb-1", "reason": "accuracy < 0.90 for 5m"}),
    (BOB, "runbook.target", "fraud", {"runbook": "rb-1", "from_version": "7", "to_version": "6"}),
    (BOB, "runbook.precheck", "fraud", {"runbook": "rb-1", "checks": [{"ok": True}]}),
    (ALICE.with_role("model-owner"), "runbook.approve", "fraud", {"runbook": "rb-1"}),
    (BOB, "runbook.approve", "fraud", {"runbook": "rb-1", "confirm": "roll fraud back to 6"}),
    (BOB, "runbook.execute", "fraud", {"runbook": "rb-1", "dry_run": False}),
    (BOB, "runbook.verify", "fraud", {"runbook": "rb-1", "evidence": {"accuracy": 0.94}}),
    (BOB, "runbook.close", "fraud", {"runbook": "rb-1", "outcome": "recovered"}),
    (ALICE, "note", "churn", {"text": 'ünïcödé, "quotes", commas\nand newlines 🚀'}),
    (ALICE, "runbook.open", "churn", {"runbook": "rb-2", "reason": "drift"}),
    (ALICE, "runbook.abort", "churn", {"runbook": "rb-2", "reason": "false alarm"}),
]


def build_log(path: Path, steps: Sequence[Any] = STEPS, start: datetime = T0) -> list[AuditRecord]:
    """Append ``steps`` (signer, action, model, details) a minute apart."""
    log = AuditLog(path)
    return [
        log.append(
            signer, action, model, details, "sha256:" + "ab" * 32, start + timedelta(minutes=i)
        )
        for i, (signer, action, model, details) in enumerate(steps)
    ]


def verify_bytes(
    data: bytes, keys: Sequence[TrustedKey] = TRUSTED, folder: Path | None = None
) -> VerifyResult:
    """Verify ``data`` as a log, in process, in a throwaway file."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        path = Path(scratch) / "audit.jsonl"
        path.write_bytes(data)
        return verify_log(path, keys, workers=1)


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def rewrite(record: dict[str, Any], *, rehash: bool = False, signer: Signer | None = None) -> bytes:
    """A record as a canonical line; ``rehash`` recomputes its hash, ``signer`` also re-signs
    it (and puts its key_id in)."""
    record = dict(record)
    if signer is not None:
        record["key_id"] = signer.key_id
    if rehash or signer is not None:
        record["hash"] = body_hash(
            {k: v for k, v in record.items() if k not in ("hash", "signature")}
        )
    if signer is not None:
        record["signature"] = base64.b64encode(signer.sign(record["hash"].encode())).decode()
    return (canonical_json(record) + "\n").encode("utf-8")


def parse(line: bytes) -> dict[str, Any]:
    value = json.loads(line)
    assert isinstance(value, dict)
    return value


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Put keyring's process-wide backend back after a test switches it."""
    saved = keyring.get_keyring()
    yield
    keyring.set_keyring(saved)


@pytest.fixture
def audit_workspace(tmp_path: Path) -> Workspace:
    """A workspace whose operator alice holds a key (oncall, model-owner) in the keyring."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "mrp.toml").write_text('operator = "alice"\n', encoding="utf-8")
    workspace = open_workspace(root)
    init_key(workspace, "alice", ["oncall", "model-owner"])
    return workspace
