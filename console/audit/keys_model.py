"""Keys as values: a trusted public key from ``signers.yaml`` and a signer holding a private key.

Kept apart from the keyring and the YAML file so verification workers can rebuild keys from
plain data without touching either.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from console.clock import format_time
from console.errors import MrpError


def fingerprint(public_raw: bytes) -> str:
    """A key's ``key_id``: the first 16 hex digits of SHA-256 over the raw public key.

    Short enough to read aloud; a collision would not help a forger, because the
    signature is still checked against the full public key listed for that id.
    """
    return hashlib.sha256(public_raw).hexdigest()[:16]


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class TrustedKey:
    """One entry of ``signers.yaml``."""

    name: str
    key_id: str
    roles: tuple[str, ...]
    public_key: str
    """base64 of the 32 raw public key bytes."""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    """The key signs nothing at or after this instant (revocation)."""

    def public(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(self.public_key))

    def verifies(self, signature: bytes, message: bytes) -> bool:
        try:
            self.public().verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def problem_at(self, moment: datetime) -> str | None:
        """Why this key may not sign at ``moment``, or None when it may."""
        if self.valid_from is not None and moment < self.valid_from:
            return f"before it became valid at {format_time(self.valid_from)}"
        if self.valid_until is not None and moment >= self.valid_until:
            return f"after it was revoked at {format_time(self.valid_until)}"
        return None

    def identity(self) -> str:
        """Everything about the key that affects verification, as one line."""
        since = format_time(self.valid_from) if self.valid_from else "-"
        until = format_time(self.valid_until) if self.valid_until else "-"
        roles = ",".join(sorted(self.roles))
        return f"{self.key_id} {self.name} {self.public_key} {roles} {since} {until}"


@dataclass(frozen=True)
class Signer:
    """Someone who can sign right now: a name, its trusted key id and roles, and the private
    key (never printed, never compared). ``role`` is the role the next records are signed as."""

    name: str
    key_id: str
    roles: tuple[str, ...]
    role: str | None
    _private: Ed25519PrivateKey = field(repr=False, compare=False)

    @classmethod
    def from_private_key(
        cls, name: str, key: Ed25519PrivateKey, roles: tuple[str, ...], role: str | None = None
    ) -> Signer:
        chosen = role if role is not None else (roles[0] if roles else None)
        signer = cls(name, fingerprint(public_raw(key.public_key())), roles, None, key)
        return signer.with_role(chosen) if chosen is not None else signer

    def with_role(self, role: str) -> Signer:
        """The same signer signing as ``role``, which its key must hold."""
        if role not in self.roles:
            held = ", ".join(self.roles) or "none"
            raise MrpError(
                f"{self.name}'s key {self.key_id} does not hold the role '{role}' "
                f"(it holds: {held})."
            )
        return replace(self, role=role)

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def public_key(self) -> Ed25519PublicKey:
        return self._private.public_key()
