"""Secrets (private signing keys, source tokens) in the OS keyring, and nowhere else.

Everything mrp keeps secret lives under the keyring service ``mrp``; the username is the
secret's key: a signer's name for signing keys (names never contain ``:``), ``source:NAME``
style keys for source tokens. Headless machines pick a file backend with
``PYTHON_KEYRING_BACKEND``. A backend that cannot store anything (keyring's ``fail`` or
``null`` backends) or that would stop to ask for a master password (keyrings.alt's
``EncryptedKeyring`` and its kind) is refused up front, in one sentence with the fix, before
a command does anything else: a prompt inside the TUI or a cron job would hang it.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from console.errors import MrpError

SERVICE = "mrp"
FIX = (
    "use the OS keychain (macOS Keychain, Windows Credential Locker, or Secret Service on "
    "Linux), or on a headless machine set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring"
)


def _class_path(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _why_unusable(backend: Any) -> str | None:
    """Why ``backend`` cannot hold mrp's secrets without help, or None when it can."""
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return "cannot store secrets"
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        links = list(backend.backends)
        if not links:
            return "cannot store secrets"
        return next((r for r in map(_why_unusable, links) if r is not None), None)
    # File keyrings that encrypt with a master password hold it in ``keyring_key``: a
    # property that prompts on first use unless the instance already carries the key.
    if hasattr(type(backend), "keyring_key") and "keyring_key" not in vars(backend):
        return "would prompt for a master password"
    return None


def _named_class_reason(named: str) -> str | None:
    """Why the class named by PYTHON_KEYRING_BACKEND is unusable, judged without building it."""
    module_name, _, class_name = named.rpartition(".")
    try:
        kind = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        return None
    return "would prompt for a master password" if hasattr(kind, "keyring_key") else None


def _backend() -> Any:
    try:
        return keyring.get_keyring()
    except Exception as error:  # a bad PYTHON_KEYRING_BACKEND fails while loading
        named = os.environ.get("PYTHON_KEYRING_BACKEND", "the configured keyring backend")
        reason = _named_class_reason(named) or f"cannot be loaded ({error})"
        raise MrpError(f"no usable keyring backend: {named} {reason}; {FIX}.") from None


def ensure_usable_keyring() -> None:
    """Raise MrpError (exit 2) unless the keyring can store and return secrets unattended."""
    backend = _backend()
    reason = _why_unusable(backend)
    if reason is not None:
        raise MrpError(
            f"no usable keyring backend: keyring chose {_class_path(backend)}, which {reason}; "
            f"{FIX}."
        )


def _check_key(service_key: str) -> None:
    if not service_key or service_key != service_key.strip():
        raise ValueError(f"not a usable secret key: {service_key!r}")


def get_secret(service_key: str) -> str | None:
    """The secret stored under ``service_key`` in service ``mrp``, or None."""
    _check_key(service_key)
    ensure_usable_keyring()
    try:
        value = _backend().get_password(SERVICE, service_key)
    except keyring.errors.KeyringError as error:
        raise MrpError(f"the keyring refused to read '{service_key}': {error}.") from None
    return value if isinstance(value, str) else None


def set_secret(service_key: str, value: str) -> None:
    """Store ``value`` under ``service_key`` in service ``mrp``, replacing any old value."""
    _check_key(service_key)
    ensure_usable_keyring()
    try:
        _backend().set_password(SERVICE, service_key, value)
    except keyring.errors.KeyringError as error:
        raise MrpError(f"the keyring refused to store '{service_key}': {error}.") from None


def delete_secret(service_key: str) -> bool:
    """Remove the secret; False when there was none."""
    _check_key(service_key)
    ensure_usable_keyring()
    try:
        _backend().delete_password(SERVICE, service_key)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as error:
        raise MrpError(f"the keyring refused to delete '{service_key}': {error}.") from None
    return True
