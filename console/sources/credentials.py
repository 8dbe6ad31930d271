"""What a network source authenticates with, kept in the keyring and nowhere else.

A source holds one kind of credentials: an API token (sent as ``Authorization: Bearer``)
or basic credentials, a username and password (sent as ``Authorization: Basic``). Storing
one kind removes the other; should both be stored anyway (removing the old kind failed),
the basic credentials are sent. An http source may also hold the secret that signs its
rollback webhook, which is not sent as credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from console.errors import MrpError
from console.secrets import delete_secret, get_secret, set_secret

CredentialKind = Literal["basic", "token", "none"]


def token_key(source: str) -> str:
    """The keyring key of a source's API token (sent as ``Authorization: Bearer``)."""
    return f"source:{source}"


def basic_key(source: str) -> str:
    """The keyring key of a source's username and password, one JSON object."""
    return f"source:{source}:basic-auth"


def signing_key(source: str) -> str:
    """The keyring key of a source's webhook signing secret (HMAC-SHA256)."""
    return f"source:{source}:signing-secret"


@dataclass(frozen=True)
class BasicCredentials:
    username: str
    password: str = field(repr=False)

    def problem(self) -> str | None:
        """Why these cannot be sent, in words that fit before ': nothing was stored'."""
        if not self.username:
            return "no username given"
        if ":" in self.username:
            return "a username for basic auth cannot contain ':'"
        if not self.password:
            return "no password given"
        return None


@dataclass(frozen=True)
class StoredCredentials:
    """What the keyring holds for one source."""

    token: str | None = field(default=None, repr=False)
    basic: BasicCredentials | None = None

    @property
    def kind(self) -> CredentialKind:
        """The kind that is sent."""
        if self.basic is not None:
            return "basic"
        return "token" if self.token is not None else "none"

    def describe(self) -> str:
        """What is stored, never a secret: "basic credentials for user 'x'", 'the token'."""
        if self.basic is not None and self.token is not None:
            return f"basic credentials for user '{self.basic.username}' and the token"
        if self.basic is not None:
            return f"basic credentials for user '{self.basic.username}'"
        return "the token" if self.token is not None else "nothing"


def stored_credentials(source: str) -> StoredCredentials:
    return StoredCredentials(get_secret(token_key(source)), _stored_basic(source))


def _stored_basic(source: str) -> BasicCredentials | None:
    text = get_secret(basic_key(source))
    if text is None:
        return None
    try:
        value = json.loads(text)
        found = BasicCredentials(str(value["username"]), str(value["password"]))
    except (ValueError, TypeError, KeyError):
        found = None
    if found is None or found.problem() is not None:
        raise MrpError(
            f"the basic credentials stored for source '{source}' cannot be read; "
            f"store them again with `mrp auth set {source} --basic`."
        )
    return found


def _what_is_stored(source: str) -> str:
    """``StoredCredentials.describe``, also when the basic credentials cannot be read."""
    try:
        return stored_credentials(source).describe()
    except MrpError:
        return "basic credentials that cannot be read"


def store_token(source: str, token: str) -> str:
    """Store ``token`` as the source's credentials; says what it replaced."""
    before = _what_is_stored(source)
    set_secret(token_key(source), token)
    delete_secret(basic_key(source))
    return before


def store_basic(source: str, credentials: BasicCredentials) -> str:
    """Store ``credentials`` as the source's credentials; says what they replaced."""
    before = _what_is_stored(source)
    value = {"username": credentials.username, "password": credentials.password}
    set_secret(basic_key(source), json.dumps(value))
    delete_secret(token_key(source))
    return before


def clear_credentials(source: str) -> str:
    """Remove the source's token and basic credentials; says what was removed."""
    before = _what_is_stored(source)
    delete_secret(token_key(source))
    delete_secret(basic_key(source))
    return before
