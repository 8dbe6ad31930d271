"""A team whose metrics come as plain files: what real files look like (offsets, line ends
of two kinds, a log still being appended to, duplicates) through `mrp sync`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.unit.cli_helpers import Result, run_mrp

HEADER = "model,version,metric,ts,value\n"
REPO = Path(__file__).resolve().parents[2]


def _rows(workspace: Path, query: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(workspace / ".mrp" / "state.duckdb"), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _metrics(workspace: Path) -> list[tuple[object, ...]]:
    return _rows(workspace, "SELECT model, version, metric, ts, value FROM metrics ORDER BY ALL")


def _sentence(result: Result) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("mrp: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _lines(count: int) -> str:
    """``count`` samples of fraud version 2, one a minute from 2026-11-03T00:00:00Z (after
    the fixture's fraud.csv, which a log must not contradict)."""
    start = datetime(2026, 11, 3)
    return "".join(
        f"fraud,2,accuracy,{start + timedelta(minutes=i):%Y-%m-%dT%H:%M:%SZ},0.9\n"
        for i in range(count)
    )


def _refused(capsys: pytest.CaptureFixture[str], workspace: Path, name: str, content: bytes) -> str:
    """Sync once, write ``metrics/name``, sync again: exit 2, nothing stored changed."""
    assert run_mrp(capsys, "sync", "-w", workspace).exit_code == 0
    before = _metrics(workspace)
    (workspace / "metrics" / name).write_bytes(content)
    result = run_mrp(capsys, "sync", "-w", workspace)
    assert result.exit_code == 2, result.stderr
    assert _metrics(workspace) == before
    sentence = _sentence(result)
    assert f"metrics/{name}: " in sentence
    return sentence


def test_times_with_an_offset_are_stored_in_utc(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    (tiny_workspace / "metrics" / "berlin.csv").write_text(
        HEADER + "churn,3,accuracy,2026-11-02T02:04:00+02:00,0.8\n"
        "churn,3,accuracy,2026-11-02T00:05:00,0.7\n"
        "churn,3,accuracy,2026-11-01T19:06:00-05:00,0.6\n"
    )
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert _rows(
        tiny_workspace, "SELECT ts, value FROM metrics WHERE model = 'churn' ORDER BY ts"
    ) == [
        (datetime(2026, 11, 2, 0, 4), 0.8),
        (datetime(2026, 11, 2, 0, 5), 0.7),
        (datetime(2026, 11, 2, 0, 6), 0.6),
    ]


def test_parquet_times_with_a_zone_are_stored_in_utc_whatever_the_machine_zone(
    tiny_workspace: Path,
) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    con.execute(
        "COPY (SELECT 'churn' AS model, '3' AS version, 'accuracy' AS metric, "
        "TIMESTAMPTZ '2026-11-02 00:04:00+00' AS ts, 0.8 AS value) "
        f"TO '{tiny_workspace / 'metrics' / 'zoned.parquet'}'"
    )
    con.close()
    env = {**os.environ, "TZ": "America/New_York"}
    done = subprocess.run(
        [sys.executable, "-m", "console", "sync", "-w", str(tiny_workspace)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _rows(tiny_workspace, "SELECT ts FROM metrics WHERE model = 'churn'") == [
        (datetime(2026, 11, 2, 0, 4),)
    ]


def test_line_ends_of_two_kinds_name_the_first_line_that_differs(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    written_by_python = (HEADER + _lines(3)).replace("\n", "\r\n")
    appended_by_shell = "fraud,2,accuracy,2026-11-03T01:00:00Z,0.9\n"
    sentence = _refused(
        capsys, tiny_workspace, "log.csv", (written_by_python + appended_by_shell).encode()
    )
    assert "log.csv: line 5: ends with \\n (LF) where the lines before end with \\r\\n (CRLF)" in (
        sentence
    )


def test_a_line_with_a_field_too_many_is_named_by_its_line(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    lines = (HEADER + _lines(6000)).splitlines(keepends=True)
    lines[4999] = "fraud,2,accuracy,2026-11-06T23:59:00Z,0,93\n"
    sentence = _refused(capsys, tiny_workspace, "big.csv", "".join(lines).encode())
    assert sentence.endswith("big.csv: line 5000: 6 fields where the header has 5.")


def test_a_bad_number_is_named_by_its_line_not_its_row(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    lines = (HEADER + _lines(6000)).splitlines(keepends=True)
    lines[4999] = "fraud,2,accuracy,2026-11-06T23:59:00Z,n/a\n"
    sentence = _refused(capsys, tiny_workspace, "big.csv", "".join(lines).encode())
    assert sentence.endswith("big.csv: line 5000: value 'n/a' is not a number.")


def test_a_last_line_still_being_written_says_so(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    sentence = _refused(
        capsys, tiny_workspace, "log.csv", (HEADER + _lines(2) + "fraud,2,acc").encode()
    )
    assert "log.csv: line 4, the last, has 3 of the 5 fields of the header and no line end" in (
        sentence
    )


def test_an_empty_file_says_it_is_empty(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    sentence = _refused(capsys, tiny_workspace, "new.csv", b"")
    assert sentence.endswith(
        "new.csv: the file is empty; a metrics file starts with the header line "
        "model,version,metric,ts,value."
    )


def test_a_header_typo_shows_the_header(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    content = (HEADER.replace("value", "vaule") + _lines(2)).encode()
    sentence = _refused(capsys, tiny_workspace, "typo.csv", content)
    assert "missing column value (its header is model,version,metric,ts,vaule;" in sentence


def test_repeated_rows_are_stored_once_and_conflicting_ones_name_both_lines(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    log = tiny_workspace / "metrics" / "log.csv"
    log.write_text(HEADER + _lines(3) + _lines(3))
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert _rows(tiny_workspace, "SELECT count(*) FROM metrics WHERE ts = '2026-11-03 00:00'") == [
        (1,)
    ]
    sentence = _refused(
        capsys,
        tiny_workspace,
        "log.csv",
        (HEADER + _lines(3) + "fraud,2,accuracy,2026-11-03T00:01:00Z,0.5\n").encode(),
    )
    assert sentence.endswith(
        "log.csv: line 5: fraud version 2 accuracy at 2026-11-03T00:01:00Z is 0.5 here but 0.9 "
        "on line 3 (a series has one value at a time; a row repeated with the same value is fine)."
    )


def test_a_growing_log_counts_only_its_new_points_and_nan_is_no_sample(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    log = tiny_workspace / "metrics" / "log.csv"
    log.write_text(HEADER + _lines(3))
    first = run_mrp(capsys, "sync", "--json", "-w", tiny_workspace)
    assert first.json()["sources"][0]["points"] == 6  # fraud.csv's three and the log's
    with log.open("a") as appending:
        appending.write("fraud,2,accuracy,2026-11-03T00:03:00Z,0.8\n")
        appending.write("fraud,2,accuracy,2026-11-03T00:04:00Z,NaN\n")
    grown = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert grown.exit_code == 0
    assert "offline (files): 2 models, 1 point in" in grown.stdout
    assert grown.stderr == ""


def test_points_gone_from_the_files_are_named_when_removed(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    (tiny_workspace / "metrics" / "fraud.csv").write_text(HEADER)
    emptied = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert emptied.exit_code == 0
    assert (
        "warning: offline: 3 stored points are no longer in its metric files (a file removed, "
        "emptied or rewritten) and were removed from the state database." in emptied.stderr
    )
    assert _metrics(tiny_workspace) == []


def test_a_file_of_another_kind_in_metrics_is_named(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    (tiny_workspace / "metrics" / "accuracy.json").write_text("[]")
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 0
    assert (
        "warning: offline: metrics/accuracy.json is not read: a metric file ends in .csv or "
        ".parquet." in result.stderr
    )


def test_history_in_mixed_offsets_is_ordered_by_time_and_errors_name_the_entry(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    path = tiny_workspace / "deployments.json"
    data = json.loads(path.read_text())
    fraud = data["models"][0]
    fraud["history"] = [
        {"alias": "champion", "version": "2", "at": "2026-11-02T01:00:00+02:00"},
        {"alias": "champion", "version": "1", "at": "2026-11-01T22:30:00Z"},
    ]
    path.write_text(json.dumps(data))
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert _rows(
        tiny_workspace,
        "SELECT version, previous_version, switched_at FROM deployment_events "
        "WHERE model = 'fraud' ORDER BY switched_at",
    ) == [("1", None, datetime(2026, 11, 1, 22, 30)), ("2", "1", datetime(2026, 11, 1, 23, 0))]
    fraud["history"][1]["at"] = "01/11/2026 22:30"
    path.write_text(json.dumps(data))
    result = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert result.exit_code == 2
    assert "models[0] (fraud).history[1].at: '01/11/2026 22:30' is not an RFC 3339 time." in (
        _sentence(result)
    )


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-11-02T00:04:00Z", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-02T00:04:00z", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-02 00:04:00", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-02T00:04:00.250", datetime(2026, 11, 2, 0, 4, 0, 250000)),
        ("2026-11-02T05:34:00+0530", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-01T22:34:00-01:30", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-02T02:04:00+02", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-02 01:04:00 Europe/Berlin", datetime(2026, 11, 2, 0, 4)),
        ("2026-11-02", datetime(2026, 11, 2)),
    ],
)
def test_the_forms_a_time_is_written_in_are_stored_in_utc(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path, written: str, stored: datetime
) -> None:
    (tiny_workspace / "metrics" / "churn.csv").write_text(
        HEADER + f"churn,3,accuracy,{written},0.8\n"
    )
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    assert _rows(tiny_workspace, "SELECT ts FROM metrics WHERE model = 'churn'") == [(stored,)]
