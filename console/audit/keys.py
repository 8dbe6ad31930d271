"""Signing keys: the private half in the OS keyring, the public half in ``signers.yaml``.

A signer's private key is stored in keyring service ``mrp`` under the signer's name, as
``ed25519:`` + base64 of the 32 raw private bytes. It is read only to sign, never written
to a file, a log or the database.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from console.audit.keys_model import Signer, TrustedKey, fingerprint, public_raw
from console.audit.signers_file import add_trusted_key, load_signers_file
from console.errors import MrpError
from console.secrets import delete_secret, ensure_usable_keyring, get_secret, set_secret
from console.settings import Workspace

__all__ = [
    "HeldKey",
    "Signer",
    "TrustedKey",
    "held_keys",
    "init_key",
    "load_signer",
    "load_signers_file",
]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_PREFIX = "ed25519:"


def check_name(name: str, what: str = "signer name") -> str:
    if not _NAME.match(name):
        raise MrpError(
            f"'{name}' is not a usable {what}: use letters, digits, '.', '_' or '-' "
            "(up to 64, starting with a letter or digit)."
        )
    return name


def _encode_private(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return _PREFIX + base64.b64encode(raw).decode("ascii")


def _decode_private(name: str, secret: str) -> Ed25519PrivateKey:
    try:
        if not secret.startswith(_PREFIX):
            raise ValueError
        raw = base64.b64decode(secret[len(_PREFIX) :], validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        raise MrpError(
            f"the keyring entry for '{name}' (service mrp) is not an mrp signing key; "
            f"remove it and run `mrp keys init --name {name} --role ROLE`."
        ) from None


def _private_key(name: str) -> Ed25519PrivateKey | None:
    secret = get_secret(check_name(name))
    return None if secret is None else _decode_private(name, secret)


def load_signer(workspace: Workspace, name: str, role: str | None = None) -> Signer:
    """The signer ``name`` on this machine, trusted by the workspace right now.

    Raises MrpError (exit 2) with the fix when the keyring is unusable, holds no key for
    ``name``, or ``signers.yaml`` does not trust (or has revoked) that key.
    """
    ensure_usable_keyring()
    key = _private_key(name)
    if key is None:
        raise MrpError(
            f"this machine's keyring holds no signing key for '{name}': create one with "
            f"`mrp keys init --name {name} --role ROLE`."
        )
    key_id = fingerprint(public_raw(key.public_key()))
    path = workspace.signers_path
    trusted = next((k for k in load_signers_file(path) if k.key_id == key_id), None)
    if trusted is None:
        raise MrpError(
            f"{path} does not list {name}'s key {key_id}: add it (its public half is shown by "
            f"`mrp keys show`) or run `mrp keys init --name {name} --role ROLE` here."
        )
    if trusted.name != name:
        raise MrpError(f"{path} lists key {key_id} for '{trusted.name}', not for '{name}'.")
    problem = trusted.problem_at(workspace.clock().now())
    if problem is not None:
        raise MrpError(f"{name}'s key {key_id} cannot sign now: {path} says so ({problem}).")
    return Signer.from_private_key(name, key, trusted.roles, role)


def init_key(
    workspace: Workspace,
    name: str,
    roles: str | Sequence[str],
    now: datetime | None = None,
) -> TrustedKey:
    """Make ``name``'s key pair (or reuse the one this keyring holds) and trust it here."""
    ensure_usable_keyring(storing=True)
    role_list = (roles,) if isinstance(roles, str) else tuple(roles)
    if not role_list:
        raise MrpError("a key needs at least one role: pass --role ROLE.")
    for role in role_list:
        check_name(role, "role")
    existing = _private_key(name)
    key = existing or Ed25519PrivateKey.generate()
    raw = public_raw(key.public_key())
    trusted = TrustedKey(
        name=name,
        key_id=fingerprint(raw),
        roles=tuple(dict.fromkeys(role_list)),
        public_key=base64.b64encode(raw).decode("ascii"),
        valid_from=(now or workspace.clock().now()).astimezone(UTC).replace(microsecond=0),
    )
    path = workspace.signers_path
    if any(k.key_id == trusted.key_id for k in load_signers_file(path)):
        raise MrpError(
            f"{path} already trusts {name}'s key {trusted.key_id}; nothing to do "
            "(edit its roles in that file)."
        )
    if existing is None:
        set_secret(name, _encode_private(key))
    try:
        add_trusted_key(path, trusted)
    except BaseException:
        if existing is None:
            delete_secret(name)
        raise
    return trusted


@dataclass(frozen=True)
class HeldKey:
    """A key this machine's keyring holds, and what ``signers.yaml`` says about it."""

    name: str
    key_id: str
    public_key: str
    trusted: TrustedKey | None
    problem: str | None
    """Why the workspace would refuse it now (not listed, other name, revoked), or None."""


def held_keys(workspace: Workspace, names: Iterable[str]) -> list[HeldKey]:
    """Which of ``names`` this machine's keyring holds a key for (keyrings cannot be
    listed, so the caller names the candidates: the signers file's names and the operator)."""
    ensure_usable_keyring()
    trusted = load_signers_file(workspace.signers_path)
    now = workspace.clock().now()
    held: list[HeldKey] = []
    for name in dict.fromkeys(names):
        if not _NAME.match(name):
            continue
        key = _private_key(name)
        if key is None:
            continue
        raw = public_raw(key.public_key())
        key_id = fingerprint(raw)
        entry = next((k for k in trusted if k.key_id == key_id), None)
        if entry is None:
            problem: str | None = "not listed in signers.yaml"
        elif entry.name != name:
            problem = f"listed for '{entry.name}'"
        else:
            problem = entry.problem_at(now)
        public = base64.b64encode(raw).decode("ascii")
        held.append(HeldKey(name, key_id, public, entry, problem))
    return held
