"""The one error type a user can cause; faces print its sentence and exit with its code.

The sentence follows a label: ``mrp: `` on the command line (as in ``cp: cannot stat``),
``policies: `` or ``Could not ...: `` in the console. So it starts lower-case, unless its
first word is a name that keeps its case (a path, a model, an option, MLflow), and ends
with a period. One-line notices on stdout that say there is nothing to show follow the same rule
("no records yet: ...").
"""

from __future__ import annotations


class MrpError(Exception):
    """A failure explained in one sentence (the module says how it is written). ``exit_code``
    follows the command contract: 1 = done, but something the user asked about is wrong;
    2 = could not do what was asked."""

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
