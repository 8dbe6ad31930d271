"""Checkpoints: a signed head of the log, kept outside it, that catches records cut from
the end (a shorter log is otherwise a perfectly valid log).

``take_checkpoint`` verifies the log, then appends a signed ``checkpoint`` record; that
record's ``{seq, hash, ts, key_id, signature}`` is the checkpoint. Keep the file somewhere
the log's writers cannot reach (a ticket, the auditor's laptop, another repository).
``check_checkpoint`` proves that the log still holds that exact record.

A checkpoint record also says what its signer's mrp verified just before (every hash,
link and signature, against a ``signers.yaml`` whose digest it names): the first
``verified_bytes`` bytes of the log, ``verified_records`` records, with SHA-256
``verified_sha256``. ``vouched_prefix`` lets an export rely on that instead of checking
those signatures again, when the auditor hands it the checkpoint (see docs/audit.md).
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.audit.cache import Proven
from console.audit.check import check_record, key_table
from console.audit.expected import Evidence, hold_to
from console.audit.keys_model import Signer, TrustedKey
from console.audit.log import AuditLog
from console.audit.record import is_hex64, parse_ts, strict_b64decode
from console.audit.signers_file import signers_digest
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
            raise MrpError(f"the checkpoint file {path} does not exist.") from None
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
    log: AuditLog,
    signer: Signer,
    signers: Sequence[TrustedKey],
    now: datetime,
    *,
    evidence: Iterable[Evidence] = (),
) -> tuple[VerifyResult, Checkpoint | None]:
    """Verify the log and, if it is intact and holds every record ``evidence`` (gathered
    before this call) shows it held, append and return a signed checkpoint."""
    result = hold_to(verify_log(log.path, signers, missing_ok=True), evidence)
    if not result.ok:
        return result, None
    details = {
        "verified_records": result.count,
        "verified_head": result.head_hash,
        "verified_bytes": result.size,
        "verified_sha256": result.sha256,
        "signers_digest": signers_digest(signers),
    }
    record = log.append(signer, "checkpoint", None, details, None, now)
    checkpoint = Checkpoint(record.seq, record.hash, record.ts, record.key_id, record.signature)
    return result, checkpoint


def untrusted(checkpoint: Checkpoint, source: Path, signers: Sequence[TrustedKey]) -> str | None:
    """Why ``checkpoint`` (read from ``source``) is not a signed head to trust, or None."""
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
    return None


def check_checkpoint(
    result: VerifyResult, checkpoint: Checkpoint, source: Path, signers: Sequence[TrustedKey]
) -> str | None:
    """Why a log that verified on its own disagrees with ``checkpoint``, or None."""
    name = source.name
    distrust = untrusted(checkpoint, source, signers)
    if distrust is not None:
        return distrust
    if result.head_seq < checkpoint.seq:
        vouched = f"checkpoint {name} vouches for seq {checkpoint.seq}"
        return f"{result.ending}, but {vouched}: {result.loss}"
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


def vouched_prefix(
    path: Path, size: int, checkpoint: Checkpoint, signers: Sequence[TrustedKey]
) -> Proven | None:
    """What ``checkpoint``'s signer verified of the log, as a prefix to check only by its
    SHA-256; None when the checkpoint cannot vouch for anything here.

    It can when the log's first ``size`` bytes hold the checkpoint record itself (found by
    its hash), that record passes every check of its own against ``signers`` (so its key is
    trusted and was valid when it signed), and it names what was verified: a prefix that
    ends before the record, checked against a ``signers.yaml`` with the same trusted keys
    as now. The caller still compares the prefix's SHA-256 with ``Proven.digest``.
    """
    found = _checkpoint_line(path, size, checkpoint.hash)
    if found is None:
        return None
    start, line = found
    checked = check_record(None, key_table(list(signers)), line)
    if checked.phase is not None or checked.seq != checkpoint.seq:
        return None
    record = json.loads(line)
    details = record["details"]
    if record["action"] != "checkpoint" or record["key_id"] != checkpoint.key_id:
        return None
    verified = details.get("verified_bytes")
    records = details.get("verified_records")
    digest = details.get("verified_sha256")
    if (
        type(verified) is not int
        or type(records) is not int
        or not 0 <= verified <= start
        or records < 0
        or not is_hex64(digest)
        or details.get("signers_digest") != signers_digest(signers)
    ):
        return None
    return Proven(verified, records, digest, [])


def _checkpoint_line(path: Path, size: int, digest: str) -> tuple[int, bytes] | None:
    """Offset and bytes (no newline) of the line within ``[0, size)`` whose top-level
    ``hash`` is ``digest``, searched from the end (checkpoints are usually near it)."""
    if size <= 0 or not is_hex64(digest):
        return None
    # In a canonical line a quote inside a string is escaped, so this occurs only as a
    # member of an object: the record's own hash, or (rarely) one inside ``details``.
    needle = b',"hash":"' + digest.encode("ascii") + b'","key_id":"'
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = min(size, len(data))
        while True:
            at = data.rfind(needle, 0, end)
            if at < 0:
                return None
            start = data.rfind(b"\n", 0, at) + 1
            stop = data.find(b"\n", at, end)
            if stop >= 0:
                line = bytes(data[start:stop])
                try:
                    if json.loads(line).get("hash") == digest:
                        return start, line
                except (ValueError, AttributeError):
                    pass
            end = at
