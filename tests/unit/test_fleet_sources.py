"""Which sources' last syncs the console reports: only the ones the workspace configures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from console.fleet import source_health
from console.store import connect, sql


def test_a_source_taken_out_of_the_config_is_not_reported(tmp_path: Path) -> None:
    started = datetime(2026, 11, 14, 23, 0)
    finished = datetime(2026, 11, 14, 23, 1)
    with connect(tmp_path / "state.duckdb") as con:
        con.execute(sql("record_sync_run"), ["offline", started, finished, 10, 2, None, []])
        con.execute(sql("record_sync_run"), ["prom", started, finished, 0, 0, "prom is down.", []])
        assert [s.source for s in source_health(con, ["offline", "prom"])] == ["offline", "prom"]
        reported = source_health(con, ["offline"])
    assert [(s.source, s.error) for s in reported] == [("offline", None)]
