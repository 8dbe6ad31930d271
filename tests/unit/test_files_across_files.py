"""The files source's metric files as one history: a series given in two files, and a sync
that rewrites only what changed, through `mrp sync`."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.unit.cli_helpers import Result, run_mrp
from tests.unit.test_files_walkthrough import _metrics, _rows, _sentence

HEADER = "model,version,metric,ts,value\n"
RULE = "(a series has one value at a time; a row repeated with the same value is fine)."


def _sync(capsys: pytest.CaptureFixture[str], workspace: Path) -> Result:
    result = run_mrp(capsys, "sync", "-w", workspace)
    assert result.exit_code == 0, result.stderr
    return result


def _as_if_synced_once(capsys: pytest.CaptureFixture[str], workspace: Path, tmp: Path) -> None:
    """What a first sync of the same files stores equals what the syncs stored."""
    fresh = tmp / "fresh"
    shutil.copytree(workspace, fresh, ignore=shutil.ignore_patterns(".mrp"))
    _sync(capsys, fresh)
    assert _metrics(workspace) == _metrics(fresh)


def test_two_values_for_one_series_in_two_files_name_both_files(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    _sync(capsys, tiny_workspace)
    before = _metrics(tiny_workspace)
    (tiny_workspace / "metrics" / "replay.csv").write_text(
        HEADER + "fraud,2,accuracy,2026-11-02T00:05:00Z,0.8\n"
        "fraud,2,accuracy,2026-11-02T00:02:00Z,0.5\n"
    )
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert _sentence(result).endswith(
        "replay.csv: line 3: fraud version 2 accuracy at 2026-11-02T00:02:00Z is 0.5 here but "
        f"0.91 on line 3 of fraud.csv {RULE}"
    )
    assert _metrics(tiny_workspace) == before


def test_a_conflict_between_files_is_found_on_a_first_sync_and_in_parquet_by_row(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT 'fraud' AS model, '2' AS version, 'accuracy' AS metric, "
        "TIMESTAMPTZ '2026-11-02 02:03:00+02' AS ts, 0.5 AS value) "
        f"TO '{tiny_workspace / 'metrics' / 'export.parquet'}'"
    )
    con.close()
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert _sentence(result).endswith(
        "fraud.csv: line 4: fraud version 2 accuracy at 2026-11-02T00:03:00Z is 0.87 here but "
        f"0.5 on row 1 of export.parquet {RULE}"
    )
    assert not (tiny_workspace / ".mrp" / "state.duckdb").exists() or _metrics(tiny_workspace) == []


def test_a_point_repeated_in_another_file_is_stored_once_and_not_counted_again(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    _sync(capsys, tiny_workspace)
    (tiny_workspace / "metrics" / "copy.csv").write_text(
        HEADER + "fraud,2,accuracy,2026-11-02T00:02:00+00:00,0.91\n"
        "fraud,2,accuracy,2026-11-02T00:04:00Z,0.88\n"
    )
    result = _sync(capsys, tiny_workspace)
    assert "offline (files): 2 models, 1 point in" in result.stdout
    assert _rows(tiny_workspace, "SELECT count(*) FROM metrics") == [(4,)]
    (tiny_workspace / "metrics" / "copy.csv").unlink()
    gone = _sync(capsys, tiny_workspace)
    assert "1 stored point is no longer in its metric files" in gone.stderr
    assert _rows(tiny_workspace, "SELECT count(*) FROM metrics") == [(3,)]


def test_changed_renamed_and_removed_files_leave_what_a_first_sync_would_store(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, tmp_path: Path
) -> None:
    metrics = tiny_workspace / "metrics"
    (metrics / "churn.csv").write_text(
        HEADER
        + "churn,3,accuracy,2026-11-02T00:01:00Z,0.8\nchurn,3,accuracy,2026-11-02T00:02:00Z,0.7\n"
    )
    (metrics / "latency.csv").write_text(HEADER + "fraud,2,latency,2026-11-02T00:01:00Z,0.2\n")
    _sync(capsys, tiny_workspace)
    (metrics / "fraud.csv").write_text(
        HEADER + "fraud,2,accuracy,2026-11-02T00:01:00Z,0.93\n"
        "fraud,2,accuracy,2026-11-02T00:02:00Z,0.92\n"
    )
    changed = _sync(capsys, tiny_workspace)
    assert "offline (files): 2 models, 1 point in" in changed.stdout
    assert "2 stored points are no longer in its metric files" in changed.stderr
    _as_if_synced_once(capsys, tiny_workspace, tmp_path / "a")
    (metrics / "latency.csv").rename(metrics / "fraud-latency.csv")
    (metrics / "churn.csv").write_text(HEADER + "churn,3,drift,2026-11-02T00:01:00Z,0.1\n")
    moved = _sync(capsys, tiny_workspace)
    assert "2 stored points are no longer in its metric files" in moved.stderr
    assert _rows(tiny_workspace, "SELECT DISTINCT metric FROM metrics WHERE model = 'churn'") == [
        ("drift",)
    ]
    _as_if_synced_once(capsys, tiny_workspace, tmp_path / "b")
    assert _rows(
        tiny_workspace,
        "SELECT metric, last_ts FROM watermarks WHERE model = 'churn' ORDER BY metric",
    ) == [
        ("drift", _rows(tiny_workspace, "SELECT max(ts) FROM metrics WHERE model = 'churn'")[0][0])
    ]


def test_an_unchanged_file_beside_a_changed_one_is_not_counted_again(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    log = tiny_workspace / "metrics" / "churn.csv"
    log.write_text(HEADER + "churn,3,accuracy,2026-11-02T00:01:00Z,0.8\n")
    _sync(capsys, tiny_workspace)
    with log.open("a") as appending:
        appending.write("churn,3,accuracy,2026-11-02T00:02:00Z,0.7\n")
    grown = _sync(capsys, tiny_workspace)
    assert "offline (files): 2 models, 1 point in" in grown.stdout
    assert grown.stderr == ""
    touched = tiny_workspace / "metrics" / "fraud.csv"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    again = _sync(capsys, tiny_workspace)
    assert "no new points" in again.stdout
    assert again.stderr == ""
    assert _rows(tiny_workspace, "SELECT count(*) FROM metrics") == [(5,)]


def test_a_state_database_without_the_record_of_each_file_is_brought_to_the_files(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, tmp_path: Path
) -> None:
    """As after an upgrade from a version that kept only the folder's fingerprint."""
    _sync(capsys, tiny_workspace)
    con = duckdb.connect(str(tiny_workspace / ".mrp" / "state.duckdb"))
    con.execute("DELETE FROM source_state WHERE key = 'metric_files'")
    con.execute(
        "INSERT INTO metrics VALUES ('old', '1', 'accuracy', '2026-10-01 00:00:00', 0.5, 'offline')"
    )
    con.close()
    (tiny_workspace / "metrics" / "fraud.csv").write_text(
        HEADER + "fraud,2,accuracy,2026-11-02T00:01:00Z,0.93\n"
        "fraud,2,accuracy,2026-11-02T00:02:00Z,0.91\n"
        "fraud,2,accuracy,2026-11-02T00:03:00Z,0.86\n"
    )
    result = _sync(capsys, tiny_workspace)
    assert "offline (files): 2 models, 1 point in" in result.stdout
    assert "2 stored points are no longer in its metric files" in result.stderr
    _as_if_synced_once(capsys, tiny_workspace, tmp_path)


def test_csv_files_with_their_own_delimiters_are_each_read_as_written(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    (tiny_workspace / "metrics" / "excel.csv").write_text(
        "model;version;metric;ts;value\nchurn;3;accuracy;2026-11-02T00:01:00Z;0.8\n"
    )
    _sync(capsys, tiny_workspace)
    assert _rows(tiny_workspace, "SELECT model, value FROM metrics WHERE model = 'churn'") == [
        ("churn", 0.8)
    ]


class _Folder:
    """Metric files as a team's scripts leave them: each file holds a stretch of minutes of
    one model; a model's values depend on its generation, so files agree where they
    overlap; every write moves the file's time forward."""

    def __init__(self, metrics: Path) -> None:
        self.metrics = metrics
        self.files: dict[str, tuple[str, int, int]] = {}
        self.generation: dict[str, int] = {"fraud": 0, "churn": 0}
        self.clock = 1_800_000_000 * 10**9

    def write(self, name: str, model: str, start: int, end: int) -> None:
        version = "2" if model == "fraud" else "3"
        lines = [
            f"{model},{version},accuracy,2026-11-02T{minute // 60:02d}:{minute % 60:02d}:00Z,"
            f"{round(0.5 + ((minute * 7 + self.generation[model] * 13) % 40) / 100, 2)}\n"
            for minute in range(start, end)
        ]
        path = self.metrics / name
        path.write_text(HEADER + "".join(lines))
        self.clock += 10**9
        os.utime(path, ns=(self.clock, self.clock))
        self.files[name] = (model, start, end)

    def step(self, pick: random.Random) -> None:
        action = pick.choice(["add", "append", "remove", "rename", "regenerate", "shrink"])
        if action == "add" or not self.files:
            start = pick.randrange(0, 100)
            self.write(
                f"f{pick.randrange(10**6)}.csv",
                pick.choice(["fraud", "churn"]),
                start,
                start + pick.randrange(1, 30),
            )
            return
        name = pick.choice(sorted(self.files))
        model, start, end = self.files[name]
        if action == "append":
            self.write(name, model, start, end + pick.randrange(1, 10))
        elif action == "shrink":
            self.write(name, model, start, max(start + 1, end - pick.randrange(1, 10)))
        elif action == "remove":
            (self.metrics / name).unlink()
            del self.files[name]
        elif action == "rename":
            (self.metrics / name).rename(self.metrics / f"r{name}")
            self.files[f"r{name}"] = self.files.pop(name)
        else:
            self.generation[model] += 1
            for other, (owner, first, last) in list(self.files.items()):
                if owner == model:
                    self.write(other, owner, first, last)


@pytest.mark.parametrize("seed", [1, 2])
def test_any_sequence_of_changes_leaves_what_a_first_sync_would_store(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, tmp_path: Path, seed: int
) -> None:
    (tiny_workspace / "metrics" / "fraud.csv").unlink()
    folder = _Folder(tiny_workspace / "metrics")
    pick = random.Random(seed)
    for number in range(8):
        folder.step(pick)
        _sync(capsys, tiny_workspace)
        _as_if_synced_once(capsys, tiny_workspace, tmp_path / str(number))
