"""The tamper suite: every way of changing a log is caught at the first changed line.

Oracle: without a trusted private key, the first line that differs from the original log
is the first bad record (only truncating whole records from the end leaves a valid log,
which checkpoints catch, see test_audit_checkpoint.py).
"""

from __future__ import annotations

import base64
import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.audit.actions import ACTIONS
from console.audit.log import AuditLog
from tests.unit.audit_fixtures import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    MALLORY,
    STEPS,
    T0,
    TRUSTED,
    build_log,
    lines_of,
    make_signer,
    parse,
    rewrite,
    verify_bytes,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def original() -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "audit.jsonl"
        build_log(path)
        return path.read_bytes()


def first_difference(old: list[bytes], new: list[bytes]) -> int | None:
    """1-based number of the first line of ``new`` that differs from ``old``; None if
    ``new`` is a prefix of ``old`` made of whole lines."""
    for number, line in enumerate(new, start=1):
        if number > len(old) or line != old[number - 1]:
            return number
    return None


def assert_caught(tampered: bytes, reason: str | None = None) -> None:
    expected = first_difference(lines_of(original()), lines_of(tampered))
    assert expected is not None, "the tamper left a valid prefix: not a tamper this suite tests"
    result = verify_bytes(tampered)
    assert not result.ok, "a tampered log verified"
    assert result.first_bad_line == expected, result.message
    assert f"audit.jsonl line {expected}" in result.message
    if reason is not None:
        assert reason in (result.reason or ""), result.message


def test_the_original_log_verifies() -> None:
    result = verify_bytes(original())
    assert result.ok, result.message
    assert result.count == len(STEPS) == result.head_seq


@SETTINGS
@given(st.data())
def test_any_byte_edit_is_caught_at_its_line(data: st.DataObject) -> None:
    base = original()
    position = data.draw(st.integers(0, len(base) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != base[position]), label="byte")
    assert_caught(base[:position] + bytes([value]) + base[position + 1 :])


@SETTINGS
@given(st.data())
def test_inserted_or_deleted_bytes_are_caught(data: st.DataObject) -> None:
    base = original()
    position = data.draw(st.integers(0, len(base) - 1), label="position")
    if data.draw(st.booleans(), label="insert"):
        extra = data.draw(st.binary(min_size=1, max_size=4), label="bytes")
        tampered = base[:position] + extra + base[position:]
    else:
        size = data.draw(st.integers(1, 8), label="size")
        tampered = base[:position] + base[position + size :]
    if first_difference(lines_of(base), lines_of(tampered)) is None:
        return  # whole records cut from the end: only a checkpoint can tell
    assert_caught(tampered)


FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(1, 40),
    "ts": st.integers(0, 10**6).map(
        lambda m: (T0 + timedelta(seconds=m)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ),
    "actor": st.sampled_from(["alice", "bob", "mallory", "root"]),
    "key_id": st.sampled_from([ALICE.key_id, BOB.key_id, MALLORY.key_id, "0" * 16]),
    "role": st.sampled_from([None, "oncall", "model-owner", "admin"]),
    "action": st.sampled_from([*ACTIONS, "runbook.delete"]),
    "model": st.one_of(st.none(), st.text(max_size=8)),
    "details": st.dictionaries(
        st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3
    ),
    "policy_digest": st.one_of(st.none(), st.text(max_size=10)),
    "prev_hash": st.text("0123456789abcdef", min_size=64, max_size=64),
    "hash": st.text("0123456789abcdef", min_size=64, max_size=64),
    "signature": st.binary(min_size=64, max_size=64).map(lambda b: base64.b64encode(b).decode()),
}


@SETTINGS
@given(st.data())
def test_field_edits_are_caught_with_or_without_a_recomputed_hash(data: st.DataObject) -> None:
    lines = lines_of(original())
    index = data.draw(st.integers(0, len(lines) - 1), label="record")
    record = parse(lines[index])
    name = data.draw(st.sampled_from(sorted(FIELD_VALUES)), label="field")
    value = data.draw(FIELD_VALUES[name].filter(lambda v: v != record[name]), label="value")
    record[name] = value
    rehash = name != "hash" and data.draw(st.booleans(), label="rehash")
    lines[index] = rewrite(record, rehash=rehash)
    if rehash and data.draw(st.booleans(), label="repair the chain after it"):
        previous = parse(lines[index])["hash"]
        for later in range(index + 1, len(lines)):
            following = parse(lines[later])
            following["prev_hash"] = previous
            lines[later] = rewrite(following, rehash=True)
            previous = parse(lines[later])["hash"]
    if name == "signature":
        expected: str | None = "signature does not verify"
    else:
        expected = None if rehash else "hash does not match its contents"
    assert_caught(b"".join(lines), expected)


@SETTINGS
@given(st.data())
def test_deleted_inserted_duplicated_and_swapped_records_are_caught(data: st.DataObject) -> None:
    lines = lines_of(original())
    kind = data.draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "move"]))
    if kind == "delete":
        index = data.draw(st.integers(0, len(lines) - 2), label="record")  # not the last
        del lines[index]
    elif kind in ("insert", "duplicate"):
        source = data.draw(st.integers(0, len(lines) - 1), label="copy of")
        target = (
            source + 1 if kind == "duplicate" else data.draw(st.integers(0, len(lines)), label="at")
        )
        if target == len(lines) and source == len(lines) - 1:
            target = source  # a copy of the last record appended after itself
        lines.insert(target, lines[source])
    else:
        first = data.draw(st.integers(0, len(lines) - 2), label="first")
        second = data.draw(st.integers(first + 1, len(lines) - 1), label="second")
        if kind == "swap":
            lines[first], lines[second] = lines[second], lines[first]
        else:
            lines.insert(first, lines.pop(second))
    tampered = b"".join(lines)
    if first_difference(lines_of(original()), lines_of(tampered)) is None:
        return
    assert_caught(tampered)


def test_a_record_signed_by_a_key_not_in_signers_yaml_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(original())
    AuditLog(path).append(
        MALLORY, "note", "fraud", {"text": "all fine"}, None, T0 + timedelta(hours=1)
    )
    assert_caught(path.read_bytes(), "which signers.yaml does not list")


@SETTINGS
@given(st.integers(0, len(STEPS) - 1), st.data())
def test_a_forged_record_inserted_mid_log_is_caught(index: int, data: st.DataObject) -> None:
    """mallory (untrusted) forges a record at ``index`` and repairs the chain after it."""
    lines = lines_of(original())
    victim = parse(lines[index])
    forger = data.draw(st.sampled_from(["key_id kept", "own key_id"]))
    victim["details"] = {"text": "nothing to see"}
    signer = MALLORY
    if forger == "key_id kept":  # claims to be the original signer, signs with mallory's key
        signer = ALICE if victim["actor"] == "alice" else BOB
    lines[index] = rewrite(victim, signer=MALLORY)
    if forger == "key_id kept":
        forged = parse(lines[index])
        forged["key_id"] = signer.key_id
        lines[index] = rewrite(forged, rehash=True)
    assert_caught(b"".join(lines))


@SETTINGS
@given(st.integers(1, len(STEPS) - 1))
def test_records_signed_after_revocation_are_caught(revoked_after: int) -> None:
    """alice's key is revoked after ``revoked_after`` minutes; her later records are bad."""
    _, revoked = make_signer(
        "alice",
        ALICE_KEY.roles,
        valid_from=ALICE_KEY.valid_from,
        valid_until=T0 + timedelta(minutes=revoked_after),
    )
    result = verify_bytes(original(), [revoked, BOB_KEY])
    records = [parse(line) for line in lines_of(original())]
    first_bad = next(
        (r["seq"] for r in records if r["actor"] == "alice" and r["seq"] - 1 >= revoked_after),
        None,
    )
    if first_bad is None:
        assert result.ok
        return
    assert not result.ok
    assert result.first_bad_seq == first_bad == result.first_bad_line
    assert "after it was revoked at" in (result.reason or "")


@SETTINGS
@given(st.data())
def test_a_torn_last_line_is_caught(data: st.DataObject) -> None:
    base = original()
    last = lines_of(base)[-1]
    if data.draw(st.booleans(), label="cut the last line"):
        cut = data.draw(st.integers(1, len(last) - 1), label="bytes cut")
        tampered = base[:-cut]
        expected_line = len(lines_of(base))
    else:
        tampered = base + data.draw(
            st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b)
        )
        expected_line = len(lines_of(base)) + 1
    result = verify_bytes(tampered)
    assert not result.ok
    assert result.first_bad_line == expected_line
    assert "torn" in (result.reason or "")


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=6), inner, max_size=3
        )
    ),
    max_leaves=8,
)
STEP = st.tuples(
    st.sampled_from([ALICE, ALICE.with_role("model-owner"), BOB]),
    st.sampled_from(sorted(ACTIONS)),
    st.none() | st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
    st.dictionaries(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=6), JSON, max_size=4
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=15), st.integers(0, 10**8))
def test_an_intact_log_always_verifies(steps: list[Any], offset: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "audit.jsonl"
        build_log(path, steps, T0 + timedelta(milliseconds=offset))
        data = path.read_bytes()
    result = verify_bytes(data, TRUSTED)
    assert result.ok, result.message
    assert result.count == len(steps)
