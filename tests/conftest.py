"""Fixtures every test gets: an isolated HOME (keyring file backend, user config) and
helpers to build throwaway workspaces."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """No test reads or writes the real user's keyring, config or MRP_HOME."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    # pytest-xdist's workers set COLUMNS=80 and LINES=24, to which the CLI would wrap its
    # output; tests read it as from a pipe (no terminal size) unless they set one.
    for name in ("MRP_HOME", "MRP_SIGNER", "MRP_NOW", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def sample_workspace(tmp_path: Path) -> Path:
    """A private copy of the demo workspace, not yet synced."""
    if not (SAMPLE_DATA / "mrp.toml").exists():
        pytest.fail("sample_data/ is missing: generate it with benchmarks/generate_fleet.py")
    target = tmp_path / "workspace"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns(".mrp"))
    return target


@pytest.fixture
def tiny_workspace(tmp_path: Path) -> Path:
    """A two-model files workspace small enough to read in a test."""
    root = tmp_path / "tiny"
    (root / "metrics").mkdir(parents=True)
    (root / "policies").mkdir()
    (root / "mrp.toml").write_text('operator = "alice"\n[sources.offline]\nkind = "files"\n')
    (root / "deployments.json").write_text(
        """{"models": [
 {"name": "fraud", "team": "risk", "risk_tier": "high", "tags": {"domain": "payments"},
  "versions": [{"version": "1", "created_at": "2026-11-01T00:00:00Z", "status": "approved",
                "baseline": {"accuracy": 0.95}},
               {"version": "2", "created_at": "2026-11-02T00:00:00Z", "status": "approved"}],
  "aliases": {"champion": "2"},
  "history": [{"alias": "champion", "version": "1", "at": "2026-11-01T00:00:00Z", "actor": "bob"},
              {"alias": "champion", "version": "2", "at": "2026-11-02T00:00:00Z", "actor": "carol"}]},
 {"name": "churn", "team": "growth", "risk_tier": "low",
  "versions": [{"version": "3", "created_at": "2026-11-01T00:00:00Z", "status": "approved"}],
  "aliases": {"champion": "3"},
  "history": [{"alias": "champion", "version": "3", "at": "2026-11-01T00:00:00Z", "actor": "dan"}]}
]}
"""
    )
    (root / "metrics" / "fraud.csv").write_text(
        "model,version,metric,ts,value\n"
        "fraud,2,accuracy,2026-11-02T00:01:00Z,0.93\n"
        "fraud,2,accuracy,2026-11-02T00:02:00Z,0.91\n"
        "fraud,2,accuracy,2026-11-02T00:03:00Z,0.87\n"
    )
    (root / "events.jsonl").write_text(
        '{"ts": "2026-11-02T00:02:30Z", "model": "fraud", "version": "2", "kind": "note", '
        '"severity": "low", "summary": "deploy looked fine"}\n'
    )
    return root
