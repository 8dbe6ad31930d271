"""Find the data folders (queries/, themes/, sample_data/) the same way from a checkout,
an editable install and an installed wheel (where hatchling puts them in console/_data/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mrp's '{name}' folder is missing from this installation")


def queries_dir() -> Path:
    return data_dir("queries")


def themes_dir() -> Path:
    return data_dir("themes")


def sample_data_dir() -> Path:
    return data_dir("sample_data")
