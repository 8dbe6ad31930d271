"""The checks one record passes or fails on its own (everything but its place in the chain).

Run in verification workers, so it is plain functions over plain data, tuned for the hot
path: one ``json.loads``, one canonical re-encoding (which proves the line is byte-for-byte
canonical), the hash over the line with ``hash`` and ``signature`` cut out, and the Ed25519
check. Checks come in the order an auditor reads them: the line, its hash, (its place in
the chain, checked by the caller), then who signed it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from console.audit.actions import ACTIONS
from console.audit.keys_model import TrustedKey
from console.audit.record import FIELDS, canonical_json, decode_signature, parse_ts

PHASE_LINE = 0
"""The line is not a well-formed, canonical record."""
PHASE_HASH = 1
"""The hash does not match the record's contents."""
PHASE_CHAIN = 2
"""Sequence number or prev_hash does not follow the record before (the caller checks)."""
PHASE_SIGNER = 3
"""Unknown key, wrong actor, key not valid then, role not held, bad signature."""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    roles: frozenset[str]
    public: Ed25519PublicKey
    key: TrustedKey


KeyTable = dict[str, KeyInfo]


def key_table(keys: list[TrustedKey]) -> KeyTable:
    return {k.key_id: KeyInfo(k.name, frozenset(k.roles), k.public(), k) for k in keys}


class Checked(NamedTuple):
    """A record's identity (when it has one) and its first standalone problem, if any."""

    seq: int | None
    prev_hash: str | None
    hash: str | None
    signature: str | None
    phase: int | None
    reason: str | None


def _bad(reason: str, record: dict[str, Any] | None = None, phase: int = PHASE_LINE) -> Checked:
    if record is None:
        return Checked(None, None, None, None, phase, reason)
    return Checked(
        record["seq"], record["prev_hash"], record["hash"], record["signature"], phase, reason
    )


def _well_formed(r: Any) -> bool:
    """The quick yes of ``_shape_problem`` (one expression: this runs for every record)."""
    return bool(
        type(r) is dict
        and r.keys() == FIELDS
        and type(r["seq"]) is int
        and r["seq"] > 0
        and type(r["details"]) is dict
        and type(r["actor"]) is str
        and type(r["key_id"]) is str
        and type(r["action"]) is str
        and type(r["signature"]) is str
        and type(r["ts"]) is str
        and type(r["hash"]) is str
        and type(r["prev_hash"]) is str
        and r["actor"]
        and r["key_id"]
        and r["action"]
        and r["ts"]
        and (r["role"] is None or type(r["role"]) is str)
        and (r["model"] is None or type(r["model"]) is str)
        and (r["policy_digest"] is None or type(r["policy_digest"]) is str)
    )


def _shape_problem(record: Any) -> str | None:
    """Fields and types; hashes need no format check here (they must equal a SHA-256
    digest: this record's own, or the one before it)."""
    if type(record) is not dict:
        return "is not a JSON object"
    if record.keys() != FIELDS:
        missing = sorted(FIELDS - record.keys())
        extra = sorted(record.keys() - FIELDS)
        return f"has no '{missing[0]}' field" if missing else f"has an unknown field '{extra[0]}'"
    if type(record["seq"]) is not int or record["seq"] < 1:
        return "has a 'seq' that is not a positive integer"
    for name in _STRINGS:
        if type(record[name]) is not str or not record[name]:
            return f"has a '{name}' that is not a non-empty string"
    for name in _OPTIONAL_STRINGS:
        if record[name] is not None and type(record[name]) is not str:
            return f"has a '{name}' that is neither a string nor null"
    if type(record["details"]) is not dict:
        return "has 'details' that are not an object"
    return None


_STRINGS = ("actor", "key_id", "action", "signature", "ts", "hash", "prev_hash")
_OPTIONAL_STRINGS = ("role", "model", "policy_digest")


_SIGNATURE_KEY = b',"signature":"'
_SIGNATURE_MEMBER = len(_SIGNATURE_KEY) + 88 + 1
_HASH_KEY = b',"hash":"'
_HASH_MEMBER = len(_HASH_KEY) + 64 + 1


def _body_digest(raw: bytes) -> str | None:
    """SHA-256 of the canonical body: the (canonical) line without its top-level ``hash``
    and ``signature`` members.

    In canonical JSON a quote inside a string is always escaped, so ``,"signature":"`` only
    occurs as a key; its last occurrence is the top-level one (only ``ts`` follows it), and
    the last ``,"hash":"`` before it is the top-level hash (only scalars lie between). The
    signature is known to be 88 characters; a hash that is not 64 is cut wrongly, and then
    cannot match.
    """
    at_signature = raw.rfind(_SIGNATURE_KEY)
    if at_signature < 0:
        return None
    at_digest = raw.rfind(_HASH_KEY, 0, at_signature)
    if at_digest < 0:
        return None
    body = (
        raw[:at_digest]
        + raw[at_digest + _HASH_MEMBER : at_signature]
        + raw[at_signature + _SIGNATURE_MEMBER :]
    )
    return hashlib.sha256(body).hexdigest()


def _parse(line: str) -> Any:
    """``json.loads`` without its wrapper: the C scanner over the whole line."""
    value, end = _SCAN(line, 0)
    if end != len(line):
        raise ValueError("extra data")
    return value


_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def check_record(line: str, keys: KeyTable, raw: bytes | None = None) -> Checked:
    """Every check of one record (``line`` without its newline; ``raw``, its UTF-8 bytes,
    if the caller has them) except its chain links."""
    try:
        record = _parse(line)
    except (ValueError, StopIteration):
        return _bad("is not valid JSON")
    if not _well_formed(record):
        return _bad(_shape_problem(record) or "is not a record")
    signature = decode_signature(record["signature"])
    if signature is None:
        return _bad("has a signature that is not 64 bytes of canonical base64")
    try:
        canonical = canonical_json(record)
    except ValueError:
        return _bad("holds a number JSON cannot represent")
    if canonical != line:
        return _bad("is not in canonical form (its bytes were edited)", record)
    if _body_digest(raw if raw is not None else line.encode("utf-8")) != record["hash"]:
        return _bad("hash does not match its contents", record, PHASE_HASH)
    reason = _signer_problem(record, signature, keys)
    if reason is not None:
        return _bad(reason, record, PHASE_SIGNER)
    return Checked(
        record["seq"], record["prev_hash"], record["hash"], record["signature"], None, None
    )


def _signer_problem(record: dict[str, Any], signature: bytes, keys: KeyTable) -> str | None:
    key_id = record["key_id"]
    info = keys.get(key_id)
    if info is None:
        return f"signed by key {key_id}, which signers.yaml does not list"
    if record["actor"] != info.name:
        return f"actor '{record['actor']}' does not own key {key_id} (signers.yaml: '{info.name}')"
    moment: datetime | None = parse_ts(record["ts"])
    if moment is None:
        return "has a 'ts' that is not an RFC 3339 UTC time ending in Z"
    key = info.key
    if (key.valid_from is not None and moment < key.valid_from) or (
        key.valid_until is not None and moment >= key.valid_until
    ):
        return f"signed by key {key_id} at {record['ts']}, {key.problem_at(moment)}"
    rule = ACTIONS.get(record["action"])
    if rule is None:
        return f"has action '{record['action']}', which is not an mrp audit action"
    role = record["role"]
    if role is None:
        if rule.needs_role:
            return f"is a '{record['action']}' without a role, and that action needs one"
    elif role not in info.roles:
        return f"signs as role '{role}', which key {key_id} does not hold"
    try:
        info.public.verify(signature, record["hash"].encode("ascii"))
    except InvalidSignature:
        return f"signature does not verify against key {key_id}"
    return None
