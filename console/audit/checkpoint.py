"""Checkpoints: a signed head of the log, kept outside it, that catches records cut from
the end (a shorter log is otherwise a perfectly valid log).

``take_checkpoint`` verifies the log, then appends a signed ``checkpoint`` record; that
record's ``{seq, hash, ts, key_id, signature}`` is the checkpoint. Keep the file somewhere
the log's writers cannot reach (a ticket, the auditor's laptop, another repository).
``check_checkpoint`` proves that the log still holds that exact record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.audit.keys_model import Signer, TrustedKey
from console.audit.log import AuditLog
from console.audit.record import is_hex64, parse_ts, strict_b64decode
from console.audit.verify import VerifyResult, verify_log, where
from console.errors import MrpError


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    ts: str
    key_id: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint file; MrpError (exit 2) if it cannot be one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MrpError(f"The checkpoint file {path} does not exist.") from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise MrpError(f"{path} is not a checkpoint file: {error}.") from None
        fields = {"seq": int, "hash": str, "ts": str, "key_id": str, "signature": str}
        if not isinstance(data, dict) or set(data) != set(fields):
            raise MrpError(
                f"{path} is not a checkpoint file: it needs exactly {', '.join(fields)}."
            )
        for name, kind in fields.items():
            if type(data[name]) is not kind:
                raise MrpError(f"{path} is not a checkpoint file: '{name}' has the wrong type.")
        if not is_hex64(data["hash"]) or parse_ts(data["ts"]) is None or data["seq"] < 1:
            raise MrpError(f"{path} is not a checkpoint file: bad seq, hash or ts.")
        return cls(**data)


def take_checkpoint(
    log: AuditLog, signer: Signer, signers: Sequence[TrustedKey], now: datetime
) -> tuple[VerifyResult, Checkpoint | None]:
    """Verify the log and, if it is intact, append and return a signed checkpoint."""
    if log.path.is_file():
        result = verify_log(log.path, signers)
        if not result.ok:
            return result, None
        count, head = result.count, result.head_hash
    else:
        result = VerifyResult(log.path, True, 0, 0, "0" * 64)
        count, head = 0, result.head_hash
    details = {"verified_records": count, "verified_head": head}
    record = log.append(signer, "checkpoint", None, details, None, now)
    checkpoint = Checkpoint(record.seq, record.hash, record.ts, record.key_id, record.signature)
    return result, checkpoint


def check_checkpoint(
    result: VerifyResult, checkpoint: Checkpoint, source: Path, signers: Sequence[TrustedKey]
) -> str | None:
    """Why a log that verified on its own disagrees with ``checkpoint``, or None."""
    key = next((k for k in signers if k.key_id == checkpoint.key_id), None)
    name = source.name
    if key is None:
        return f"checkpoint {name} is signed by key {checkpoint.key_id}, not listed in signers.yaml"
    moment = parse_ts(checkpoint.ts)
    problem = key.problem_at(moment) if moment is not None else "at no valid time"
    if problem is not None:
        return f"checkpoint {name} is signed by key {checkpoint.key_id} {problem}"
    signature = strict_b64decode(checkpoint.signature, 64)
    if signature is None or not key.verifies(signature, checkpoint.hash.encode("ascii")):
        return f"checkpoint {name}: signature does not verify against key {checkpoint.key_id}"
    if result.head_seq < checkpoint.seq:
        return (
            f"{result.path.name} ends at seq {result.head_seq}, but checkpoint {name} vouches for "
            f"seq {checkpoint.seq}: records were cut from the end"
        )
    found = _hash_at(result.path, checkpoint.seq)
    if found != checkpoint.hash:
        location = where(result.path, checkpoint.seq, checkpoint.seq)
        return f"{location}: differs from checkpoint {name} (the record was replaced)"
    return None


def _hash_at(path: Path, seq: int) -> str | None:
    """The hash of record ``seq`` of a verified log (where line number equals seq)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == seq:
                value = json.loads(raw).get("hash")
                return value if isinstance(value, str) else None
    return None
