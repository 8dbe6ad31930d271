"""Runbook files: one JSON document per runbook, written atomically, and the locks around them.

``<id>.json`` is replaced whole: written to a temporary file in the same folder, fsynced,
renamed over the old one, and the folder fsynced, so a reader (or a process resuming after
kill -9) sees the old document or the new one, never half of either.

``open/<model>`` names the one runbook in flight for a model; it is created under the
folder's lock (``.lock``), so two engineers opening a rollback of the same model at once get
one runbook, and the second joins it. ``<id>.lock`` serialises the steps of one runbook
across processes (the console, a second signer's ``mrp runbook approve``).

The seqs the runbooks recorded show what the audit log held (``audit_evidence``); the
workspace's log is held to them on every append (``workspace_log``). A store remembers what
each runbook file showed while the file is unchanged (same inode, size and mtime), so an
append reads only the runbooks written since the last one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from pydantic import ValidationError

from console.audit.expected import Evidence, lock_evidence
from console.audit.log import AuditLog
from console.errors import MrpError
from console.fileio import exclusive_lock, fsync_dir, write_atomically
from console.runbook.model import Runbook
from console.settings import Workspace

LOCK_WAIT_SECONDS = 30.0


class AlreadyOpen(MrpError):
    """A runbook for this model is already in flight; ``runbook`` is that one."""

    def __init__(self, runbook: Runbook) -> None:
        super().__init__(
            f"runbook {runbook.id} is already open for {runbook.model} (opened by "
            f"{runbook.requester}, now at step '{runbook.state}')."
        )
        self.runbook = runbook


class RunbookStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.open_dir = folder / "open"
        self._shown: dict[str, tuple[tuple[int, int, int], Evidence | None]] = {}
        """What each runbook file showed (``_evidence_in``), by its (inode, size, mtime)."""

    # -- reading -------------------------------------------------------------------------------

    def path(self, runbook_id: str) -> Path:
        return self.folder / f"{runbook_id}.json"

    def exists(self, runbook_id: str) -> bool:
        return _safe_id(runbook_id) and self.path(runbook_id).is_file()

    def load(self, runbook_id: str) -> Runbook:
        if not _safe_id(runbook_id):
            raise MrpError(
                f"'{runbook_id}' is not a runbook id (they look like rb-20261114-2005-3fa2)."
            )
        path = self.path(runbook_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise MrpError(
                f"no runbook {runbook_id} in {self.folder} (see `mrp runbook list`)."
            ) from None
        try:
            return Runbook.model_validate_json(text)
        except ValidationError as error:
            raise MrpError(
                f"{path} is not a readable runbook: {error.errors()[0]['msg']}."
            ) from None

    def all(self) -> list[Runbook]:
        """Every runbook, newest first; unreadable files are skipped."""
        found = []
        for path in self.folder.glob("rb-*.json"):
            try:
                found.append(Runbook.model_validate_json(path.read_text(encoding="utf-8")))
            except (OSError, ValidationError):
                continue
        return sorted(found, key=_opened, reverse=True)

    def audit_evidence(self) -> Evidence | None:
        """The runbook that records the highest audit seq (of a record it wrote, or the
        log's last before it wrote any): the log held at least that many records. None
        when no runbook has recorded one; a file that is not a readable runbook shows
        nothing. Only files changed since this store last looked are read again."""
        best: Evidence | None = None
        try:
            with os.scandir(self.folder) as entries:
                files = [
                    e for e in entries if e.name.startswith("rb-") and e.name.endswith(".json")
                ]
        except FileNotFoundError:
            return None
        for entry in sorted(files, key=lambda e: e.name, reverse=True):  # newest id first
            found = self._evidence_in(entry)
            if found is not None and (best is None or found.seq > best.seq):
                best = found
        return best

    def _evidence_in(self, entry: os.DirEntry[str]) -> Evidence | None:
        try:
            stat = entry.stat()
        except OSError:
            return None
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = self._shown.get(entry.name)
        if known is not None and known[0] == key:
            return known[1]
        path = self.folder / entry.name
        found: Evidence | None = None
        try:
            runbook = Runbook.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            runbook = None
        if runbook is not None:
            seq = max([*runbook.audit.values(), runbook.audit_floor])
            if seq > 0:
                found = Evidence(path, seq, f"runbook {runbook.id} records that it held seq {seq}")
        self._shown[entry.name] = (key, found)
        return found

    def open_for(self, model: str) -> Runbook | None:
        """The runbook in flight for ``model``, if any."""
        marker = self._marker(model)
        try:
            runbook_id = marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not self.exists(runbook_id):
            return None
        runbook = self.load(runbook_id)
        return None if runbook.final else runbook

    # -- writing -------------------------------------------------------------------------------

    def save(self, runbook: Runbook) -> None:
        """Replace the runbook's file atomically and durably."""
        self.folder.mkdir(parents=True, exist_ok=True)
        text = runbook.model_dump_json(indent=2) + "\n"
        self._shown.pop(self.path(runbook.id).name, None)
        write_atomically(self.path(runbook.id), text)

    def create(self, runbook: Runbook) -> Runbook:
        """Write a new runbook and claim its model; AlreadyOpen when another is in flight."""
        with self._folder_lock():
            existing = self.open_for(runbook.model)
            if existing is not None:
                raise AlreadyOpen(existing)
            self.save(runbook)
            self.open_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(self._marker(runbook.model), runbook.id + "\n")
        return runbook

    def release(self, runbook: Runbook) -> None:
        """Free the model for a new runbook (after close or abort)."""
        with self._folder_lock():
            marker = self._marker(runbook.model)
            try:
                if marker.read_text(encoding="utf-8").strip() == runbook.id:
                    marker.unlink()
                    fsync_dir(self.open_dir)
            except FileNotFoundError:
                pass

    @contextmanager
    def locked(self, runbook_id: str, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
        """Hold the runbook's own lock for one step."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.folder / f"{runbook_id}.lock", wait, f"runbook {runbook_id}"):
            yield

    @contextmanager
    def _folder_lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.folder / ".lock", LOCK_WAIT_SECONDS, str(self.folder)):
            yield

    def _marker(self, model: str) -> Path:
        return self.open_dir / quote(model, safe="")


def workspace_evidence(workspace: Workspace, store: RunbookStore | None = None) -> list[Evidence]:
    """What shows the records the workspace's log held: its runbooks' recorded seqs and the
    append lock file. Gather it before reading the log (``console.audit.expected``)."""
    runbooks = store if store is not None else RunbookStore(workspace.runbooks_dir)
    found = (runbooks.audit_evidence(), lock_evidence(workspace.audit_path))
    return [e for e in found if e is not None]


def workspace_log(workspace: Workspace, store: RunbookStore | None = None) -> AuditLog:
    """The workspace's audit log, whose appends are held to what its runbooks recorded (and
    to its lock file): a deleted or shortened log refuses them instead of starting over."""
    runbooks = store if store is not None else RunbookStore(workspace.runbooks_dir)
    return AuditLog(workspace.audit_path, evidence=runbooks.audit_evidence)


def _opened(runbook: Runbook) -> tuple[datetime, int, int, str]:
    """When a runbook was opened, in order: its clock time, then where the audit log stood
    (a pinned or replayed clock gives runbooks opened one after another the same time, and
    ids the same minute; the log's seqs still say which came first)."""
    return (
        runbook.created_at,
        runbook.audit_floor,
        min(runbook.audit.values(), default=0),
        runbook.id,
    )


def _safe_id(runbook_id: str) -> bool:
    return bool(runbook_id) and all(c.isalnum() or c in "-_" for c in runbook_id)


def dump(runbook: Runbook) -> dict[str, object]:
    """The runbook as plain JSON data (for ``--json``)."""
    data: dict[str, object] = json.loads(runbook.model_dump_json())
    return data
