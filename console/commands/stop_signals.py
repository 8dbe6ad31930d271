"""SIGHUP (the terminal closed) and SIGTERM end a console session (``mrp console``, ``mrp
demo``) the way `q` does, so Textual gives the terminal back (main screen, no mouse tracking,
line editing), and what the session set up (``mrp demo``'s temporary workspace) is cleaned up
on the way out.

The exit code is the shell's for a signal: 128 + its number (129 for SIGHUP, 143 for
SIGTERM).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from functools import partial
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.tui.app import MrpApp

STOP_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
GRACE_SECONDS = 5.0
"""How long the console may take to quit after a stop signal before mrp cleans up and exits
without it (Textual can block writing to a terminal that is gone)."""
Handler = Callable[[int, FrameType | None], Any] | int | None


def _detach_from_terminal() -> None:
    """Point stdin, stdout and stderr at /dev/null: the terminal hung up, and reading or
    writing it would fail (and can leave Textual's writer waiting forever)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


class StopSignals:
    """Runs ``cleanup`` when the block ends, however it ends: normally, by an error, or by a
    stop signal. A stop signal quits ``app`` if it runs (and, should it not quit within
    GRACE_SECONDS, cleans up and exits without it); before the app runs, it stops the block
    at once (SystemExit); after the app quit, it waits for the cleanup."""

    def __init__(self, cleanup: Callable[[], object] = lambda: None) -> None:
        self.app: MrpApp | None = None
        self.received: int | None = None
        self._cleanup = cleanup
        self._previous: dict[int, Handler] = {}
        self._deadline: threading.Timer | None = None
        self._ending = False

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signum
        code = 128 + signum
        if signum == signal.SIGHUP:
            _detach_from_terminal()
        if self._ending:
            return
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.app is not None and loop is not None:
            loop.call_soon_threadsafe(partial(self.app.exit, return_code=code))
            if self._deadline is None:
                self._deadline = threading.Timer(GRACE_SECONDS, self._give_up, (code,))
                self._deadline.daemon = True
                self._deadline.start()
        elif self.app is None or self.app.return_code is None:
            raise SystemExit(code)

    def _give_up(self, code: int) -> None:
        self._cleanup()
        os._exit(code)

    def __enter__(self) -> StopSignals:
        self._previous = {number: signal.signal(number, self._stop) for number in STOP_SIGNALS}
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._ending = True
        try:
            self._cleanup()
        finally:
            if self._deadline is not None:
                self._deadline.cancel()
            for number, handler in self._previous.items():
                signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if self.received is not None:
            raise SystemExit(128 + self.received)
