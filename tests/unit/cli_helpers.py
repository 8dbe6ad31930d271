"""Run the `mrp` command in-process the way a user's shell would see it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from console.cli import main


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_mrp(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    """Call ``mrp`` with ``args``; returns exit code, stdout and stderr."""
    import sys

    argv = sys.argv
    sys.argv = ["mrp", *map(str, args)]
    code = 0
    try:
        main()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
