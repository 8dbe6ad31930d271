"""`mrp console` and `mrp demo` in a terminal (a pty, 120x40): a quit exits 0, and a console
that crashes exits 1 after Textual's traceback, so a script checking `$?` sees it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

MRP = "import sys\nfrom console.cli import main\nsys.argv[0] = 'mrp'\nmain()\n"
CRASHING_FLEET_SCREEN = (
    "from console.tui.screens.fleet import FleetScreen\n"
    "def compose(self):\n"
    "    raise RuntimeError('the fleet screen broke')\n"
    "FleetScreen.compose = compose\n"
)


@dataclass
class Ended:
    exit_code: int
    output: str


def run_in_terminal(
    code: str, *args: str | Path, quit_when_shown: str | None = None, timeout: float = 90
) -> Ended:
    """Run ``python -c code args`` on a 120x40 pty; press q once ``quit_when_shown`` shows."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= {"TERM": "xterm-256color", "TZ": "UTC"}
    process = subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        cwd=Path(__file__).parents[2],
        start_new_session=True,
    )
    os.close(child)
    seen, pressed = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if quit_when_shown and not pressed and quit_when_shown.encode() in seen:
                os.write(main, b"q")
                pressed = True
        else:
            raise AssertionError(
                f"still running after {timeout}s:\n{seen.decode(errors='replace')}"
            )
        return Ended(process.wait(timeout=20), seen.decode(errors="replace"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)


def test_quitting_the_console_exits_0(workspace_root: Path) -> None:
    ended = run_in_terminal(MRP, "console", "-w", workspace_root, quit_when_shown="Sync now")
    assert ended.exit_code == 0, ended.output
    assert "Traceback" not in ended.output


def test_a_crashed_console_exits_1_after_the_traceback(workspace_root: Path) -> None:
    ended = run_in_terminal(CRASHING_FLEET_SCREEN + MRP, "console", "-w", workspace_root)
    assert "the fleet screen broke" in ended.output
    assert ended.exit_code == 1


@pytest.mark.slow
def test_a_crashed_demo_exits_1_after_the_traceback() -> None:
    ended = run_in_terminal(CRASHING_FLEET_SCREEN + MRP, "demo", "--speed", "240")
    assert "the fleet screen broke" in ended.output
    assert ended.exit_code == 1


@pytest.mark.slow
def test_the_demo_opens_whatever_keyring_backend_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo signs with its own drill keyring: a PYTHON_KEYRING_BACKEND that cannot be
    loaded (here, keyrings.alt missing or misnamed) does not keep it shut."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nowhere.Keyring")
    ended = run_in_terminal(MRP, "demo", "--speed", "240", quit_when_shown="Sync now")
    assert ended.exit_code == 0, ended.output
    assert "Traceback" not in ended.output
