"""A stable digest of the policy files in force, recorded with every audit record.

It is SHA-256 over the files' bytes exactly as loaded, each framed by its file name and
length, in name order. It does not depend on where the workspace lives or the order the
files were given in, and any edit to a file (a comment included) changes it: an auditor
can recompute it from the files kept in git.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def policy_digest(files: Iterable[tuple[str, bytes]]) -> str:
    """Hex SHA-256 over ``(file name, bytes)`` pairs."""
    digest = hashlib.sha256(b"mrp-policy-digest/v1\n")
    for name, data in sorted(files):
        encoded = name.encode("utf-8")
        digest.update(b"%d:" % len(encoded) + encoded + b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def digest_paths(paths: Iterable[Path]) -> str:
    """The digest of files on disk (by their base names)."""
    return policy_digest((path.name, path.read_bytes()) for path in paths)
