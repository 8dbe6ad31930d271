"""What the SRE walkthrough of the headless runbook against a real MLflow found, as a user
meets it through `mrp` subprocesses:

- a dry run waiting for its second approval never blocks the real rollback of the same
  model: `mrp rollback` (without --dry-run) aborts it, signed and recorded as superseded, says
  so on stderr, and carries on as a fresh rollback;
- the hint to the first signer says what the completing approval goes on to do (execute, then
  watch the whole verify window) and how to keep it short;
- on a real clock, the watch says how long it watches and how to leave; Ctrl-C leaves the
  runbook at verify, the move done, and `mrp runbook resume` carries it on.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, Registry
from tests.integration.fakes import FaultProxy
from tests.integration.test_rollback_e2e import (
    T_APPROVE,
    T_OPEN,
    Scenario,
    _scenario,
    bob_approves,
    proxy,
    stamp,
)

pytestmark = pytest.mark.integration

__all__ = ["proxy"]  # the fixture, shared with test_rollback_e2e


def test_a_real_rollback_supersedes_the_dry_run_waiting_for_approval(
    tmp_path: Path, isolated_home: Path, registry: Registry, proxy: FaultProxy
) -> None:
    s = _scenario(tmp_path, isolated_home, registry, proxy, "rehearsed")
    rehearsal = s.mrp(
        "rollback", s.model, "--dry-run", "--reason", "rehearse going back to 1",
        "--confirm", f"{s.model}@1", "--yes", "--as", "bob", now=T_OPEN,
    )  # fmt: skip
    assert rehearsal.code == 0, rehearsal.stderr
    assert "1 more approval needed" in rehearsal.stdout
    (dry,) = s.runbook_ids()

    real = s.mrp(
        "rollback", s.model, "--reason", "accuracy collapsed to 0.81 after version 2",
        "--confirm", f"{s.model}@1", "--yes", "--as", "alice", now=T_OPEN,
    )  # fmt: skip
    assert real.code == 0, real.stderr
    (opened,) = [rb for rb in s.runbook_ids() if rb != dry]
    assert real.stderr.splitlines() == [
        f"runbook {dry}, a dry run of {s.model} (opened by bob at {stamp(T_OPEN)}, at step "
        f"'approvals'), is aborted: superseded by this real rollback, runbook {opened} (the "
        "abort is signed by alice)."
    ]
    told = " ".join(real.stdout.split())
    assert (
        "The approval that completes the count executes the rollback, then watches the triggers "
        "for the 15m verify window before it returns: add --verify-timeout 2m to watch less (the "
        "runbook then waits at verify for `mrp runbook resume`), or --no-continue to only "
        "approve." in told
    )
    assert s.runbook(dry)["state"] == "aborted"
    assert s.runbook(dry)["superseded_by"] == opened
    assert s.alias_moves() == 0

    approved = bob_approves(s, "--json")
    assert approved.code == 0, approved.stderr
    assert approved.json["id"] == opened and approved.json["outcome"] == "recovered"
    assert registry.alias(s.model, "champion") == "1" and s.alias_moves() == 1

    trail = [(r["action"], r["actor"], r["details"]["runbook"]) for r in s.audit()]
    assert trail[4:6] == [("runbook.abort", "alice", dry), ("runbook.open", "alice", opened)]
    assert s.audit()[4]["details"]["superseded_by"] == opened
    assert s.audit()[5]["details"]["supersedes"] == dry
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0
    listed = s.mrp("runbook", "list", "--json", now=T_APPROVE).json["runbooks"]
    assert {r["id"]: r["superseded_by"] for r in listed} == {opened: None, dry: opened}


def on_the_real_clock(s: Scenario) -> None:
    """Replace the feed with a fresh incident on the machine's clock: version 2 (serving)
    reports an accuracy of 0.81 for the last hour; synced now."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    rows = ["model,version,metric,ts,value"]
    rows += [
        f"{s.model},2,accuracy,{stamp(now - timedelta(minutes=m))},0.81" for m in range(60, -1, -1)
    ]
    (s.root / "feed" / "metrics" / "accuracy.csv").write_text("\n".join(rows) + "\n")
    synced = now_run(s, "sync")
    assert synced.returncode == 0, synced.stderr


def now_run(s: Scenario, *args: str) -> subprocess.CompletedProcess[str]:
    """`mrp` on the machine's clock (``Scenario.mrp`` pins one)."""
    return subprocess.run(
        [sys.executable, "-m", "console", *args, "-w", str(s.root)],
        capture_output=True, text=True, env=user_env(s), cwd=REPO, timeout=300, check=False,
    )  # fmt: skip


def user_env(s: Scenario) -> dict[str, str]:
    env = {
        **os.environ,
        "HOME": str(s.home),
        "XDG_CONFIG_HOME": str(s.home / ".config"),
        "XDG_DATA_HOME": str(s.home / ".local" / "share"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "COLUMNS": "200",
    }
    for name in ("MRP_HOME", "MRP_SIGNER", "MRP_NOW", "MRP_TEST_CRASH_AFTER"):
        env.pop(name, None)
    return env


def test_ctrl_c_while_the_approval_watches_leaves_the_runbook_resumable(
    tmp_path: Path, isolated_home: Path, registry: Registry, proxy: FaultProxy
) -> None:
    s = _scenario(tmp_path, isolated_home, registry, proxy, "watched")
    on_the_real_clock(s)
    opened = now_run(s, "rollback", s.model, "--reason", "accuracy 0.81",
                     "--confirm", f"{s.model}@1", "--yes", "--as", "alice")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    (rb,) = s.runbook_ids()

    bob = subprocess.Popen(
        [sys.executable, "-m", "console", "runbook", "approve", rb, "--as", "bob",
         "--confirm", f"{s.model}@1", "-w", str(s.root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env=user_env(s), cwd=REPO,
    )  # fmt: skip
    said: list[str] = []
    deadline = time.monotonic() + 120
    assert bob.stderr is not None
    while time.monotonic() < deadline:
        line = bob.stderr.readline()
        if not line:
            break
        said.append(line.rstrip("\n"))
        if line.startswith("verify "):  # the first evaluation of the watch
            bob.send_signal(signal.SIGINT)
            break
    try:
        _out, more = bob.communicate(timeout=60)
    finally:
        bob.kill()
    said += more.splitlines()
    assert bob.returncode == 130, "\n".join(said)
    assert registry.alias(s.model, "champion") == "1"
    end = stamp(datetime.fromisoformat(s.runbook(rb)["verification"]["window_end"]))
    told = " ".join(" ".join(said).split())  # lines wrap at 120 columns
    assert re.search(
        re.escape(f"watching {s.model}'s triggers until {end} (")
        + r"\S+"
        + re.escape(
            " of the 15m verify window left). Ctrl-C stops watching and leaves runbook "
            f"{rb} at verify (the move to version 1 is done and stays): "
            f"`mrp runbook resume {rb}` watches the rest. verify "
        ),
        told,
    ), told
    assert said[-1] == (
        f"mrp: stopped watching; runbook {rb} stays at verify (the move to version 1 is done and "
        f"stays): `mrp runbook resume {rb}` watches the rest of the window, until {end}."
    )
    assert s.runbook(rb)["state"] == "verify"
    assert [r["action"] for r in s.audit()][-1] == "runbook.execute"

    after = datetime.fromisoformat(end.replace("Z", "+00:00")) + timedelta(minutes=1)
    resumed = s.mrp("runbook", "resume", rb, "--as", "bob", "--json", now=after)
    assert resumed.code == 0, resumed.stderr
    assert resumed.json["state"] == "closed" and s.alias_moves() == 1
    assert s.mrp("audit", "verify", now=after).code == 0
