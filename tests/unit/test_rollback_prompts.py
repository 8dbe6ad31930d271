"""`mrp rollback` at a prompt on a terminal (a pty that is the process's controlling
terminal): Ctrl-C cancels with exit 130 and says what was written (never "Aborted.", which
reads as a signed runbook abort, nor exit 1, which means "done, something is wrong");
Ctrl-D is the end of input, which names the option that answers instead."""

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

from console.settings import Workspace
from tests.unit.test_runbook_standing import mrp
from tests.unit.test_runbook_support import build_workspace, records, refused_at_target

MRP = "import sys\nfrom console.cli import main\nsys.argv[0] = 'mrp'\nmain()\n"
CTRL_C, CTRL_D = b"\x03", b"\x04"


@dataclass
class Ended:
    exit_code: int
    output: str

    def last_line(self) -> str:
        return self.output.replace("\r\n", "\n").rstrip("\n").splitlines()[-1]


def answer_in_terminal(ws: Workspace, prompt: str, key: bytes, *args: str) -> Ended:
    """``mrp ARGS -w WS`` on a pty; ``key`` is pressed once ``prompt`` shows."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(
        [sys.executable, "-c", MRP, *args, "-w", str(ws.root)],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env | {"TERM": "xterm-256color"},
        cwd=Path(__file__).parents[2],
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(child)
    seen, pressed = b"", None
    deadline = time.monotonic() + 120
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
            if pressed is None and prompt.encode() in seen:
                os.write(main, key)
                pressed = time.monotonic()
            elif key == CTRL_C and pressed is not None and time.monotonic() - pressed > 5:
                # SIGINT between the prompt's echo and input()'s read is noted by Python
                # but not acted on until the read returns: the user presses Ctrl-C again.
                os.write(main, key)
                pressed = time.monotonic()
        else:
            raise AssertionError(f"still running after 120s:\n{seen.decode(errors='replace')}")
        return Ended(process.wait(timeout=20), seen.decode(errors="replace"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws")


def test_ctrl_c_before_anything_is_written(ws: Workspace) -> None:
    ended = answer_in_terminal(ws, "Reason for the rollback", CTRL_C,
                               "rollback", "fraud", "--dry-run", "--as", "alice")  # fmt: skip
    assert ended.exit_code == 130, ended.output
    assert ended.last_line() == "mrp: cancelled at the prompt; nothing was written."
    assert "Aborted" not in ended.output
    assert records(ws) == []


def test_ctrl_c_in_a_runbook_that_is_open(ws: Workspace) -> None:
    rb = refused_at_target(ws, "3")
    before = records(ws)
    ended = answer_in_terminal(ws, "Roll back to version", CTRL_C,
                               "rollback", "fraud", "--dry-run", "--as", "alice")  # fmt: skip
    assert ended.exit_code == 130, ended.output
    assert ended.last_line() == (
        f"mrp: cancelled at the prompt; runbook {rb} stays as it was "
        f"(`mrp runbook resume {rb} --to VERSION`)."
    )
    assert records(ws) == before


def test_ctrl_d_names_the_option_that_answers(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    opened = mrp(capsys, ws, "rollback", "fraud", "--dry-run", "--yes", "--reason", "r",
                 "--confirm", "fraud@2", "--as", "alice")  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    ended = answer_in_terminal(ws, "to approve", CTRL_D,
                               "runbook", "approve", "fraud", "--as", "bob")  # fmt: skip
    assert ended.exit_code == 2, ended.output
    assert ended.last_line() == (
        "mrp: no answer to 'Type fraud@2 to approve': stdin ended; pass it as --confirm fraud@2."
    )
