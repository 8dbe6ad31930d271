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
from console.audit.record import FIELDS, canonical_json, is_hex64, parse_ts, strict_b64decode

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


def _shape_problem(record: Any) -> str | None:
    if type(record) is not dict:
        return "is not a JSON object"
    if record.keys() != FIELDS:
        missing = sorted(FIELDS - record.keys())
        extra = sorted(record.keys() - FIELDS)
        return f"has no '{missing[0]}' field" if missing else f"has an unknown field '{extra[0]}'"
    if type(record["seq"]) is not int or record["seq"] < 1:
        return "has a 'seq' that is not a positive integer"
    for name in ("actor", "key_id", "action", "signature", "ts"):
        if type(record[name]) is not str or not record[name]:
            return f"has a '{name}' that is not a non-empty string"
    for name in ("role", "model", "policy_digest"):
        if record[name] is not None and type(record[name]) is not str:
            return f"has a '{name}' that is neither a string nor null"
    if type(record["details"]) is not dict:
        return "has 'details' that are not an object"
    if not is_hex64(record["prev_hash"]) or not is_hex64(record["hash"]):
        return "has a hash that is not 64 lowercase hex digits"
    return None


def _signed_body(line: str, record: dict[str, Any]) -> str | None:
    """The canonical body: the canonical line without its top-level hash and signature.

    In canonical JSON a quote inside a string is always escaped, so ``,"signature":`` only
    occurs as a key; its last occurrence is the top-level one (only ``ts`` follows it), and
    likewise for ``,"hash":`` (only scalars follow it). None if either is missing.
    """
    for name in ("signature", "hash"):
        member = f',"{name}":{canonical_json(record[name])}'
        at = line.rfind(member)
        if at < 0:
            return None
        line = line[:at] + line[at + len(member) :]
    return line


def check_record(line: str, keys: KeyTable) -> Checked:
    """Every check of one record (``line`` without its newline) except its chain links."""
    try:
        record = json.loads(line)
    except ValueError:
        return _bad("is not valid JSON")
    shape = _shape_problem(record)
    if shape is not None:
        return _bad(shape)
    try:
        canonical = canonical_json(record)
    except ValueError:
        return _bad("holds a number JSON cannot represent")
    if canonical != line:
        return _bad("is not in canonical form (its bytes were edited)", record)
    body = _signed_body(line, record)
    if body is None or hashlib.sha256(body.encode("utf-8")).hexdigest() != record["hash"]:
        return _bad("hash does not match its contents", record, PHASE_HASH)
    reason = _signer_problem(record, keys)
    if reason is not None:
        return _bad(reason, record, PHASE_SIGNER)
    return Checked(
        record["seq"], record["prev_hash"], record["hash"], record["signature"], None, None
    )


def _signer_problem(record: dict[str, Any], keys: KeyTable) -> str | None:
    key_id = record["key_id"]
    info = keys.get(key_id)
    if info is None:
        return f"signed by key {key_id}, which signers.yaml does not list"
    if record["actor"] != info.name:
        return f"actor '{record['actor']}' does not own key {key_id} (signers.yaml: '{info.name}')"
    moment: datetime | None = parse_ts(record["ts"])
    if moment is None:
        return "has a 'ts' that is not an RFC 3339 UTC time ending in Z"
    problem = info.key.problem_at(moment)
    if problem is not None:
        return f"signed by key {key_id} at {record['ts']}, {problem}"
    rule = ACTIONS.get(record["action"])
    if rule is None:
        return f"has action '{record['action']}', which is not an mrp audit action"
    role = record["role"]
    if role is None and rule.needs_role:
        return f"is a '{record['action']}' without a role, and that action needs one"
    if role is not None and role not in info.roles:
        return f"signs as role '{role}', which key {key_id} does not hold"
    signature = strict_b64decode(record["signature"], 64)
    if signature is None:
        return "has a signature that is not 64 bytes of canonical base64"
    try:
        info.public.verify(signature, record["hash"].encode("ascii"))
    except InvalidSignature:
        return f"signature does not verify against key {key_id}"
    return None
