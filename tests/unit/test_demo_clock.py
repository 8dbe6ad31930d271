"""`mrp status` and `mrp evaluate` run in `mrp demo`'s folder read the instant its console
replays, not the end of the recorded history that the sample workspace pins its clock at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import parse_time
from console.demo import DemoSession, prepare_demo
from tests.unit.cli_helpers import run_mrp

START = datetime(2026, 11, 14, 21, 30, tzinfo=UTC)


@pytest.fixture
def demo(tmp_path: Path) -> DemoSession:
    return prepare_demo(tmp_path, speed=60.0, start=START)


@pytest.mark.parametrize(("command", "key"), [("status", "now"), ("evaluate", "at")])
def test_headless_commands_read_the_replayed_instant(
    demo: DemoSession, capsys: pytest.CaptureFixture[str], command: str, key: str
) -> None:
    before = demo.clock.now().replace(microsecond=0)
    result = run_mrp(capsys, command, "--json", "-w", demo.workspace.root)
    after = demo.clock.now()
    assert result.exit_code == 0, result.stderr
    read = parse_time(result.json()[key])
    assert before <= read <= after, (before, read, after)
    assert after - before < timedelta(hours=1)  # 60x: far from the history's end at 00:00Z


def test_mrp_now_still_wins(
    demo: DemoSession, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MRP_NOW", "2026-11-14T22:00:00Z")
    result = run_mrp(capsys, "status", "--json", "-w", demo.workspace.root)
    assert result.json()["now"] == "2026-11-14T22:00:00Z"


def test_a_broken_replay_is_one_sentence(
    demo: DemoSession, capsys: pytest.CaptureFixture[str]
) -> None:
    config = demo.workspace.config_path
    config.write_text(config.read_text().replace("speed = 60.0", "speed = 0"))
    result = run_mrp(capsys, "status", "-w", demo.workspace.root)
    assert result.exit_code == 2
    line = config.read_text().splitlines().index("speed = 0") + 1
    assert result.stderr == (
        f"mrp: {config}:{line}: 'clock.replay.speed': Input should be greater than 0.\n"
    )
