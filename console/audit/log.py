"""Appending to and reading ``audit.jsonl``.

An append takes an exclusive ``flock`` on the sidecar ``audit.jsonl.lock`` (so several mrp
processes can append at once), reads the last line for ``seq`` and ``prev_hash``, writes one
canonical line with a single ``write`` on an ``O_APPEND`` descriptor, and ``fsync``s before
the lock is released. A last line that is torn or does not match its own hash stops the
append: extending a corrupt log would bury the damage under fresh signatures. So does a log
that holds fewer records than the workspace shows it held (``console.audit.expected``): the
lock file, and whatever ``evidence`` the log was given (the runbooks' recorded seqs), are
looked at before the log is read; a missing, empty or shorter log then refuses the append
before anything is written, instead of starting a fresh chain over the gap.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from console.audit.actions import rule_for
from console.audit.expected import (
    APPENDED_MARK,
    Evidence,
    lock_evidence,
    lock_path,
    refuse_short,
    strongest,
)
from console.audit.keys_model import Signer
from console.audit.record import ZERO_HASH, AuditRecord, body_hash, canonical_json, format_ts
from console.errors import MrpError
from console.fileio import exclusive_lock, fsync_dir

LOCK_WAIT_SECONDS = 15.0
_TAIL_BLOCK = 8192


class AuditLog:
    """The audit log at ``path`` (usually ``Workspace.audit_path``). ``evidence`` gives
    what else shows the records the log held (``RunbookStore.audit_evidence``); appends are
    held to it and to the lock file. Without it, only the lock file is."""

    def __init__(self, path: Path, evidence: Callable[[], Evidence | None] | None = None) -> None:
        self.path = path
        self.lock_path = lock_path(path)
        self.evidence = evidence

    def append(
        self,
        signer: Signer,
        action: str,
        model: str | None,
        details: dict[str, Any],
        policy_digest: str | None,
        now: datetime,
    ) -> AuditRecord:
        """Sign and durably append one record; returns it once it is on disk."""
        rule = rule_for(action)
        if rule is None:
            raise MrpError(f"'{action}' is not an audit action mrp knows.")
        if rule.needs_role and (signer.role is None or signer.role not in signer.roles):
            raise MrpError(f"'{action}' must be signed in a role, and {signer.name} has none.")
        if not isinstance(details, dict):
            raise MrpError("audit record details must be a JSON object.")
        try:  # a private copy, exactly as it will read back (tuples become lists, ...)
            details = json.loads(canonical_json(details))
        except (TypeError, ValueError) as error:
            raise MrpError(f"audit record details are not plain JSON: {error}.") from None
        body: dict[str, Any] = {
            "seq": 0,
            "ts": format_ts(now),
            "actor": signer.name,
            "key_id": signer.key_id,
            "role": signer.role,
            "action": action,
            "model": model,
            "details": details,
            "policy_digest": policy_digest,
            "prev_hash": ZERO_HASH,
        }
        try:  # before the lock file exists, which shows that an append was made
            body_hash(body)
        except (TypeError, ValueError) as error:  # e.g. a model name with a lone surrogate
            raise MrpError(f"this audit record is not plain JSON: {error}.") from None
        locked_before, expected = self._expected()
        if expected is not None and not locked_before:  # refused before the lock file exists
            self._hold_to(expected, self._tail()[0])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.lock_path, LOCK_WAIT_SECONDS, str(self.path)):
            seq, prev_hash = self._tail()
            self._hold_to(expected, seq)
            body["seq"], body["prev_hash"] = seq + 1, prev_hash
            digest = body_hash(body)
            signature = base64.b64encode(signer.sign(digest.encode("ascii"))).decode("ascii")
            record = AuditRecord(**body, hash=digest, signature=signature)
            self._write(record.to_line().encode("utf-8"))
            self._mark_appended()
        return record

    def check(self) -> None:
        """Raise what an append would refuse with (``RecordsMissing``, a torn or broken last
        line), writing nothing: for a step that must not act before its record can be written."""
        locked_before, expected = self._expected()
        if not locked_before:  # nothing has appended (no lock file), and none is made here
            self._hold_to(expected, self._tail()[0])
            return
        with exclusive_lock(self.lock_path, LOCK_WAIT_SECONDS, str(self.path)):
            self._hold_to(expected, self._tail()[0])

    def _expected(self) -> tuple[bool, Evidence | None]:
        """Whether the lock file exists, and the strongest evidence of the records the log
        held (the lock file's mark, the given ``evidence``); gathered before the log is read."""
        exists = self.lock_path.exists()
        given = self.evidence() if self.evidence is not None else None
        return exists, strongest([lock_evidence(self.path), given])

    def _mark_appended(self) -> None:
        """Leave the mark that makes the lock file evidence, once a record is on disk (the
        lock held). Only marked: another process that finds the lock file a moment after a
        first append created it, before its record was written, must not take the empty log
        for one that lost its records."""
        try:
            fd = os.open(self.lock_path, os.O_WRONLY | os.O_APPEND)
        except OSError:  # the record is on disk; only this trace of it is missing
            return
        try:
            if os.fstat(fd).st_size == 0:
                os.write(fd, APPENDED_MARK)
                os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _hold_to(self, expected: Evidence | None, seq: int) -> None:
        """RecordsMissing when the log, ending at ``seq``, holds less than ``expected`` shows."""
        refuse_short(self.path, self.path.exists(), seq, [expected])

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last record, ``(0, 64 zeros)`` for an empty log."""
        return self._tail()

    def records(self) -> Iterator[AuditRecord]:
        """Every record in file order; MrpError on a line that is not a record."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            for number, raw in enumerate(handle, start=1):
                yield self._parse(raw, number)

    def _parse(self, raw: bytes, number: int) -> AuditRecord:
        try:
            return AuditRecord.from_dict(json.loads(raw))
        except (ValueError, TypeError) as error:
            raise MrpError(
                f"{self.path.name} line {number} is not an audit record ({error}); "
                "run `mrp audit verify`."
            ) from None

    def _tail(self) -> tuple[int, str]:
        """The last record's seq and hash, checked; raises MrpError (exit 2) if it is torn."""
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size == 0:
                    return 0, ZERO_HASH
                last = _last_line(handle, size)
        except FileNotFoundError:
            return 0, ZERO_HASH
        if not last.endswith(b"\n"):
            raise MrpError(
                f"{self.path} ends in a torn line (no newline: an append was cut short); "
                "refusing to append after it: run `mrp audit verify` and repair the log."
            )
        try:
            record = AuditRecord.from_dict(json.loads(last))
        except (ValueError, TypeError):
            record = None
        if record is None or body_hash(record.body()) != record.hash:
            raise MrpError(
                f"the last line of {self.path} is not an intact audit record; refusing to "
                "append after it: run `mrp audit verify`."
            )
        return record.seq, record.hash

    def _write(self, data: bytes) -> None:
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            start = os.fstat(fd).st_size
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            except OSError as error:
                os.ftruncate(fd, start)  # never leave a half-written line behind
                raise MrpError(f"could not write to {self.path}: {error.strerror}.") from None
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)


def _last_line(handle: Any, size: int) -> bytes:
    """The last line of the file, with its newline if it has one."""
    position = size - 1  # the final byte is the last line's own newline (or its last byte)
    while position > 0:
        start = max(0, position - _TAIL_BLOCK)
        handle.seek(start)
        cut = handle.read(position - start).rfind(b"\n")
        if cut >= 0:
            handle.seek(start + cut + 1)
            return bytes(handle.read())
        position = start
    handle.seek(0)
    return bytes(handle.read())
