"""The verifier's quick paths give the same answers as the plain ones: whatever the orjson
canonical-form check accepts, Python's own parser and encoder accept too, as the same value;
the good-record path of ``prepare_record`` and the general one agree on every line."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.audit import canonical
from console.audit.canonical import (
    NOT_CANONICAL,
    NOT_JSON,
    fast_canonical,
    parse_canonical,
    slow_canonical,
)
from console.audit.check import _prepare, key_table, prepare_record
from console.audit.record import canonical_json
from console.audit.verify import verify_log
from tests.unit.audit_fixtures import ALICE, T0, TRUSTED, build_log

FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e-05, 1e-7, 1.5e-9, 9.99e-05, 1e-4, 1e16, 1e15, 1e22, 5e-324, -0.0, 0.1 + 0.2]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**64), 2**64)
    | FLOATS
    | st.text()
    | st.text(st.characters(max_codepoint=0x2030))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
RECORDS = st.dictionaries(st.text(max_size=8), VALUES, max_size=6)


def _same(a: Any, b: Any) -> bool:
    return canonical_json(a) == canonical_json(b)


@settings(max_examples=600, deadline=None)
@given(RECORDS)
def test_every_canonical_line_is_accepted_as_its_value(value: dict[str, Any]) -> None:
    raw = canonical_json(value).encode("utf-8")
    parsed, problem = parse_canonical(raw)
    assert problem is None
    assert _same(parsed, value)
    fast = fast_canonical(raw)
    if fast is not None:
        assert _same(fast, value)


def _variants(value: dict[str, Any]) -> list[bytes]:
    """The same value written in ways that are not (always) canonical."""
    out = [
        orjson.dumps(value, option=orjson.OPT_SORT_KEYS) if _orjson_can(value) else b"{}",
        json.dumps(value, sort_keys=True).encode(),  # ASCII escapes
        json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8", "replace"),
        json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace"),
    ]
    return out


def _orjson_can(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


@settings(max_examples=600, deadline=None)
@given(RECORDS, st.data())
def test_what_the_fast_path_accepts_the_slow_path_accepts(
    value: dict[str, Any], data: st.DataObject
) -> None:
    candidates = _variants(value)
    raw = data.draw(st.sampled_from(candidates))
    if raw:  # and one byte changed, to reach the odd corners
        at = data.draw(st.integers(0, len(raw) - 1))
        edited = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1 :]
        candidates.append(edited)
    for raw in candidates:
        fast = fast_canonical(raw)
        slow, problem = slow_canonical(raw, None)
        if fast is not None:
            assert problem is None, raw
            assert _same(fast, slow)
        assert parse_canonical(raw)[1] == problem


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'{"x":1e-05}', None),  # Python's float text: canonical, via the slow path
        (b'{"x":0.00001}', NOT_CANONICAL),  # orjson's text for the same float
        (b'{"x":1e-5}', NOT_CANONICAL),
        (b'{"x":1e+16}', None),
        (b'{"x":123456789012345678901234567890}', None),  # beyond 64 bits: slow path
        (b'{"a":1,"a":2}', NOT_CANONICAL),  # duplicate keys
        (b'{"b":1,"a":2}', NOT_CANONICAL),
        (b'{"a": 1}', NOT_CANONICAL),
        (b'{"a":"\\u00e9"}', NOT_CANONICAL),  # an escape where UTF-8 belongs
        (b'{"a":"\\u001f"}', None),
        (b'{"a":"\\u001F"}', NOT_CANONICAL),
        (b'{"a":"\\/"}', NOT_CANONICAL),
        (b'{"a":1.0}', None),
        (b'{"a":1.00}', NOT_CANONICAL),
        (b'{"a":-0}', NOT_CANONICAL),
        (b'{"a":1}x', NOT_JSON),
    ],
)
def test_odd_corners(raw: bytes, problem: int | None) -> None:
    assert parse_canonical(raw)[1] == problem
    assert slow_canonical(raw, None)[1] == problem
    if fast_canonical(raw) is not None:
        assert problem is None


def test_this_orjson_writes_strings_keys_and_integers_as_python_does() -> None:
    assert canonical.ORJSON_AGREES, "the fast path is off: verification is slower"


def test_a_log_with_values_only_the_slow_path_reads_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    details = {"p_value": 1e-05, "tiny": 3e-9, "big": 2**80, "text": "tab\there \x1f é 🚀"}
    build_log(path, [(ALICE, "note", "fraud", details)] * 3)
    assert fast_canonical(path.read_bytes().splitlines()[0]) is None
    result = verify_log(path, TRUSTED, workers=1)
    assert result.ok and result.count == 3, result.message


def _log_lines(folder: Path) -> list[bytes]:
    path = folder / "audit.jsonl"
    if not path.exists():
        build_log(path)
        build_log(path.with_name("floats.jsonl"), [(ALICE, "note", "m", {"p": 1e-05, "x": 0.5})])
    return path.read_bytes().splitlines() + path.with_name("floats.jsonl").read_bytes().splitlines()


def _pending_view(pending: Any) -> Any:
    return None if pending is None else pending[1:]


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_good_record_path_and_the_general_path_agree(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.getbasetemp() / "agree"
    folder.mkdir(exist_ok=True)
    lines = _log_lines(folder)
    raw = data.draw(st.sampled_from(lines))
    edit = data.draw(st.sampled_from(["none", "byte", "field"]))
    if edit == "byte":
        at = data.draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1 :]
    elif edit == "field":
        record = json.loads(raw)
        name = data.draw(st.sampled_from(sorted(record)))
        record[name] = data.draw(VALUES)
        raw = canonical_json(record).encode("utf-8", "surrogatepass")
    # a table that trusts everyone, one where bob's key is revoked, and one with a cache
    revoked = [
        replace(key, valid_until=T0 + timedelta(minutes=3)) if key.name == "bob" else key
        for key in TRUSTED
    ]
    for keys in (key_table(TRUSTED), key_table(revoked)):
        for _ in range(2):  # the second time with the signer rules cached
            fast, fast_pending = prepare_record(None, keys, raw)
            general, general_pending = _prepare(None, keys, raw)
            assert fast == general
            assert _pending_view(fast_pending) == _pending_view(general_pending)
