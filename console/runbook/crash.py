"""A test hook: die like kill -9 at a named step boundary.

With ``MRP_TEST_CRASH_AFTER=<point>`` in the environment, the process ends with
``os._exit(137)`` (no cleanup, no flush, exactly what SIGKILL leaves behind) when it passes
that point. Points are ``<record key>.saved``, ``.audited`` and ``.done`` for every audit
record, and ``execute.intent`` / ``execute.called`` around the executor call. The crash
tests walk every one of them; nothing else sets the variable.
"""

from __future__ import annotations

import os

ENV = "MRP_TEST_CRASH_AFTER"


def crashpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os._exit(137)
