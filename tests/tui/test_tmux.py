"""`mrp demo` in a real terminal (tmux, 120x40): a trigger fires on screen, its model opens
with a chart, and `q` quits cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MRP = Path(sys.executable).parent / "mrp"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait(self, what: Callable[[str], bool], timeout: float, label: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if what(text):
                return text
            if time.monotonic() > deadline:
                size = subprocess.run(
                    ["tmux", "display", "-p", "-t", self.name, "#{window_width}x#{window_height}"],
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                raise AssertionError(
                    f"timed out waiting for {label}; the {size} screen was:\n{text}"
                )
            time.sleep(0.25)


@pytest.fixture
def terminal(tmp_path: Path, isolated_home: Path) -> Iterator[Terminal]:
    name = f"mrp-demo-test-{os.getpid()}"
    command = f"{MRP} demo --speed 240; echo MRP-EXIT=$?; sleep 60"
    env = {
        "HOME": str(isolated_home),
        "XDG_CONFIG_HOME": str(isolated_home / ".config"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "TZ": "UTC",
        "TERM": "xterm-256color",
    }
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", str(tmp_path)]
        + [part for key, value in env.items() for part in ("-e", f"{key}={value}")]
        + ["bash --norc --noprofile"],
        check=True,
    )
    # Start mrp only once the window has its size (a detached session can begin at the
    # server's default size and be resized after its first program has read it).
    subprocess.run(["tmux", "resize-window", "-t", name, "-x", "120", "-y", "40"], check=True)
    try:
        terminal = Terminal(name)
        terminal.wait(lambda s: s.strip() != "", 10, "the shell")
        terminal.keys("-l", command)
        terminal.keys("Enter")
        yield terminal
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


def test_demo_fires_opens_a_chart_and_quits(terminal: Terminal) -> None:
    first = terminal.wait(lambda s: "DRILL" in s, 60, "the drill banner")
    assert "Fleet" in first
    fleet = terminal.wait(lambda s: "✖ FIRING" in s, 90, "a firing trigger")
    assert "Trigger firing" in fleet or "✖ FIRING" in fleet
    terminal.keys("/")
    terminal.keys("-l", "firing")
    filtered = terminal.wait(lambda s: "matching “firing”" in s, 10, "the filter")
    row = next(line for line in filtered.splitlines() if line.lstrip().startswith("✖ FIRING"))
    model = row.split()[2]
    terminal.keys("Enter")  # in the filter: opens the highlighted, first, match
    detail = terminal.wait(
        lambda s: "range (keys 1-4)" in s and "┤" in s and "└┬" in s, 30, "the model's charts"
    )
    assert model in detail.splitlines()[1]
    assert "Triggers" in detail and "✖ FIRING" in detail
    terminal.keys("q")
    terminal.wait(lambda s: "MRP-EXIT=0" in s, 20, "a clean exit")
