"""The audit core is a core: importing it loads neither Textual nor Typer."""

from __future__ import annotations

import subprocess
import sys


def test_the_audit_core_imports_no_face() -> None:
    code = (
        "import sys, pkgutil, importlib, console.audit\n"
        "for m in pkgutil.iter_modules(console.audit.__path__):\n"
        "    importlib.import_module('console.audit.' + m.name)\n"
        "import console.secrets\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'textual', 'typer', 'click'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
