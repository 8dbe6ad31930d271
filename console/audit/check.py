"""The checks one record passes or fails on its own (everything but its place in the chain).

Run in verification workers, so it is plain functions over plain data, tuned for the hot
path: one parse and one canonical re-encoding (which proves the line is byte-for-byte
canonical, see ``console.audit.canonical``), the hash over the line with ``hash`` and
``signature`` cut out, and the Ed25519 check. Checks come in the order an auditor reads
them: the line, its hash, (its place in the chain, checked by the caller), then who
signed it.
"""

from __future__ import annotations

import binascii
import hashlib
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from console.audit.actions import ACTIONS
from console.audit.canonical import (
    NOT_CANONICAL,
    NOT_JSON,
    NOT_UTF8,
    ORJSON_AGREES,
    UNREPRESENTABLE,
    floats_agree,
    orjson_round_trip,
    slow_canonical,
)
from console.audit.keys_model import TrustedKey
from console.audit.record import _LAST_SIGNATURE_CHARS, FIELDS, decode_signature, parse_ts

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
    since: datetime | None
    until: datetime | None
    allowed: set[tuple[str, str, str | None]] = field(default_factory=set, compare=False)
    """(actor, action, role) triples already found to pass this key's rules (a cache: the
    same few recur in every log)."""


KeyTable = dict[str, KeyInfo]


def key_table(keys: list[TrustedKey]) -> KeyTable:
    return {
        k.key_id: KeyInfo(k.name, frozenset(k.roles), k.public(), k, k.valid_from, k.valid_until)
        for k in keys
    }


class Checked(NamedTuple):
    """A record's identity (when it has one) and its first standalone problem, if any."""

    seq: int | None
    prev_hash: str | None
    hash: str | None
    signature: str | None
    phase: int | None
    reason: str | None


_new_checked = tuple.__new__
"""``Checked(...)`` without its Python-level ``__new__`` (a good record makes one)."""


def _bad(reason: str, record: dict[str, Any] | None = None, phase: int = PHASE_LINE) -> Checked:
    if record is None:
        return Checked(None, None, None, None, phase, reason)
    return Checked(
        record["seq"], record["prev_hash"], record["hash"], record["signature"], phase, reason
    )


_FIELD_VALUES = operator.itemgetter(
    "seq", "details", "actor", "key_id", "action", "ts", "signature", "hash", "prev_hash",
    "role", "model", "policy_digest",
)  # fmt: skip


def _well_formed(r: Any) -> bool:
    """The quick yes of ``_shape_problem`` (this runs for every record): exactly the fields,
    each of its type, ``seq`` positive, and ``actor``, ``key_id``, ``action``, ``ts`` set."""
    if type(r) is not dict or r.keys() != FIELDS:
        return False
    seq, details, actor, key_id, action, ts, signature, digest, prev, role, model, policy = (
        _FIELD_VALUES(r)
    )
    return (
        type(seq) is int
        and seq > 0
        and type(details) is dict
        and type(actor) is str
        and type(key_id) is str
        and type(action) is str
        and type(ts) is str
        and type(signature) is str
        and type(digest) is str
        and type(prev) is str
        and (role is None or type(role) is str)
        and (model is None or type(model) is str)
        and (policy is None or type(policy) is str)
        and actor != ""
        and key_id != ""
        and action != ""
        and ts != ""
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


_loads = orjson.loads
_dumps = orjson.dumps
_SORTED = orjson.OPT_SORT_KEYS
JSONDecodeError = orjson.JSONDecodeError
JSONEncodeError = orjson.JSONEncodeError
_a2b_base64 = binascii.a2b_base64
_fromisoformat = datetime.fromisoformat
_sha256 = hashlib.sha256

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


Pending = tuple[Ed25519PublicKey, bytes, bytes, str]
"""A signature still to check (key, signature, message, key_id), once everything else about
its record is good. A plain tuple: one is made for every record."""


def prepare_record(line: str | None, keys: KeyTable, raw: bytes) -> tuple[Checked, Pending | None]:
    """Every check of one record except its chain links and the Ed25519 verification itself,
    which is returned to do (``verify_pending``) when all else is good. ``raw``: the line's
    UTF-8 bytes without the newline; ``line``: the same decoded, or None.

    Split so a caller can run the Python checks of a batch of records and then their
    signatures in a tight loop: OpenSSL's verification runs measurably faster when its code
    and tables stay in the CPU's caches.

    This is the path of a good record, written out in one function (every call costs on a
    path run a million times): the same checks as ``_prepare``, which any record that fails
    one of them goes through, so a bad record is named exactly as always.
    """
    try:
        record = _loads(raw)
        canonical = _dumps(record, option=_SORTED) == raw
    except (JSONDecodeError, JSONEncodeError):
        canonical = False
    if not (canonical and ORJSON_AGREES and type(record) is dict and record.keys() == FIELDS):
        return _prepare(line, keys, raw)
    seq, details, actor, key_id, action, ts, signature, digest, prev, role, model, policy = (
        _FIELD_VALUES(record)
    )
    if not (
        type(seq) is int
        and seq > 0
        and type(details) is dict
        and type(actor) is str
        and type(key_id) is str
        and type(action) is str
        and type(ts) is str
        and type(signature) is str
        and type(digest) is str
        and type(prev) is str
        and (role is None or type(role) is str)
        and (model is None or type(model) is str)
        and (policy is None or type(policy) is str)
        and actor != ""
        and action != ""
        and floats_agree(details)
        # the signature: canonical base64 of 64 bytes (see ``decode_signature``)
        and len(signature) == 88
        and signature[86:] == "=="
        and signature[85] in _LAST_SIGNATURE_CHARS
        # a known key, and a (actor, action, role) it has passed the rules with before
        and (info := keys.get(key_id)) is not None
        and (actor, action, role) in info.allowed
        # mrp's own ts shape; any other goes the long way
        and len(ts) == 24
        and ts[23] == "Z"
        and ts[19] == "."
        and ts[10] == "T"
    ):
        return _prepare(line, keys, raw)
    try:
        raw_signature = _a2b_base64(signature, strict_mode=True)
        moment = _fromisoformat(ts)
    except ValueError:
        return _prepare(line, keys, raw)
    at_signature = raw.rfind(_SIGNATURE_KEY)
    at_digest = raw.rfind(_HASH_KEY, 0, at_signature)
    if (
        len(raw_signature) != 64
        or at_signature < 0
        or at_digest < 0
        or _sha256(
            raw[:at_digest]
            + raw[at_digest + _HASH_MEMBER : at_signature]
            + raw[at_signature + _SIGNATURE_MEMBER :]
        ).hexdigest()
        != digest
        or (info.since is not None and moment < info.since)
        or (info.until is not None and moment >= info.until)
    ):
        return _prepare(line, keys, raw)
    checked = _new_checked(Checked, (seq, prev, digest, signature, None, None))
    return checked, (info.public, raw_signature, digest.encode("ascii"), key_id)


def _prepare(line: str | None, keys: KeyTable, raw: bytes) -> tuple[Checked, Pending | None]:
    """``prepare_record`` for any record, good or bad, one check after the other."""
    record: Any = orjson_round_trip(raw)
    problem: int | None = None
    # The fast path of ``parse_canonical``, its float check after the shape check: a
    # well-formed record can only hold floats in ``details``.
    if record is None or not _well_formed(record) or not floats_agree(record["details"]):
        record, problem = slow_canonical(raw, line)
        if problem == NOT_UTF8:
            return _bad("is not valid UTF-8"), None
        if problem == NOT_JSON:
            return _bad("is not valid JSON"), None
        if not _well_formed(record):
            return _bad(_shape_problem(record) or "is not a record"), None
    signature = decode_signature(record["signature"])
    if signature is None:
        return _bad("has a signature that is not 64 bytes of canonical base64"), None
    if problem == UNREPRESENTABLE:
        return _bad("holds a number JSON cannot represent"), None
    if problem == NOT_CANONICAL:
        return _bad("is not in canonical form (its bytes were edited)", record), None
    digest = record["hash"]
    if _body_digest(raw) != digest:
        return _bad("hash does not match its contents", record, PHASE_HASH), None
    key_id = record["key_id"]
    info = keys.get(key_id)
    reason = _signer_problem(record, info, key_id)
    if reason is not None or info is None:
        return _bad(reason or "", record, PHASE_SIGNER), None
    checked = _new_checked(
        Checked, (record["seq"], record["prev_hash"], digest, record["signature"], None, None)
    )
    return checked, (info.public, signature, digest.encode("ascii"), key_id)


def verify_pending(checked: Checked, pending: Pending) -> Checked:
    """``checked`` as it stands once its signature is checked."""
    public, signature, message, key_id = pending
    try:
        public.verify(signature, message)
    except InvalidSignature:
        reason = f"signature does not verify against key {key_id}"
        return checked._replace(phase=PHASE_SIGNER, reason=reason)
    return checked


def check_record(line: str | None, keys: KeyTable, raw: bytes) -> Checked:
    """Every check of one record except its chain links (``prepare_record``, then its
    signature)."""
    checked, pending = prepare_record(line, keys, raw)
    return checked if pending is None else verify_pending(checked, pending)


def _signer_problem(record: dict[str, Any], info: KeyInfo | None, key_id: str) -> str | None:
    """Who signed, by the rules of ``signers.yaml`` and the actions (not the signature)."""
    if info is None:
        return f"signed by key {key_id}, which signers.yaml does not list"
    actor, action, role = record["actor"], record["action"], record["role"]
    if (actor, action, role) in info.allowed:
        return _time_problem(record["ts"], info, key_id)
    if actor != info.name:
        return f"actor '{actor}' does not own key {key_id} (signers.yaml: '{info.name}')"
    problem = _time_problem(record["ts"], info, key_id)
    if problem is not None:
        return problem
    rule = ACTIONS.get(action)
    if rule is None:
        return f"has action '{action}', which is not an mrp audit action"
    if role is None:
        if rule.needs_role:
            return f"is a '{action}' without a role, and that action needs one"
    elif role not in info.roles:
        return f"signs as role '{role}', which key {key_id} does not hold"
    info.allowed.add((actor, action, role))
    return None


def _time_problem(ts: str, info: KeyInfo, key_id: str) -> str | None:
    moment: datetime | None = parse_ts(ts)
    if moment is None:
        return "has a 'ts' that is not an RFC 3339 UTC time ending in Z"
    key = info.key
    if (key.valid_from is not None and moment < key.valid_from) or (
        key.valid_until is not None and moment >= key.valid_until
    ):
        return f"signed by key {key_id} at {ts}, {key.problem_at(moment)}"
    return None
