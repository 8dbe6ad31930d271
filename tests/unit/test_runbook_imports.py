"""The runbook machine is core: it never imports Textual or Typer (DESIGN.md, Layout)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import console.runbook


def test_runbook_imports_no_face() -> None:
    modules = [f"console.runbook.{m.name}" for m in pkgutil.iter_modules(console.runbook.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'typer'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"console.runbook pulled in: {done.stdout.strip()}"
    assert len(modules) >= 15
