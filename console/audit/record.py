"""One audit record: its fields, its canonical bytes and its hash.

The hash is SHA-256 over the canonical JSON of the record without ``hash`` and
``signature``: keys sorted, no insignificant whitespace, UTF-8 (not ASCII-escaped). mrp
writes every line in exactly that canonical form (with ``hash`` and ``signature`` in their
sorted places), so a verifier can insist that a line is byte-for-byte what was signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from console.clock import to_utc

ZERO_HASH = "0" * 64
FIELDS = frozenset(
    {
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
)
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


def _no_default(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# The C encoder built once (no circular-reference bookkeeping: records are trees); it is
# what ``_ENCODER.encode`` runs, minus per-call setup, on the verification hot path.
_C_ENCODE = (
    c_make_encoder(None, _no_default, encode_basestring, None, ":", ",", True, False, False)
    if c_make_encoder is not None
    else None
)


def canonical_json(value: Any) -> str:
    """The canonical text of a JSON value (raises ValueError for NaN or infinities)."""
    if _C_ENCODE is not None and isinstance(value, dict):
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def format_ts(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision and a ``Z``: ordered as text, exact to read."""
    utc = to_utc(moment)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_ts(text: str) -> datetime | None:
    """The instant of a record's ``ts``, or None when it is not RFC 3339 UTC with a ``Z``."""
    shaped = len(text) == 24 and text[23] == "Z" and text[19] == "." and text[10] == "T"
    if not shaped and not _TS.match(text):  # mrp's own shape is checked the quick way
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def is_hex64(text: object) -> bool:
    return isinstance(text, str) and _HEX64.match(text) is not None


def strict_b64decode(text: str, length: int) -> bytes | None:
    """Bytes of canonical base64 ``text`` of exactly ``length`` bytes, else None.

    Plain ``b64decode`` ignores the unused low bits of the last character, so several
    strings decode to the same signature; accepting only the canonical one means no byte
    of a signature can change unnoticed.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        return None
    if len(raw) != length or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


_LAST_SIGNATURE_CHARS = frozenset("AQgw")
"""Base64 characters whose 4 low bits are zero: the only ones that may end 64 bytes."""


def decode_signature(text: str) -> bytes | None:
    """``strict_b64decode(text, 64)``, quicker: the verifier calls it for every record."""
    if len(text) != 88 or text[86:] != "==" or text[85] not in _LAST_SIGNATURE_CHARS:
        return None
    try:  # strict mode: only the base64 alphabet, padding only at the end
        raw = binascii.a2b_base64(text, strict_mode=True)
    except ValueError:  # binascii.Error, or a character that is not ASCII
        return None
    return raw if len(raw) == 64 else None


def body_hash(body: dict[str, Any]) -> str:
    """The ``hash`` of a record body (the record without ``hash`` and ``signature``)."""
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One line of ``audit.jsonl``. ``role`` is the role the actor signed as."""

    seq: int
    ts: str
    actor: str
    key_id: str
    role: str | None
    action: str
    model: str | None
    details: dict[str, Any] = field(hash=False)
    policy_digest: str | None
    prev_hash: str
    hash: str
    signature: str

    @property
    def at(self) -> datetime:
        moment = parse_ts(self.ts)
        if moment is None:
            raise ValueError(f"record {self.seq} has a malformed ts {self.ts!r}")
        return moment

    def body(self) -> dict[str, Any]:
        """The signed part: everything but ``hash`` and ``signature``."""
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "key_id": self.key_id,
            "role": self.role,
            "action": self.action,
            "model": self.model,
            "details": self.details,
            "policy_digest": self.policy_digest,
            "prev_hash": self.prev_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash, "signature": self.signature}

    def to_line(self) -> str:
        """The record as mrp writes it: canonical JSON and a newline."""
        return canonical_json(self.to_dict()) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditRecord:
        """Build from parsed JSON; raises ValueError naming the first bad field."""
        if set(data) != FIELDS:
            missing = sorted(FIELDS - set(data))
            extra = sorted(set(data) - FIELDS)
            raise ValueError(
                f"missing field '{missing[0]}'" if missing else f"unexpected field '{extra[0]}'"
            )
        seq = data["seq"]
        if type(seq) is not int or seq < 1:
            raise ValueError("'seq' is not a positive integer")
        for name in ("ts", "actor", "key_id", "action", "signature"):
            if not isinstance(data[name], str) or not data[name]:
                raise ValueError(f"'{name}' is not a non-empty string")
        for name in ("role", "model", "policy_digest"):
            if data[name] is not None and not isinstance(data[name], str):
                raise ValueError(f"'{name}' is neither a string nor null")
        if not isinstance(data["details"], dict):
            raise ValueError("'details' is not an object")
        for name in ("prev_hash", "hash"):
            if not is_hex64(data[name]):
                raise ValueError(f"'{name}' is not 64 lowercase hex digits")
        if parse_ts(data["ts"]) is None:
            raise ValueError("'ts' is not an RFC 3339 UTC time ending in Z")
        return cls(**data)
