"""What `mrp sync` prints for a files source whose metric files did not change since the
last sync: what is stored, not "0 points" as if the metrics were gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp


def test_unchanged_metric_files_say_no_new_points_since_the_newest_sample(
    capsys: pytest.CaptureFixture[str], tiny_workspace: Path
) -> None:
    first = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("offline (files): 2 models, 3 points in ")

    again = run_mrp(capsys, "sync", "-w", tiny_workspace)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith(
        "offline (files): 2 models, no new points since 2026-11-02T00:03:00Z ("
    )
    assert again.stderr == ""
    as_json = run_mrp(capsys, "sync", "--json", "-w", tiny_workspace).json()
    assert as_json["sources"][0]["last_sample"] == "2026-11-02T00:03:00Z"
    assert as_json["warnings"] == []
