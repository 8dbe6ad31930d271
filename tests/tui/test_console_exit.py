"""`mrp console` and `mrp demo` in a terminal (a pty, 120x40): a quit exits 0, and a console
that crashes exits 1 after Textual's traceback, so a script checking `$?` sees it. A console
whose terminal closes (SIGHUP) or that is told to stop (SIGTERM) quits as with `q`, exiting
129 or 143; the demo's workspace is removed."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.commands.stop_signals import GRACE_SECONDS

MRP = "import sys\nfrom console.cli import main\nsys.argv[0] = 'mrp'\nmain()\n"
CRASHING_FLEET_SCREEN = (
    "from console.tui.screens.fleet import FleetScreen\n"
    "def compose(self):\n"
    "    raise RuntimeError('the fleet screen broke')\n"
    "FleetScreen.compose = compose\n"
)

CONSOLE_THAT_WILL_NOT_QUIT = (
    "from console.tui.app import MrpApp\nMrpApp.exit = lambda self, *args, **kwargs: None\n"
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
    found = re.search(r"preparing a drill workspace in (\S+) ", ended.output)
    assert found and not Path(found.group(1)).exists()


class InTerminal:
    """``mrp`` with ``args`` on a 120x40 pty that is its controlling terminal, as in a terminal
    window: closing the pty's other end hangs it up (SIGHUP), as closing the window does."""

    def __init__(self, *args: str | Path, prelude: str = "") -> None:
        self.main, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.modes_before = termios.tcgetattr(child)[3]
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env |= {"TERM": "xterm-256color", "TZ": "UTC"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", prelude + MRP, *map(str, args)],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            cwd=Path(__file__).parents[2],
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(child)
        self.seen = b""
        self.open = True

    def read_until(self, text: str, timeout: float = 90) -> str:
        """Everything shown so far, once ``text`` shows (or the terminal ends)."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen and time.monotonic() < deadline:
            if select.select([self.main], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                self.seen += chunk
        shown = self.seen.decode(errors="replace")
        assert text in shown, f"{text!r} not shown after {timeout}s:\n{shown}"
        return shown

    def modes_now(self) -> int:
        """The terminal's local modes (line editing, echo) as the process left them."""
        return int(termios.tcgetattr(self.main)[3])

    def hang_up(self) -> None:
        os.close(self.main)
        self.open = False

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.open:
                os.close(self.main)


class DemoInTerminal(InTerminal):
    """``mrp demo --speed 240`` in a terminal (``InTerminal``)."""

    def __init__(self, prelude: str = "") -> None:
        super().__init__("demo", "--speed", "240", prelude=prelude)

    def workspace(self) -> Path:
        """The demo's temporary folder (the workspace printed is its ``workspace``)."""
        found = re.search(r"preparing a drill workspace in (\S+) ", self.read_until(" …"))
        assert found, self.seen.decode(errors="replace")
        printed = Path(found.group(1))
        assert printed.name == "workspace"  # what `mrp -w` takes, not the folder around it
        return printed.parent


LINE_MODES = termios.ICANON | termios.ECHO
"""Line editing and echo: what a shell needs back when a full-screen program ends."""


def test_sigterm_quits_the_console_and_restores_the_terminal(workspace_root: Path) -> None:
    console = InTerminal("console", "-w", workspace_root)
    console.read_until("Sync now")
    console.process.send_signal(signal.SIGTERM)
    shown = console.read_until("\x1b[?1049l", timeout=30)  # back from the alternate screen
    assert console.process.wait(timeout=30) == 128 + signal.SIGTERM
    assert "\x1b[?1000l" in shown and "\x1b[?1003l" in shown  # mouse tracking off
    assert console.modes_now() & LINE_MODES == console.modes_before & LINE_MODES
    assert console.wait() == 128 + signal.SIGTERM
    assert "Traceback" not in shown


def test_closing_the_terminal_quits_the_console_with_129(workspace_root: Path) -> None:
    console = InTerminal("console", "-w", workspace_root)
    console.read_until("Sync now")
    console.hang_up()
    assert console.wait() == 128 + signal.SIGHUP  # not killed by it (-1)


@pytest.mark.slow
def test_closing_the_terminal_removes_the_demo_workspace() -> None:
    demo = DemoInTerminal()
    folder = demo.workspace()
    demo.read_until("Sync now")
    assert (folder / "workspace" / "mrp.toml").is_file()
    demo.hang_up()
    assert demo.wait() == 128 + signal.SIGHUP  # not killed by it (-1) before cleaning up
    assert not folder.exists()


@pytest.mark.slow
def test_sigterm_quits_the_demo_restores_the_terminal_and_removes_the_workspace() -> None:
    demo = DemoInTerminal()
    folder = demo.workspace()
    demo.read_until("Sync now")
    demo.process.send_signal(signal.SIGTERM)
    shown = demo.read_until("\x1b[?1049l", timeout=30)  # back from the alternate screen
    assert demo.wait() == 128 + signal.SIGTERM
    assert "Traceback" not in shown
    assert not folder.exists()


@pytest.mark.slow
def test_sigterm_while_the_demo_prepares_removes_the_workspace() -> None:
    demo = DemoInTerminal()
    folder = demo.workspace()
    demo.process.send_signal(signal.SIGTERM)
    assert demo.wait() == 128 + signal.SIGTERM
    assert "Sync now" not in demo.seen.decode(errors="replace")
    assert not folder.exists()


@pytest.mark.slow
def test_a_demo_that_does_not_quit_on_sigterm_is_cleaned_up_after_the_grace_period() -> None:
    demo = DemoInTerminal(prelude=CONSOLE_THAT_WILL_NOT_QUIT)
    folder = demo.workspace()
    demo.read_until("Sync now")
    demo.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert demo.wait() == 128 + signal.SIGTERM
    assert GRACE_SECONDS <= time.monotonic() - started < GRACE_SECONDS + 10
    assert not folder.exists()
