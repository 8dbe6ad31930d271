#!/usr/bin/env python3
"""Two checkouts of mrp, interleaved: the current-state evaluation of each, step for step.

    .venv/bin/python benchmarks/duel_triggers.py --a /tmp/mrp-base --b . --rounds 40

This machine's speed moves by 20-40% within minutes, so two benchmark runs one after the
other compare badly. Here each checkout runs in its own process on its own copy of the same
store (``bench_triggers.py``'s 1,000-model fleet, built there first), and the two take turns:
a refresh one minute on (what runs after each sync), a read at the same step (``mrp sync &&
mrp status``) and a read one step later (``mrp evaluate``), alternating which goes first.
It prints best, median and least CPU time of each, and B's medians and bests as ratios of A's.
A checkout is any folder with ``console/`` and ``queries/`` (``git worktree add``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = ("refresh", "same", "next")
FLEET = Path(tempfile.gettempdir()) / "mrp-bench-triggers"


def worker(repo: Path, tag: str, days: int, rounds: int) -> None:
    """Serve one checkout: read a kind per line, answer with wall and CPU milliseconds."""
    import shutil
    from datetime import timedelta

    sys.path[:0] = [str(repo), str(Path(__file__).resolve().parent)]
    import duckdb
    import generate_fleet

    from console.policy.loader import load_policies
    from console.store.db import with_session_settings
    from console.store.migrations import migrate
    from console.triggers.state import current_states, refresh_states

    now = generate_fleet.T_END
    folder = FLEET / f"fleet-1000m-{days}d"
    target = FLEET / f"duel-{tag}.duckdb"
    shutil.copy(folder / ".mrp" / "state.duckdb", target)
    con = with_session_settings(duckdb.connect(str(target)))
    migrate(con, str(target))
    policies = load_policies([folder / "policies"])
    refresh_states(con, policies, now - timedelta(minutes=rounds + 2))
    minute = rounds + 1
    print("ready", flush=True)
    for line in sys.stdin:
        kind = line.strip()
        began, cpu = time.perf_counter(), time.process_time()
        if kind == "refresh":
            refresh_states(con, policies, now - timedelta(minutes=minute))
            minute -= 1
        elif kind == "same":
            current_states(con, policies, now - timedelta(minutes=minute + 1))
        else:
            current_states(con, policies, now - timedelta(minutes=minute))
        wall, used = time.perf_counter() - began, time.process_time() - cpu
        print(f"{wall * 1000:.2f} {used * 1000:.2f}", flush=True)


def duel(a: Path, b: Path, days: tuple[int, int], rounds: int) -> None:
    for history in days:
        if not (FLEET / f"fleet-1000m-{history}d" / ".mrp" / "state.duckdb").exists():
            raise SystemExit(
                f"no {history}-day fleet in {FLEET}: run benchmarks/bench_triggers.py first"
            )
    procs = {}
    for (tag, repo), history in zip((("A", a), ("B", b)), days, strict=True):
        cmd = [sys.executable, __file__, "--worker", str(repo), tag, str(history), str(rounds)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"checkout {repo} did not start")
        procs[tag] = proc
    times: dict[tuple[str, str], list[tuple[float, float]]] = {
        (tag, kind): [] for tag in "AB" for kind in KINDS
    }
    for i in range(rounds):
        for kind in KINDS:
            for tag in "AB" if i % 2 == 0 else "BA":
                proc = procs[tag]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(kind + "\n")
                proc.stdin.flush()
                wall, cpu = map(float, proc.stdout.readline().split())
                times[(tag, kind)].append((wall, cpu))
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    print(f"A = {a} ({days[0]} days), B = {b} ({days[1]} days); {rounds} rounds; milliseconds")
    for kind in KINDS:
        cells, medians, bests = [], {}, {}
        for tag in "AB":
            walls = [w for w, _ in times[(tag, kind)]]
            cpus = [c for _, c in times[(tag, kind)]]
            medians[tag], bests[tag] = statistics.median(walls), min(walls)
            cells.append(
                f"{tag}: best {bests[tag]:6.1f} median {medians[tag]:6.1f} cpu {min(cpus):6.1f}"
            )
        ratio = f"B/A median {medians['B'] / medians['A']:.2f} best {bests['B'] / bests['A']:.2f}"
        print(f"{kind:8} " + " | ".join(cells) + " | " + ratio)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        repo, tag, days, rounds = sys.argv[2:6]
        worker(Path(repo), tag, int(days), int(rounds))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="the checkout to compare against")
    parser.add_argument("--b", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument(
        "--b-days", type=int, help="B reads this much history instead (A == B: the cost of history)"
    )
    args = parser.parse_args()
    duel(args.a.resolve(), args.b.resolve(), (args.days, args.b_days or args.days), args.rounds)


if __name__ == "__main__":
    main()
