"""mrp: a terminal operator console for Model Rollback Policies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mrp-console")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+checkout"
