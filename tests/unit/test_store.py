"""The state database: migrations, refusal of newer files, and sharing between processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from console.errors import StoreError
from console.store import connect
from console.store.migrations import latest_version
from tests.unit.cli_helpers import run_mrp


def test_schema_is_created_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "state.duckdb"
    with connect(path) as con:
        versions = [
            row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()
        ]
    assert versions == list(range(1, latest_version() + 1))


def test_a_file_from_a_newer_mrp_is_refused(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    db = tiny_workspace / ".mrp" / "state.duckdb"
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO schema_migrations VALUES (999, '999_future', now()::TIMESTAMP)")
    con.close()
    result = run_mrp(capsys, "status", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "newer mrp" in result.stderr and "schema 999" in result.stderr
    with pytest.raises(StoreError), connect(db):
        pass


def _mrp(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "console", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=os.environ.copy(),
    )


def test_two_status_runs_at_once_both_succeed(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    runs = [_mrp("status", "--json", "-w", str(tiny_workspace)) for _ in range(4)]
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        assert '"fraud"' in out


def test_status_while_another_process_holds_the_database(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    """A writer holding the file for a moment (as sync does) delays status, never fails it."""
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    db = tiny_workspace / ".mrp" / "state.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(1.5); c.close()",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    status = _mrp("status", "--json", "-w", str(tiny_workspace))
    out, err = status.communicate(timeout=60)
    holder.wait(timeout=30)
    assert status.returncode == 0, err
    assert '"fraud"' in out
    assert time.monotonic() - started >= 0.5


def test_status_during_sync_runs(
    capsys: pytest.CaptureFixture[str], sample_workspace: Path
) -> None:
    sync = _mrp("sync", "-w", str(sample_workspace))
    time.sleep(0.3)
    statuses = []
    while sync.poll() is None and len(statuses) < 3:
        statuses.append(_mrp("status", "--json", "-w", str(sample_workspace)))
        time.sleep(0.5)
    assert sync.wait(timeout=120) == 0, sync.communicate()[1]
    assert statuses, "sync finished before any status started"
    for status in statuses:
        _, err = status.communicate(timeout=60)
        assert status.returncode == 0 or "has no state yet" in err, err


def test_a_store_from_schema_3_with_states_upgrades_and_refreshes(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    (tiny_workspace / "policies" / "floor.yaml").write_text(
        "apiVersion: mrp/v1\n"
        "kind: RollbackPolicy\n"
        "metadata: {name: floor}\n"
        "spec:\n"
        "  triggers:\n"
        '    - {name: accuracy-floor, metric: accuracy, op: "<", threshold: 0.9}\n'
        '    - {name: accuracy-drop, metric: accuracy, baseline: registered, op: "<", '
        "degradation: 5%}\n"
    )
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    before = run_mrp(capsys, "status", "-w", tiny_workspace).exit_code
    db = tiny_workspace / ".mrp" / "state.duckdb"
    con = duckdb.connect(str(db))
    stored = con.execute("SELECT count(*) FROM trigger_states").fetchone()
    con.execute("DROP TABLE trigger_rule_inputs")  # as the mrp before schema 4 left it
    con.execute("ALTER TABLE sync_runs DROP COLUMN warnings")
    con.execute("DELETE FROM schema_migrations WHERE version >= 4")
    con.close()
    assert stored == (4,)  # two models x two triggers
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert run_mrp(capsys, "status", "-w", tiny_workspace).exit_code == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM trigger_states").fetchone() == stored
    assert con.execute("SELECT count(*) FROM trigger_rule_inputs").fetchone() == (1,)
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (
        latest_version(),
    )
    con.close()
