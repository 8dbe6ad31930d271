"""The one error type a user can cause; faces print its sentence and exit with its code."""

from __future__ import annotations


class MrpError(Exception):
    """A failure explained in one sentence. ``exit_code`` follows the command contract:
    1 = done, but something the user asked about is wrong; 2 = could not do what was asked."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class ConfigError(MrpError):
    """mrp.toml, policies, signers.yaml or a data file is missing or malformed."""


class StoreError(MrpError):
    """The state database is locked, too new, or unreadable."""


class SourceError(MrpError):
    """An upstream system failed; stored data is kept."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=1)
