"""``signers.yaml``: the team's trusted public signing keys, kept in git beside the policies.

```yaml
signers:
  - name: alice
    key_id: 5f0c2a7d9e14b3c8        # first 16 hex digits of SHA-256 over the raw public key
    roles: [oncall, model-owner]
    public_key: 2VfN...=            # base64 of the 32-byte Ed25519 public key
    valid_from: "2024-05-01T09:00:00Z"
    valid_until: "2024-11-01T00:00:00Z"   # optional: set it to revoke the key
```

The file is read and written round-trip (ruamel.yaml), so the team's comments survive
``mrp keys init``. Errors name ``file:line``.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from console.audit.keys_model import TrustedKey, fingerprint
from console.audit.record import strict_b64decode
from console.clock import format_time, parse_time
from console.errors import ConfigError
from console.fileio import write_atomically

HEADER = """\
# The public halves of the keys that may sign this workspace's audit log.
# `mrp keys init --name NAME --role ROLE` adds an entry; set `valid_until` to revoke a key.
# Private halves never live here: they stay in each signer's OS keyring.
"""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


def _load_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}.") from None
    try:
        return _yaml().load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ConfigError(f"{where}: {problem}.") from None


def _entries(document: Any, path: Path) -> Any:
    if document is None:
        return []
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and set(document) <= {"signers"}:
        if document.get("signers") is None:
            document["signers"] = []
        if isinstance(document["signers"], list):
            return document["signers"]
    raise ConfigError(f"{path}:1: expected a 'signers:' list of keys.")


def _line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return int(lc.line) + 1 if lc is not None and lc.line is not None else 1


def _time(value: Any, where: str, key: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        return parse_time(str(value))
    except ValueError:
        raise ConfigError(f"{where}: '{key}' is not an RFC 3339 time.") from None


def _parse_entry(node: Any, path: Path) -> TrustedKey:
    where = f"{path}:{_line(node)}"
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: a signer must be a mapping with name, key_id, public_key.")
    unknown = sorted(set(node) - {"name", "key_id", "roles", "public_key", *_TIMES})
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'.")
    for key in ("name", "key_id", "public_key"):
        if node.get(key) is None or node[key] == "":
            raise ConfigError(f"{where}: '{key}' is required.")
        if not isinstance(node[key], str):
            raise ConfigError(f"{where}: '{key}' must be a string (put it in quotes).")
    roles = node.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
        raise ConfigError(f"{where}: 'roles' must be a list of role names.")
    raw = strict_b64decode(node["public_key"], 32)
    if raw is None:
        raise ConfigError(f"{where}: 'public_key' is not a base64 Ed25519 public key.")
    if fingerprint(raw) != node["key_id"]:
        raise ConfigError(
            f"{where}: key_id {node['key_id']} does not match public_key "
            f"(its fingerprint is {fingerprint(raw)})."
        )
    return TrustedKey(
        name=node["name"],
        key_id=node["key_id"],
        roles=tuple(str(r) for r in roles),
        public_key=node["public_key"],
        valid_from=_time(node.get("valid_from"), where, "valid_from"),
        valid_until=_time(node.get("valid_until"), where, "valid_until"),
    )


_TIMES = ("valid_from", "valid_until")


def load_signers_file(path: Path) -> list[TrustedKey]:
    """The trusted keys in ``path``; an absent file trusts nobody."""
    keys: list[TrustedKey] = []
    seen: set[str] = set()
    for node in _entries(_load_document(path), path):
        key = _parse_entry(node, path)
        if key.key_id in seen:
            raise ConfigError(f"{path}:{_line(node)}: key_id {key.key_id} is listed twice.")
        seen.add(key.key_id)
        keys.append(key)
    return keys


def signers_digest(keys: Sequence[TrustedKey]) -> str:
    """A digest of what the keys trust (not of the file's comments or layout)."""
    text = "\n".join(sorted(key.identity() for key in keys))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(path.name + ".lock")
    with lock.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def add_trusted_key(path: Path, key: TrustedKey) -> None:
    """Append ``key`` to ``path`` (created with a header comment if absent), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        document = _load_document(path)
        entries = _entries(document, path)
        if any(isinstance(e, dict) and e.get("key_id") == key.key_id for e in entries):
            raise ConfigError(f"{path}: key_id {key.key_id} is already listed.")
        entry: dict[str, Any] = {
            "name": key.name,
            "key_id": key.key_id,
            "roles": list(key.roles),
            "public_key": key.public_key,
        }
        if key.valid_from is not None:
            entry["valid_from"] = format_time(key.valid_from)
        if key.valid_until is not None:
            entry["valid_until"] = format_time(key.valid_until)
        if document is None:
            buffer = io.StringIO()
            _yaml().dump({"signers": [entry]}, buffer)
            text = HEADER + buffer.getvalue()
        else:
            entries.append(entry)
            buffer = io.StringIO()
            _yaml().dump(document, buffer)
            text = buffer.getvalue()
        write_atomically(path, text)
