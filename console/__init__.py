"""mrp: a terminal operator console for Model Rollback Policies."""

from __future__ import annotations

from functools import cache


@cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mrp-console")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0+checkout"


def __getattr__(name: str) -> str:
    """``__version__`` is looked up on first use: importlib.metadata costs every command
    tens of milliseconds, and only ``mrp --version`` and the HTTP client's User-Agent ask."""
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
