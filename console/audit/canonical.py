"""Is this line a record in canonical form, byte for byte? Parsed once, on the hot path.

The canonical form is what ``console.audit.record.canonical_json`` writes (Python's
``json`` encoder: keys sorted, no whitespace, UTF-8, floats as ``repr``). The plain way to
prove a line canonical is to parse it and re-encode it with that encoder (``slow_canonical``);
after Ed25519 itself it was the biggest cost of verification. So a line is first tried with
orjson, a C parser and encoder several times quicker (``fast_canonical``):

    accepted on the fast path only if ``orjson.dumps(orjson.loads(raw), OPT_SORT_KEYS)``
    is ``raw`` byte for byte, and orjson writes every float in it exactly as ``repr``.

Why that is the same answer: orjson writes sorted keys (by code point), no whitespace,
integers as ``str`` and strings escaped exactly as Python's ``json`` with
``ensure_ascii=False`` (checked when this module loads: if an orjson release ever differs,
the fast path switches itself off). Floats are where the two differ (``1e-05`` is
``0.00001`` to orjson), and those are compared one by one. So when the fast path accepts,
``canonical_json`` of the same value gives the same bytes; that encoding is one-to-one, so
Python's parser reads the line back as that same value, and the slow check would accept it
too. Whenever the fast path does not accept (bytes orjson refuses, an integer beyond 64
bits, a float written differently, a line that is not canonical), the line goes through
the slow check, which has the last word and gives the reasons it always gave.
``tests/unit/test_audit_canonical.py`` holds the two paths to the same answers.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from console.audit.record import canonical_json

NOT_UTF8 = 1
NOT_JSON = 2
UNREPRESENTABLE = 3
"""A number JSON cannot represent (NaN, an infinity)."""
NOT_CANONICAL = 4

_SORTED = orjson.OPT_SORT_KEYS
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_FLOAT_AGREES: dict[float, bool] = {}
"""Nonzero floats seen, and whether orjson writes each exactly as ``repr`` does (the same
few thresholds and values recur in thousands of records)."""


def orjson_round_trip(raw: bytes) -> Any | None:
    """The value of ``raw`` if orjson writes it back byte for byte (sorted keys), else None.
    Canonical only once ``floats_agree`` says so too."""
    if not ORJSON_AGREES:
        return None
    try:
        value = orjson.loads(raw)
        if orjson.dumps(value, option=_SORTED) == raw:
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass
    return None


def floats_agree(value: Any) -> bool:
    """Whether orjson writes every float inside ``value`` exactly as Python's ``repr``."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return kind is not float or _float_agrees(value)
    for item in items:
        kind = type(item)
        if kind is str or kind is bool or kind is int or item is None:
            continue
        if kind is float:
            if not _float_agrees(item):
                return False
        elif not floats_agree(item):
            return False
    return True


def _float_agrees(number: float) -> bool:
    known = _FLOAT_AGREES.get(number) if number else None  # 0.0 == -0.0: never cached
    if known is None:
        known = orjson.dumps(number) == repr(number).encode("ascii")
        if number:
            if len(_FLOAT_AGREES) >= 4096:
                _FLOAT_AGREES.clear()
            _FLOAT_AGREES[number] = known
    return known


def fast_canonical(raw: bytes) -> Any | None:
    """The value of ``raw`` if orjson proves it canonical, else None (then ask ``slow``)."""
    value = orjson_round_trip(raw)
    return value if value is not None and floats_agree(value) else None


def slow_canonical(raw: bytes, line: str | None) -> tuple[Any, int | None]:
    """``(value, problem)`` the plain way: Python's parser, then its canonical encoder."""
    if line is None:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, NOT_UTF8
    try:
        value, end = _SCAN(line, 0)
    except (ValueError, StopIteration):
        return None, NOT_JSON
    if end != len(line):
        return None, NOT_JSON
    try:
        canonical = canonical_json(value)
    except ValueError:
        return value, UNREPRESENTABLE
    return value, None if canonical == line else NOT_CANONICAL


def parse_canonical(raw: bytes, line: str | None = None) -> tuple[Any, int | None]:
    """``(value, problem)`` of one line (``raw`` without its newline; ``line``, the same
    decoded, if the caller has it): problem is None when the line is canonical JSON."""
    value = fast_canonical(raw)
    if value is not None:
        return value, None
    return slow_canonical(raw, line)


def _orjson_agrees() -> bool:
    """Whether this orjson writes strings, keys and integers exactly as ``canonical_json``."""
    strings = [chr(c) for c in range(0x100)]
    strings += ["\u2028", "\u2029", "\ufeff", "\uffff", "\U0001f600", "\U0010ffff", 'a"b\\c/']
    samples: list[Any] = [
        strings,
        {text: index for index, text in enumerate(strings)},
        [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, True, False, None, {}, []],
    ]
    try:
        return all(
            orjson.dumps(sample, option=_SORTED) == canonical_json(sample).encode("utf-8")
            for sample in samples
        )
    except (orjson.JSONEncodeError, ValueError):
        return False


ORJSON_AGREES = _orjson_agrees()
