"""`mrp` starts fast: importing the CLI and building its app (every command's --help) loads
none of the heavy modules, and a headless command loads only what it uses (never the TUI).
Each check runs in a fresh interpreter, so that sys.modules holds only what it imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.cli_helpers import run_mrp

HEAVY = (
    "textual",
    "httpx",
    "duckdb",
    "cryptography",
    "keyring",
    "pydantic",
    "numpy",
    "ruamel",
    "platformdirs",
    "importlib.metadata",
)
"""Modules a command imports when it runs, never to build the app or print help."""

BUILD_AND_HELP = """
import sys
from typer.main import get_command
from typer.testing import CliRunner
from console.cli import app

def paths(command, prefix=()):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, (*prefix, name))

def loaded():
    return ",".join(sorted(m for m in sys.argv[1].split(",") if m in sys.modules))

every = list(paths(get_command(app)))
print(loaded())
runner = CliRunner()
for path in every:
    result = runner.invoke(app, [*path, "--help"], prog_name="mrp")
    assert result.exit_code == 0, (path, result.output)
    assert "Usage: mrp" in result.output, (path, result.output)
print(len(every))
print(loaded())
print(",".join(sorted(m for m in sys.modules if m.startswith("console"))))
"""

LIGHT = {"console", "console.cli", "console.clock", "console.errors", "console.text"}
"""The core modules the command modules import at module level: standard library only."""

RUN = """
import sys
from console.cli import main
heavy = sys.argv.pop(1).split(",")
sys.argv[0] = "mrp"
try:
    main()
finally:
    print(",".join(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_building_the_app_and_every_help_import_no_heavy_module() -> None:
    done = _python(BUILD_AND_HELP, ",".join(HEAVY))
    assert done.returncode == 0, done.stderr
    built, count, helped, modules = done.stdout.split("\n")[:4]
    assert built == "", f"a command module imports {built} at module level"
    assert int(count) >= 25, "every command's --help was printed"
    # typer coerces the root's own --help option through pydantic before a command's --help
    helped_heavy = set(helped.split(",")) - {"", "pydantic", "importlib.metadata"}
    assert not helped_heavy, f"printing help imported {sorted(helped_heavy)}"
    core = {m for m in modules.split(",") if not m.startswith("console.commands")} - LIGHT
    assert not core, f"printing help imported core modules: {sorted(core)}"


def test_version_needs_no_core() -> None:
    done = _python(RUN, ",".join(HEAVY), "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mrp ")
    assert done.stderr.strip() == "importlib.metadata"


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (("status",), ("textual", "httpx", "keyring", "cryptography")),
        (("evaluate",), ("textual", "httpx", "keyring", "cryptography")),
        (("policy", "check"), ("textual", "httpx", "keyring", "cryptography")),
        (("audit", "verify"), ("textual", "httpx", "keyring")),
    ],
)
def test_a_headless_command_imports_only_what_it_uses(
    tiny_workspace: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    absent: tuple[str, ...],
) -> None:
    assert run_mrp(capsys, "sync", "-w", tiny_workspace).exit_code == 0
    done = _python(RUN, ",".join(absent), *args, "-w", str(tiny_workspace))
    loaded = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    assert done.returncode == 0, done.stderr
    assert loaded == "", f"mrp {' '.join(args)} imported {loaded}"
