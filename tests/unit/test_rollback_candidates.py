"""`mrp rollback`'s candidate lines lead with the metric of the trigger that fired, beside its
value now, as the console's target step does (one choice, console/runbook/fired.py); an
event trigger, which has no metric, leaves the first metrics by name. On the demo workspace."""

from __future__ import annotations

import io
from collections.abc import Iterator

import keyring
import pytest

from console.runbook.drill import drill_signers
from console.runbook.fired import FiredMetric, metrics_text, shown_metrics
from console.runbook.model import Candidate
from console.runbook.present import candidate_lines
from console.settings import Workspace, open_workspace
from console.sources.sync import sync_workspace
from console.tui.screens.runbook_target import metrics_then
from console.workspace_init import copy_sample_workspace
from tests.unit.cli_helpers import run_mrp


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    before = keyring.get_keyring()
    ws = open_workspace(copy_sample_workspace(tmp_path_factory.mktemp("c") / "demo"))
    drill_signers(ws)
    assert all(o.ok for o in sync_workspace(ws))
    yield ws
    keyring.set_keyring(before)


def targets(capsys: pytest.CaptureFixture[str], ws: Workspace, model: str) -> list[str]:
    """The candidate lines `mrp rollback MODEL` prints (refused at the phrase: nothing
    written)."""
    import sys

    saved, sys.stdin = sys.stdin, io.StringIO("")
    try:
        result = run_mrp(capsys, "rollback", model, "--dry-run", "--yes", "--reason", "r",
                         "--as", "alice", "--confirm", "wrong", "-w", str(ws.root))  # fmt: skip
    finally:
        sys.stdin = saved
    assert result.exit_code == 2 and "confirmation phrase does not match" in result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("targets (previous_approved):") + 1
    return lines[start : lines.index("pre-checks:")]


def test_the_fired_metric_leads_beside_its_value_now(
    capsys: pytest.CaptureFixture[str], demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """search-ranking's latency-regression fired on latency_p99_seconds, which comes after
    auc and error_rate by name."""
    monkeypatch.setenv("COLUMNS", "120")
    lines = targets(capsys, demo, "search-ranking")
    assert lines[1] == (
        "           last hour served: latency_p99_seconds 0.1222 (now 0.1688), auc 0.8458, "
        "error_rate 0.003607, psi_drift 0.04166"
    )
    assert "           last hour served: latency_p99_seconds - (now 0.1688)" in lines  # v10


def test_a_wrapped_line_keeps_a_metric_with_its_values(
    capsys: pytest.CaptureFixture[str], demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "70")
    lines = targets(capsys, demo, "search-ranking")
    assert lines[2:4] == [
        "           last hour served: latency_p99_seconds 0.1222 (now 0.1688),",
        "           auc 0.8458, error_rate 0.003607, psi_drift 0.04166",
    ]


def test_an_event_trigger_leaves_the_first_metrics_by_name(
    capsys: pytest.CaptureFixture[str], demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    lines = targets(capsys, demo, "support-intent")  # its security finding fired
    assert lines[1] == (
        "           last hour served: accuracy 0.9142, error_rate 0.005807, "
        "latency_p99_seconds 0.18, psi_drift 0.05537"
    )


def test_the_cli_and_the_console_choose_the_same_metrics() -> None:
    metrics = {"auc": 0.84, "error_rate": 0.002, "latency": 0.1213, "psi": 0.04, "zeta": 1.0}
    eleven = Candidate(version="11", status="approved", eligible=True, why="ok", metrics=metrics)
    fired = (FiredMetric("latency", 0.17),)
    assert [m.metric for m in shown_metrics(eleven, fired, 3)] == [
        "latency",
        "auc",
        "error_rate",
        "psi",
    ]
    assert metrics_then(eleven, fired) == "latency 0.1213 (now 0.17)"  # the console's column
    assert candidate_lines((eleven,), "11", None, fired) == [
        " >     11  ok  [latency 0.1213 (now 0.17), auc 0.84, error_rate 0.002, psi 0.04]"
    ]
    assert metrics_text(shown_metrics(eleven, (), 2), str) == "auc 0.84, error_rate 0.002"
    assert metrics_text([], str) == "-"
