"""Secrets (private signing keys, source tokens) in the OS keyring, and nowhere else.

Everything mrp keeps secret lives under the keyring service ``mrp``; the username is the
secret's key: a signer's name for signing keys (names never contain ``:``), ``source:NAME``
style keys for source tokens. Headless machines pick a file backend with
``PYTHON_KEYRING_BACKEND`` (keyrings.alt's PlaintextKeyring, in the ``headless`` extra). A
backend that cannot store anything (keyring's ``fail`` or ``null`` backends), that would
stop to ask for a master password (keyrings.alt's ``EncryptedKeyring`` and its kind) or that
cannot be loaded is refused up front, and so is storing a secret in a plaintext file keyring
that keyring picked by itself (keyrings.alt installed, nothing chosen: the secret would sit in
a plain file nobody decided on), in one sentence saying what to do (never the thing
just tried), before a command does anything else: a prompt inside the TUI or a cron job
would hang it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shlex
import sys
from typing import Any

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.core
import keyring.errors

from console.errors import MrpError

SERVICE = "mrp"
PLAINTEXT_BACKEND = "keyrings.alt.file.PlaintextKeyring"
"""The file keyring for headless machines (keyrings.alt, the ``headless`` extra): a
deliberate choice, never a default."""
KEYCHAIN = (
    "use the OS keychain (macOS Keychain, Windows Credential Locker, or Secret Service on Linux)"
)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # its parent package is missing
        return False


def _pip_install(package: str) -> str:
    return f"`{shlex.quote(sys.executable)} -m pip install {package}`"


def _fix(tried: str | None = None) -> str:
    """What to do instead, in words that fit after a semicolon; never the backend just tried."""
    if tried == PLAINTEXT_BACKEND:
        return KEYCHAIN
    if _installed("keyrings.alt"):
        return (
            f"{KEYCHAIN}, or on a headless machine set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND}"
        )
    return (
        f"{KEYCHAIN}, or on a headless machine install keyrings.alt with "
        f"{_pip_install('keyrings.alt')} and set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND}"
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


def _chosen() -> bool:
    """Whether a backend was chosen, in ``PYTHON_KEYRING_BACKEND`` or keyring's config file,
    rather than detected by keyring from what is installed."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    try:
        return keyring.core.load_config() is not None
    except Exception:  # an unloadable config file: _backend has already said so if it matters
        return False


def _plaintext_by_itself(backend: Any) -> bool:
    """A plaintext file keyring that nobody chose, alone or first in keyring's chain (the
    link a secret is written to)."""
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        links = list(backend.backends)
        return bool(links) and _plaintext_by_itself(links[0])
    return _class_path(backend) == PLAINTEXT_BACKEND and not _chosen()


def _named_class_reason(named: str) -> str | None:
    """Why the class named by PYTHON_KEYRING_BACKEND is unusable, judged without building it."""
    module_name, _, class_name = named.rpartition(".")
    try:
        kind = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        return None
    return "would prompt for a master password" if hasattr(kind, "keyring_key") else None


def _load_failure(named: str | None, error: Exception) -> str:
    """Why the backend keyring was told to use did not load, and what to do instead."""
    if named is None:
        return f"the backend in keyring's config file cannot be loaded ({error}); {_fix()}"
    setting = f"PYTHON_KEYRING_BACKEND={named}"
    if _named_class_reason(named) is not None:
        return f"{setting} would prompt for a master password; {_fix(named)}"
    if isinstance(error, ModuleNotFoundError):
        if named.startswith("keyrings.alt.") and not _installed("keyrings.alt"):
            return (
                f"{setting} needs the keyrings.alt package, which is not installed where mrp "
                f"runs; install it with {_pip_install('keyrings.alt')}"
            )
        return (
            f"{setting} cannot be loaded: there is no module '{error.name}' where mrp runs; "
            f"install the package that provides it, or {_fix(named)}"
        )
    module_name, _, class_name = named.rpartition(".")
    if isinstance(error, AttributeError):
        return f"{setting} cannot be loaded: {module_name} has no {class_name}; {_fix(named)}"
    return f"{setting} cannot be loaded ({str(error).rstrip('.')}); {_fix(named)}"


def _backend() -> Any:
    try:
        return keyring.get_keyring()
    except Exception as error:  # a bad PYTHON_KEYRING_BACKEND fails while loading
        named = os.environ.get("PYTHON_KEYRING_BACKEND")
        raise MrpError(f"no usable keyring backend: {_load_failure(named, error)}.") from None


def ensure_usable_keyring(*, storing: bool = False) -> None:
    """Raise MrpError (exit 2) unless the keyring can store and return secrets unattended.
    ``storing`` (a secret is about to be written): also unless keyring picked the plaintext
    file keyring by itself. Reading from it stays possible: what it holds was put there when
    it was chosen, and a source without a token only looks."""
    backend = _backend()
    if storing and _plaintext_by_itself(backend):
        raise MrpError(
            f"no usable keyring backend: keyring picked {PLAINTEXT_BACKEND} by itself because "
            f"keyrings.alt is installed, and a plaintext file keyring is used only when chosen; "
            f"{KEYCHAIN}, or set PYTHON_KEYRING_BACKEND={PLAINTEXT_BACKEND} to choose it."
        )
    reason = _why_unusable(backend)
    if reason is not None:
        chosen = _class_path(backend)
        raise MrpError(
            f"no usable keyring backend: keyring chose {chosen}, which {reason}; {_fix(chosen)}."
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
    ensure_usable_keyring(storing=True)
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
