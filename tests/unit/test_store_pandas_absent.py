"""DuckDB's search for pandas at every statement with parameters is answered once."""

from __future__ import annotations

import importlib.util
import sys

import duckdb
import pytest

from console.store.db import with_session_settings


def test_an_absent_pandas_is_marked_absent_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    if importlib.util.find_spec("pandas") is not None:
        pytest.skip("pandas is installed here: nothing to mark")
    con = with_session_settings(duckdb.connect())
    assert "pandas" in sys.modules and sys.modules["pandas"] is None
    with pytest.raises(ImportError):
        import pandas  # noqa: F401
    assert con.execute("SELECT ? + 1", [41]).fetchone() == (42,)


def test_an_installed_pandas_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    found = object()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: found)
    with_session_settings(duckdb.connect())
    assert "pandas" not in sys.modules
