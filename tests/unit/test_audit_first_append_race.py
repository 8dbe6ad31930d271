"""The first append's lock file is not evidence until its record is on disk.

A first append creates ``audit.jsonl.lock`` to take the lock, and only then writes seq 1.
Another process that looked in that moment saw the lock file beside a missing log and
refused its note as "the log was deleted or moved" (CI caught it with four shells taking
notes at once). The lock file counts once the append has marked it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from console.audit.expected import lock_evidence
from console.audit.log import AuditLog
from console.audit.record import ZERO_HASH
from console.errors import MrpError
from console.fileio import exclusive_lock
from tests.unit.audit_fixtures import ALICE, T0


def test_an_append_waiting_on_a_first_append_that_has_not_written_goes_on_at_seq_1(
    tmp_path: Path,
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    appended: list[int] = []
    failed: list[str] = []

    def note() -> None:
        try:
            appended.append(log.append(ALICE, "note", "fraud", {"text": "x"}, None, T0).seq)
        except MrpError as error:
            failed.append(error.message)

    with exclusive_lock(log.lock_path, 5.0, "the first append"):  # created, nothing written
        assert lock_evidence(log.path) is None
        waiting = threading.Thread(target=note)
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive()  # it waits for the lock, not refused on sight
    waiting.join(10)
    assert failed == [] and appended == [1]
    assert lock_evidence(log.path) is not None  # marked once seq 1 is on disk


def test_an_empty_lock_file_beside_no_log_shows_nothing(tmp_path: Path) -> None:
    """What a first append whose write failed leaves, or an mrp from before the mark."""
    log = AuditLog(tmp_path / "audit.jsonl")
    log.lock_path.touch()
    log.check()
    assert log.append(ALICE, "note", "fraud", {"text": "x"}, None, T0).seq == 1
    marked = log.lock_path.read_bytes()
    assert marked.startswith(b"mrp: ")
    log.append(ALICE, "note", "fraud", {"text": "y"}, None, T0)
    assert log.lock_path.read_bytes() == marked  # marked once, not per append


def test_a_marked_lock_file_still_refuses_a_deleted_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(ALICE, "note", "fraud", {"text": "x"}, None, T0)
    log.path.unlink()
    with pytest.raises(MrpError, match=r"its lock file audit\.jsonl\.lock shows"):
        log.append(ALICE, "note", "fraud", {"text": "y"}, None, T0)
    assert not log.path.exists() and log.head() == (0, ZERO_HASH)
