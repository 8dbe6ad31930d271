#!/usr/bin/env python3
"""`mrp` start-up: the wall time of short commands on the synced demo workspace, each a
fresh process, as a script, a CI gate or an on-call engineer runs them.

    python benchmarks/bench_startup.py                        # this checkout
    python benchmarks/bench_startup.py --before /tmp/mrp-old  # and an older tree, interleaved

``--before`` is a source tree of mrp, e.g. ``git archive REV | tar -x -C /tmp/mrp-old``; both
trees run with this Python (``python -m console`` with the tree first on PYTHONPATH), in
alternating order within every round, so that a noisy machine affects both alike. The demo
workspace (sample_data, synced, a few signed notes in the audit log through a throw-away
plain-text keyring) is built in a temporary folder. The section "CLI start-up" of
``benchmarks/results/console.md`` is replaced with the result.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from machine_info import cpu_name, load_average, memory_gib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "console.md"
HEADING = "## CLI start-up"
COMMANDS: list[tuple[str, list[str]]] = [
    ("`import console.cli`", ["-c", "import console.cli"]),
    ("`mrp --help`", ["-m", "console", "--help"]),
    ("`mrp status`", ["-m", "console", "status"]),
    ("`mrp policy check`", ["-m", "console", "policy", "check"]),
    ("`mrp audit verify`", ["-m", "console", "audit", "verify"]),
]
NOTES = 20
PYDANTIC_PROBES: list[tuple[str, str]] = [
    (
        "`import console.settings` after `console.cli`: pydantic and mrp.toml's models, "
        "which every command loads",
        """
import time
import console.cli
started = time.perf_counter()
import console.settings
print(time.perf_counter() - started)
""",
    ),
    (
        "then typer's own pydantic work: `typer._adapters` and the TypeAdapters of a path, "
        "a text and a flag option",
        """
import time
from pathlib import Path
import console.cli, console.settings
from typer.models import OptionInfo
started = time.perf_counter()
from typer._adapters import try_build_adapter
for annotation in (Path | None, str | None, bool):
    try_build_adapter(annotation, OptionInfo())
print(time.perf_counter() - started)
""",
    ),
]
"""In-process timings, each in a fresh interpreter: what typer's use of pydantic costs a
command once the core (which validates mrp.toml with pydantic) has imported it."""


def environment(tree: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["HOME"] = str(home)
    env["XDG_DATA_HOME"] = str(home / "share")
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env.pop("MRP_HOME", None)
    env.pop("MRP_SIGNER", None)
    return env


def mrp(env: dict[str, str], cwd: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def demo_workspace(folder: Path, env: dict[str, str]) -> Path:
    ws = folder / "ws"
    shutil.copytree(ROOT / "sample_data", ws)
    mrp(env, ws, "sync")
    mrp(env, ws, "keys", "init", "--name", "bench", "--role", "sre")
    for n in range(NOTES):
        mrp(env, ws, "audit", "note", "fraud-scoring", f"hand-over note {n}", "--as", "bench")
    return ws


def once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, done.returncode


def measure(
    trees: dict[str, Path], ws: Path, home: Path, runs: int
) -> dict[tuple[str, str], list[float]]:
    times: dict[tuple[str, str], list[float]] = {}
    codes: dict[tuple[str, str], set[int]] = {}
    envs = {name: environment(tree, home) for name, tree in trees.items()}
    order = list(trees)
    for n in range(runs):
        for label, argv in COMMANDS:
            for name in order if n % 2 == 0 else order[::-1]:
                seconds, code = once(argv, envs[name], ws)
                times.setdefault((label, name), []).append(seconds)
                codes.setdefault(label, set()).add(code)
    for label, seen in codes.items():
        if len(seen) > 1:
            raise SystemExit(f"{label}: the trees exit differently ({sorted(seen)})")
    return times


def probe(code: str, env: dict[str, str], cwd: Path, runs: int) -> list[float]:
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                cwd=cwd,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(runs)
    ]


def cell(values: list[float]) -> str:
    return f"{min(values) * 1000:.0f} / {statistics.median(values) * 1000:.0f}"


def report(
    times: dict[tuple[str, str], list[float]],
    probes: dict[str, list[float]],
    trees: dict[str, Path],
    runs: int,
    note: str,
) -> str:
    names = list(trees)
    header = "| command | " + " | ".join(f"{n}: best / median (ms)" for n in names)
    rule = "|---|" + "---|" * len(names)
    if len(names) == 2:
        header += " | best, after ÷ before"
        rule += "---|"
    lines = [header + " |", rule]
    for label, _ in COMMANDS:
        cells = [cell(times[(label, n)]) for n in names]
        if len(names) == 2:
            before, after = (min(times[(label, n)]) for n in names)
            cells.append(f"{after / before:.2f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    probe_lines = [
        f"| {label} | {min(values) * 1000:.1f} / {statistics.median(values) * 1000:.1f} |"
        for label, values in probes.items()
    ]
    import duckdb
    import typer

    machine = (
        f"{cpu_name()}, {os.cpu_count()} CPUs, {memory_gib():.0f} GiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}; load average {load_average(' / ')}"
    )
    return f"""{HEADING}

`python benchmarks/bench_startup.py` on {datetime.now(UTC):%Y-%m-%d}: wall time of a fresh
`python -m console ...` process on the synced demo workspace (sample_data, {NOTES} signed
notes in the audit log), {runs} runs of each, the trees interleaved within each round.
{note}
Machine: {machine}.

{chr(10).join(lines)}

Building the app imports typer and the command modules only; each command imports the
core it uses when it runs (console/cli.py's docstring, tests/unit/test_cli_startup.py).
What is left is not mrp's own import work: `--help` is typer's rich help (typer.rich_utils
imports rich.markdown and markdown_it, about 0.17 s); the status and evaluate commands'
first DuckDB query with parameters imports numpy when it is installed (about 0.1 s), as
the console's start does.

Typer {typer.__version__} coerces every option that is not a plain flag through a pydantic
TypeAdapter, its own --help option included, so any `mrp COMMAND` imports pydantic before
the command runs. The import is paid anyway: every command opens the workspace, and
console/settings.py validates mrp.toml with pydantic models. Measured in a fresh process
each, {runs} runs (ms, best / median):

| what | ms |
|---|---|
{chr(10).join(probe_lines)}

Saving the second row would take replacing typer's private coercion
(`typer.core._TyperParameter.get_runtime_param`) or pinning an older typer; it is left as
it is. Only a core that read mrp.toml without pydantic would make the first row a saving.
"""


def record(section: str) -> None:
    """Replace (or append) this section of the results file, keeping the rest."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    head, found, tail = text.partition(HEADING)
    if found:
        rest = tail.split("\n## ", 1)
        tail = "\n## " + rest[1] if len(rest) == 2 else ""
        text = head.rstrip("\n") + "\n\n" + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="an older source tree to compare with")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="print, do not record")
    parser.add_argument("--note", default="", help="what the trees are, for the results file")
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve()} if args.before else {}
    trees["after" if args.before else "this tree"] = ROOT
    with tempfile.TemporaryDirectory(prefix="mrp-bench-startup-") as folder:
        home = Path(folder) / "home"
        home.mkdir()
        ws = demo_workspace(Path(folder), environment(ROOT, home))
        times = measure(trees, ws, home, args.runs)
        env = environment(ROOT, home)
        probes = {label: probe(code, env, ws, args.runs) for label, code in PYDANTIC_PROBES}
    note = f"\n{args.note}\n" if args.note else ""
    section = report(times, probes, trees, args.runs, note)
    print(section)
    if not args.no_write:
        record(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
