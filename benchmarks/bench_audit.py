"""Audit-log benchmark: verification against the machine's raw Ed25519 rate, and CSV export.

1. A generator writes a signed, hash-chained log of 100,000 records (a realistic mix of
   notes and runbook records with evidence, four signers), byte-for-byte what
   ``AuditLog.append`` writes, without an fsync per record.
2. The raw Ed25519 verify rate is measured in the same run on the same machine: the log's
   own signatures, decoded beforehand, checked in a tight loop by one process, and by one
   process per CPU at once (each timing only its loop). That is the ceiling.
3. ``verify_log`` (the whole of ``mrp audit verify``: reading, parsing, canonical form,
   hashes, chain, key rules and signatures, worker start-up included) is timed on the same
   log. Raw and verify runs alternate, because the machine may be shared: the ratio is
   taken from the best run of each, and the medians are printed too.
4. A 1,000,000-record log is exported to CSV with ``export_csv`` (DuckDB ``COPY``): once
   cold (every signature checked, results cached) and then warm (cache hit: only the
   snapshot, the digest check and DuckDB's read and write). Then ``take_checkpoint`` (what
   ``mrp audit checkpoint`` does: a full verification, then a signed checkpoint record),
   and exports on a machine that has checked nothing, handed that checkpoint: the prefix
   its signer verified is checked by SHA-256 alone.

Run: ``.venv/bin/python benchmarks/bench_audit.py [--write benchmarks/results/audit.md]``
(``--records`` and ``--export-records`` shrink it for a quick look).
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import cryptography  # noqa: E402
import duckdb  # noqa: E402
from cryptography.hazmat.backends.openssl.backend import backend as openssl  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from machine_info import cpu_name, load_average  # noqa: E402

from console.audit import cache, scan  # noqa: E402
from console.audit.checkpoint import take_checkpoint  # noqa: E402
from console.audit.keys_model import Signer, TrustedKey, fingerprint, public_raw  # noqa: E402
from console.audit.log import AuditLog  # noqa: E402
from console.audit.query import Filters, export_csv  # noqa: E402
from console.audit.record import ZERO_HASH, body_hash, canonical_json, format_ts  # noqa: E402
from console.audit.snapshot import write_snapshot  # noqa: E402
from console.audit.verify import verify_log  # noqa: E402
from console.store import sql  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ROLES = {
    "alice": ("oncall", "model-owner"),
    "bob": ("oncall",),
    "carol": ("model-owner",),
    "dave": ("oncall", "sre"),
}
MODELS = [f"{team}-{kind}" for team in ("fraud", "churn", "search", "ads") for kind in "abcde"]


def signers() -> tuple[list[Signer], list[TrustedKey]]:
    made, trusted = [], []
    for seed, (name, roles) in enumerate(ROLES.items(), start=1):
        key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
        raw = public_raw(key.public_key())
        made.append(Signer.from_private_key(name, key, roles))
        trusted.append(
            TrustedKey(
                name,
                fingerprint(raw),
                roles,
                base64.b64encode(raw).decode(),
                T0 - timedelta(days=1),
            )
        )
    return made, trusted


def bodies(count: int, team: list[Signer]) -> Iterator[dict[str, object]]:
    """Record bodies, chained: a third notes, the rest runbook steps with evidence."""
    previous = ZERO_HASH
    steps = [
        "runbook.open",
        "runbook.target",
        "runbook.precheck",
        "runbook.approve",
        "runbook.execute",
        "runbook.verify",
        "runbook.close",
    ]
    for seq in range(1, count + 1):
        signer = team[seq % len(team)]
        model = MODELS[seq % len(MODELS)]
        if seq % 3 == 0:
            action, role = "note", signer.roles[0]
            details: dict[str, object] = {
                "text": f"hand-over {seq}: {model} looks stable, "
                "watching latency after the 02:00 deploy"
            }
        else:
            action = steps[seq % len(steps)]
            role = signer.roles[-1] if action == "runbook.approve" else signer.roles[0]
            details = {
                "runbook": f"rb-{seq // 7:07d}",
                "from_version": str(40 + seq % 9),
                "to_version": str(39 + seq % 9),
                "reason": "accuracy below floor for 5m",
                "dry_run": False,
                "break_glass": seq % 97 == 0,
                "evidence": [
                    {
                        "trigger": "accuracy-floor",
                        "state": "firing",
                        "value": round(0.85 + (seq % 50) / 1000, 4),
                        "threshold": 0.9,
                        "since": format_ts(T0 + timedelta(seconds=seq - 300)),
                    }
                ],
            }
        body = {
            "seq": seq,
            "ts": format_ts(T0 + timedelta(seconds=seq)),
            "actor": signer.name,
            "key_id": signer.key_id,
            "role": role,
            "action": action,
            "model": model,
            "details": details,
            "policy_digest": "sha256:" + "7f" * 32,
            "prev_hash": previous,
        }
        previous = body_hash(body)
        yield {**body, "hash": previous}


def _sign_lines(batch: list[dict[str, object]]) -> bytes:
    team = {s.name: s for s in signers()[0]}
    out = []
    for record in batch:
        signature = team[str(record["actor"])].sign(str(record["hash"]).encode())
        record["signature"] = base64.b64encode(signature).decode()
        out.append(canonical_json(record) + "\n")
    return "".join(out).encode("utf-8")


def generate(path: Path, count: int, workers: int) -> float:
    """Write a ``count``-record log; hashing is sequential, signing spread over workers."""
    started = time.perf_counter()
    team, _ = signers()
    with path.open("wb") as out, ProcessPoolExecutor(workers) as pool:
        batch: list[dict[str, object]] = []
        pending = []
        for body in bodies(count, team):
            batch.append(body)
            if len(batch) == 5000:
                pending.append(pool.submit(_sign_lines, batch))
                batch = []
        if batch:
            pending.append(pool.submit(_sign_lines, batch))
        for future in pending:
            out.write(future.result())
    return time.perf_counter() - started


def _raw_worker(args: tuple[str, int, int]) -> tuple[int, float, float]:
    """Verify signatures of lines [start, stop) in a tight loop; times only the loop
    (wall clock and CPU)."""
    import json

    path, start, stop = args
    _, trusted = signers()
    keys = {k.key_id: k.public() for k in trusted}
    work = []
    with open(path, "rb") as handle:
        for number, line in enumerate(handle):
            if start <= number < stop:
                record = json.loads(line)
                work.append(
                    (
                        keys[record["key_id"]],
                        base64.b64decode(record["signature"]),
                        record["hash"].encode(),
                    )
                )
    began, cpu = time.perf_counter(), time.process_time()
    for public, signature, message in work:
        public.verify(signature, message)
    return len(work), time.perf_counter() - began, time.process_time() - cpu


def raw_rates(
    path: Path, count: int, cpus: int, pool: ProcessPoolExecutor
) -> tuple[float, float, float]:
    """Records/s in one process, records/s in all at once, CPU seconds per record."""
    single = _raw_worker((str(path), 0, count // cpus))
    share = count // cpus
    parts = list(
        pool.map(_raw_worker, [(str(path), i * share, (i + 1) * share) for i in range(cpus)])
    )
    together = sum(n for n, _, _ in parts) / max(t for _, t, _ in parts)
    cpu = (single[2] + sum(c for _, _, c in parts)) / (single[0] + sum(n for n, _, _ in parts))
    return single[0] / single[1], together, cpu


def cpu_seconds() -> float:
    """CPU used by this process and its reaped children (verify_log's forked workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def machine() -> dict[str, str]:
    return {
        "cpus (nproc)": str(scan.default_workers()),
        "cpu": cpu_name(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cryptography": cryptography.__version__,
        "openssl": openssl.openssl_version_text(),
        "platform": platform.platform(),
        "load average": load_average(),
    }


def bench_verify(folder: Path, count: int, rounds: int) -> dict[str, object]:
    cpus = scan.default_workers()
    path = folder / "verify" / "audit.jsonl"
    path.parent.mkdir()
    generated = generate(path, count, cpus)
    _, trusted = signers()
    singles, together, verifies, raw_cpu, verify_cpu = [], [], [], [], []
    for _ in range(rounds):
        with ProcessPoolExecutor(cpus) as pool:  # gone before verify_log forks its workers
            one, many, cpu = raw_rates(path, count, cpus, pool)
        singles.append(one)
        together.append(many)
        raw_cpu.append(cpu)
        began, cpu_began = time.perf_counter(), cpu_seconds()
        result = verify_log(path, trusted)
        verifies.append(count / (time.perf_counter() - began))
        verify_cpu.append((cpu_seconds() - cpu_began) / count)
        assert result.ok and result.count == count, result.message
    began = time.perf_counter()
    assert verify_log(path, trusted, workers=1).ok
    in_process = count / (time.perf_counter() - began)
    assert scan._start_method() == "fork", "the benchmark must run single-threaded, like mrp"
    return {
        "count": count,
        "bytes": path.stat().st_size,
        "generated": generated,
        "raw_single": singles,
        "raw_all": together,
        "verify": verifies,
        "raw_cpu": raw_cpu,
        "verify_cpu": verify_cpu,
        "verify_one_process": in_process,
    }


def warm_phases(path: Path, target: Path) -> dict[str, float]:
    """The warm export's steps timed one by one (what ``export_csv`` does on a cache hit)."""
    size = path.stat().st_size
    phases = {}
    began = time.perf_counter()
    snapshot = write_snapshot(path, size, [])
    phases["private copy of the log (copy_file_range)"] = time.perf_counter() - began
    began = time.perf_counter()
    cache.digests(snapshot, size, size)
    phases["SHA-256 of the copy (is the cache still about these bytes?)"] = (
        time.perf_counter() - began
    )
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    params = {**Filters().params(snapshot), "target": str(target), "fixed_ts": None}
    began = time.perf_counter()
    con.execute(sql("audit/export_csv"), params).fetchone()
    phases["DuckDB read_json + COPY TO csv"] = time.perf_counter() - began
    con.close()
    snapshot.unlink()
    return phases


def bench_export(folder: Path, count: int) -> dict[str, object]:
    cpus = scan.default_workers()
    path = folder / "export" / "audit.jsonl"
    path.parent.mkdir()
    generated = generate(path, count, cpus)
    _, trusted = signers()
    target = folder / "export" / "audit.csv"
    began, cpu_began = time.perf_counter(), cpu_seconds()
    cold = export_csv(path, trusted, target, Filters())
    cold_seconds = time.perf_counter() - began
    cold_cpu = cpu_seconds() - cpu_began
    assert cold.rows == count and not cold.validity.invalid
    warm_runs = []
    for _ in range(3):
        began = time.perf_counter()
        warm = export_csv(path, trusted, target, Filters())
        warm_runs.append(time.perf_counter() - began)
        assert warm.rows == count and warm.validity.checked == 0
    phases = warm_phases(path, target)
    team, _ = signers()
    began, cpu_began = time.perf_counter(), cpu_seconds()
    verified, head = take_checkpoint(AuditLog(path), team[0], trusted, T0 + timedelta(days=30))
    checkpoint_seconds = time.perf_counter() - began
    checkpoint_cpu = cpu_seconds() - cpu_began
    assert verified.ok and verified.count == count and head is not None, verified.message
    anchored_runs = []
    for _ in range(3):
        os.environ["XDG_CACHE_HOME"] = str(folder / f"cache-auditor-{len(anchored_runs)}")
        began = time.perf_counter()
        anchored = export_csv(path, trusted, target, Filters(), checkpoint=head)
        anchored_runs.append(time.perf_counter() - began)
        assert anchored.rows == count + 1 and anchored.validity.vouched == count
        assert anchored.validity.checked == 1 and not anchored.validity.invalid
    return {
        "phases": phases,
        "count": count,
        "bytes": path.stat().st_size,
        "csv_bytes": target.stat().st_size,
        "generated": generated,
        "cold": cold_seconds,
        "cold_cpu": cold_cpu,
        "warm": warm_runs,
        "checkpoint": checkpoint_seconds,
        "checkpoint_cpu": checkpoint_cpu,
        "anchored": anchored_runs,
    }


def report(
    info: dict[str, str], verify: dict[str, Any] | None, export: dict[str, Any] | None
) -> str:
    lines = [
        "# Audit benchmark",
        "",
        f"`benchmarks/bench_audit.py`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on:",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
    ]
    if verify is not None:
        lines += verify_report(info["cpus (nproc)"], verify)
    if export is not None:
        lines += export_report(export)
    return "\n".join(lines) + "\n"


def verify_report(cpus: str, verify: dict[str, Any]) -> list[str]:
    raw_all, raw_single, rates = verify["raw_all"], verify["raw_single"], verify["verify"]
    raw_cpu, verify_cpu = min(verify["raw_cpu"]), min(verify["verify_cpu"])
    median = statistics.median
    return [
        "",
        f"## Verify {verify['count']:,} records",
        "",
        f"Log: {verify['count']:,} records, {verify['bytes'] / 2**20:.1f} MiB "
        f"(generated and signed in {verify['generated']:.1f} s). "
        f"Rounds alternate raw and verify; best and median of {len(rates)}.",
        "",
        "| what | best records/s | median |",
        "|---|---:|---:|",
        f"| raw Ed25519 verify, 1 process | {max(raw_single):,.0f} | {median(raw_single):,.0f} |",
        f"| raw Ed25519 verify, {cpus} processes at once | {max(raw_all):,.0f} | "
        f"{median(raw_all):,.0f} |",
        f"| `verify_log` (= `mrp audit verify`), all CPUs | **{max(rates):,.0f}** | "
        f"{median(rates):,.0f} |",
        f"| `verify_log`, in one process | {verify['verify_one_process']:,.0f} | |",
        "",
        f"Wall-clock ratio, best verify / best raw on all CPUs: **{max(rates) / max(raw_all):.1%}**"
        f" (target ≥ 90%); median / median: {median(rates) / median(raw_all):.1%}.",
        "",
        f"CPU time per record, all processes counted (best of {len(rates)}): raw verify "
        f"{raw_cpu * 1e6:.1f} µs, `verify_log` {verify_cpu * 1e6:.1f} µs, so `verify_log` "
        f"spends **{raw_cpu / verify_cpu:.1%}** of its CPU on Ed25519 itself: the wall-clock "
        "ratio an idle machine would show with every CPU busy.",
    ]


def export_report(export: dict[str, Any]) -> list[str]:
    warm, anchored, count = export["warm"], export["anchored"], export["count"]
    return [
        "",
        f"## Export {export['count']:,} records to CSV",
        "",
        f"Log: {export['bytes'] / 2**20:.0f} MiB; CSV: {export['csv_bytes'] / 2**20:.0f} MiB "
        f"(generated and signed in {export['generated']:.0f} s).",
        "",
        "| what | seconds |",
        "|---|---:|",
        "| cold: copy, every signature checked on all CPUs (SHA-256 meanwhile), DuckDB `COPY` | "
        f"{export['cold']:.1f} |",
        f"| cold, CPU seconds (all processes) | {export['cold_cpu']:.1f} "
        f"({export['cold_cpu'] / count * 1e6:.0f} µs per record) |",
        f"| warm (cache hit), best of {len(warm)} | **{min(warm):.2f}** |",
        f"| warm, all runs | {', '.join(f'{s:.2f}' for s in warm)} |",
        *(f"| warm, step by step: {name} | {sec:.2f} |" for name, sec in export["phases"].items()),
        "| `take_checkpoint` (= `mrp audit checkpoint`: full verify, then a signed record) | "
        f"{export['checkpoint']:.1f} (CPU {export['checkpoint_cpu']:.1f}) |",
        f"| anchored by that checkpoint, nothing cached, best of {len(anchored)} | "
        f"**{min(anchored):.2f}** |",
        f"| anchored, all runs | {', '.join(f'{s:.2f}' for s in anchored)} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--export-records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", type=Path, help="also write the report here (markdown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mrp-bench-audit-") as scratch:
        folder = Path(scratch)
        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")  # a cold, private verify cache
        verify = bench_verify(folder, args.records, args.rounds) if args.records else None
        export = bench_export(folder, args.export_records) if args.export_records else None
    text = report(machine(), verify, export)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
