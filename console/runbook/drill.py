"""Signers for a drill: practise a rollback with no key setup and no trace on the machine.

``drill_signers`` makes a key for each drill signer (alice on call, bob the model owner) in
a plaintext file keyring inside the drill's own workspace (``<state dir>/drill/keyring.json``,
deleted with the temporary folder; the idea of keyrings.alt's PlaintextKeyring, kept here so
a plain install can drill), trusts them in the workspace's ``signers.yaml`` and marks the
workspace as a drill. ``activate_drill_keyring`` (called by the wizard and by ``mrp
rollback``/``mrp runbook``) switches the process to that keyring when the workspace is a
drill. The user's real keyring is never read or written by a drill. Drill rollbacks are dry
runs unless the workspace has a real executor (the demo has only a files source).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import keyring
import keyring.backend
import keyring.core
import keyring.errors

from console.audit.keys import init_key
from console.audit.keys_model import TrustedKey
from console.audit.signers_file import load_signers_file
from console.settings import Workspace

DRILL_SIGNERS: tuple[tuple[str, str], ...] = (("alice", "oncall"), ("bob", "model-owner"))
"""(name, role) of the drill's signers: together they satisfy a two-person rule."""


class DrillKeyring(keyring.backend.KeyringBackend):
    """Secrets in one JSON file (mode 0600) inside the drill workspace; for drills only."""

    priority = 0.1

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise keyring.errors.KeyringError(f"{self.path} is not readable: {error}") from None
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(temporary, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data.setdefault(service, {})[username] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if username not in data.get(service, {}):
            raise keyring.errors.PasswordDeleteError(f"no secret for {username}")
        del data[service][username]
        self._write(data)


def drill_keyring_path(workspace: Workspace) -> Path:
    return workspace.state_dir / "drill" / "keyring.json"


def _marker(workspace: Workspace) -> Path:
    return workspace.state_dir / "drill" / "DRILL"


@contextmanager
def drill_keyring(workspace: Workspace) -> Iterator[Path]:
    """This process uses the drill workspace's keyring inside the block, and the keyring it
    had before afterwards."""
    try:
        previous: keyring.backend.KeyringBackend | None = keyring.get_keyring()
    except Exception:  # an unloadable PYTHON_KEYRING_BACKEND: the drill needs no other keyring
        previous = None
    path = drill_keyring_path(workspace)
    keyring.set_keyring(DrillKeyring(path))
    try:
        yield path
    finally:
        if previous is None:
            keyring.core._keyring_backend = None  # chosen afresh on next use, as before
        else:
            keyring.set_keyring(previous)


def activate_drill_keyring(workspace: Workspace) -> bool:
    """In a drill workspace (made by ``drill_signers``), switch this process to its keyring
    for good, so the console and ``mrp`` commands on it sign with the drill keys. False (and
    nothing changed) for any other workspace."""
    if not _marker(workspace).is_file():
        return False
    keyring.set_keyring(DrillKeyring(drill_keyring_path(workspace)))
    return True


def drill_signers(
    workspace: Workspace,
    signers: Sequence[tuple[str, str]] = DRILL_SIGNERS,
    valid_from: datetime | None = None,
) -> list[TrustedKey]:
    """Make (or reuse) the drill signers' keys in the drill keyring, trust them in the
    workspace's signers.yaml and mark the workspace as a drill. The process keeps its own
    keyring; ``activate_drill_keyring`` switches to the drill's when it is time to sign.

    ``valid_from`` defaults to a day before the workspace clock's "now", so records signed
    anywhere in a replayed history verify.
    """
    since = valid_from or workspace.clock().now() - timedelta(days=1)
    made = []
    with drill_keyring(workspace):
        trusted = {key.name: key for key in load_signers_file(workspace.signers_path)}
        for name, role in signers:
            if name in trusted:
                made.append(trusted[name])
                continue
            made.append(init_key(workspace, name, [role], now=since))
    marker = _marker(workspace)
    marker.write_text("mrp drill workspace: its keys are throwaway drill keys.\n")
    return made
