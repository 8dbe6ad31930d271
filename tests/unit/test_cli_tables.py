"""How the CLI writes for people: aligned tables within 120 columns, counted nouns, and audit
records in a few words."""

from __future__ import annotations

import pytest

from console.commands.audit_text import summary, when
from console.commands.common import print_table
from console.text import plural


def _table(capsys: pytest.CaptureFixture[str], *args, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    print_table(*args, **kwargs)
    return capsys.readouterr().out.splitlines()


def test_plural() -> None:
    assert plural(1, "approval") == "1 approval"
    assert plural(2, "approval") == "2 approvals"
    assert plural(0, "policy", "policies") == "0 policies"
    assert plural(1_470_930, "point") == "1,470,930 points"


def test_table_aligns_under_its_header(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _table(capsys, ("A", "LONGER"), [("wide cell", "x"), ("b", "y")], width=120)
    assert lines == ["A          LONGER", "wide cell  x", "b          y"]


def test_free_text_column_wraps_to_fit_the_width(capsys: pytest.CaptureFixture[str]) -> None:
    text = "no auc sample of version 22 since 2026-11-14T23:55:00Z"
    lines = _table(capsys, ("MODEL", "NOTE"), [("ad-ctr", text)], width=40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[1].startswith("ad-ctr  no auc")
    assert all(line.startswith(" " * 8) for line in lines[2:])  # continued under NOTE
    assert " ".join(" ".join(line.split()) for line in lines[1:]) == "ad-ctr " + text
    assert "2026-11-14T23:55:00Z" in lines[-1]  # a date is never broken at its hyphens


def test_wrapping_keeps_listed_items_whole(capsys: pytest.CaptureFixture[str]) -> None:
    text = "v6 2026-11-02T14:10:00Z: no fire; v7 2026-11-14T20:00:00Z: +5m"
    lines = _table(capsys, ("T", "AFTER"), [("t", text)], width=40)
    assert [line.strip() for line in lines[1:]] == [
        "t  v6 2026-11-02T14:10:00Z: no fire;",
        "v7 2026-11-14T20:00:00Z: +5m",
    ]


def test_a_middle_column_wraps_and_a_word_overflows_rather_than_breaks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [("m", "feature-drift, latency-regression", "1m")]
    lines = _table(capsys, ("MODEL", "FIRING", "AGE"), rows, wrap=1, width=24)
    assert lines[1].split() == ["m", "feature-drift,", "1m"]
    assert lines[2].strip() == "latency-regression"


def test_audit_times_to_the_second() -> None:
    assert when("2026-11-14T19:10:00.123Z") == "2026-11-14T19:10:00Z"
    assert when("not a time") == "not a time"


def test_audit_summaries_say_what_each_step_decided() -> None:
    base = {"runbook": "rb-1", "from_version": "7", "to_version": "6", "dry_run": False}
    assert summary("note", {"text": "hand\nover"}) == "hand over"
    assert summary("runbook.open", {**base, "reason": "acc"}) == "opened rb-1: acc"
    assert summary("runbook.approve", {**base, "approval": 1, "required": 2}) == (
        "approval 1 of 2 for 7 → 6"
    )
    checks = [{"name": "cooldown", "ok": False}, {"name": "target_status", "ok": True}]
    assert summary("runbook.precheck", {**base, "checks": checks}) == (
        "pre-checks failed: cooldown"
    )
    verify = {**base, "outcome": "recovered", "mode": "rehearsal", "still_firing": []}
    assert summary("runbook.verify", verify) == "would recover (rehearsal)"
    assert summary("runbook.close", {**base, "outcome": "not_recovered"}) == (
        "closed: not recovered"
    )


def test_audit_summary_of_an_unexpected_shape_is_its_json() -> None:
    assert summary("runbook.approve", {"odd": 1}) == '{"odd": 1}'
    assert summary("custom", [1, 2]) == "[1, 2]"
    assert summary("custom", {"blob": "x" * 500}).endswith("…")
