"""kill -9 at every step boundary of a rollback against a real MLflow, then resume.

``MRP_TEST_CRASH_AFTER=<point>`` makes the `mrp` process end with ``os._exit(137)`` — no
cleanup, no flush, what SIGKILL leaves behind — as it passes that point. For every point a
full rollback crosses, the test kills the process there, resumes the runbook from a fresh
process, and requires: the alias moved exactly once in MLflow (counted by the recording
proxy), each audit record written exactly once (none lost, none duplicated), the chain
verifying, and the runbook closed with the rollback verified.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console.audit.keys import init_key
from console.settings import open_workspace
from console.sources.sync import sync_workspace
from tests.integration.conftest import Registry
from tests.integration.fakes import FaultProxy
from tests.integration.test_rollback_e2e import (
    T0,
    T_APPROVE,
    T_OPEN,
    T_SWITCH,
    Scenario,
    bob_approves,
    open_rollback,
    proxy,
    stamp,
    write_workspace,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

__all__ = ["proxy"]  # the fixture, re-exported for pytest


def _boundaries(key: str) -> list[str]:
    return [f"{key}.saved", f"{key}.audited", f"{key}.done"]


ALICE_POINTS = [
    *_boundaries("open"),
    *_boundaries("target:1"),
    *_boundaries("precheck:2"),
    *_boundaries("approve:alice"),
]
"""Crossed by alice's `mrp rollback`."""
BOB_POINTS = [
    *_boundaries("approve:bob"),
    "execute.intent",
    "execute.called",
    *_boundaries("execute#1"),
    *_boundaries("verify"),
    *_boundaries("close"),
]
"""Crossed by bob's `mrp runbook approve`, which carries the runbook to close."""
STORY = [
    "runbook.open",
    "runbook.target",
    "runbook.precheck",
    "runbook.approve",
    "runbook.approve",
    "runbook.execute",
    "runbook.verify",
    "runbook.close",
]


def _scenario(
    tmp_path: Path,
    home: Path,
    registry: Registry,
    proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> Scenario:
    """As the e2e scenario, built in-process (keys, syncs) to keep 26 runs quick."""
    model = f"kill-{time.time_ns()}"
    registry.model(model, tags={"team": "risk-ml", "risk_tier": "high"}, baselines=[0.95, 0.96])
    registry.set_alias(model, "champion", "1")
    root = tmp_path / "ws"
    write_workspace(root, model, proxy)
    ws = open_workspace(root)
    init_key(ws, "alice", ["oncall"], now=T0)
    init_key(ws, "bob", ["model-owner"], now=T0)
    monkeypatch.setenv("MRP_NOW", stamp(T_SWITCH - (T_OPEN - T_SWITCH)))
    assert all(o.ok for o in sync_workspace(ws))
    registry.set_alias(model, "champion", "2")
    monkeypatch.setenv("MRP_NOW", stamp(T_SWITCH))
    assert all(o.ok for o in sync_workspace(ws))
    monkeypatch.delenv("MRP_NOW")
    return Scenario(root, home, model, registry, proxy)


@pytest.mark.parametrize("point", ALICE_POINTS + BOB_POINTS)
def test_kill_at_a_step_boundary_then_resume(
    point: str,
    tmp_path: Path,
    isolated_home: Path,
    registry: Registry,
    proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = _scenario(tmp_path, isolated_home, registry, proxy, monkeypatch)

    first = open_rollback(s, crash=point if point in ALICE_POINTS else None)
    if point in ALICE_POINTS:
        assert first.code == 137, (first.code, first.stderr)
        (runbook_id,) = s.runbook_ids()
        resumed = s.mrp("runbook", "resume", runbook_id, "--as", "alice", now=T_OPEN)
        assert resumed.code == 0, resumed.stderr
        if not any(r["actor"] == "alice" and r["action"] == "runbook.approve" for r in s.audit()):
            again = s.mrp(
                "runbook", "approve", runbook_id, "--as", "alice", "--confirm", f"{s.model}@1",
                now=T_OPEN,
            )  # fmt: skip
            assert again.code == 0, again.stderr
    else:
        assert first.code == 0, first.stderr
    (runbook_id,) = s.runbook_ids()
    assert s.runbook(runbook_id)["state"] == "approvals"
    assert s.alias_moves() == 0

    second = bob_approves(s, crash=point if point in BOB_POINTS else None)
    if point in BOB_POINTS:
        assert second.code == 137, (second.code, second.stderr)
        resumed = s.mrp("runbook", "resume", runbook_id, "--as", "bob", now=T_APPROVE)
        assert resumed.code == 0, resumed.stderr
    else:
        assert second.code == 0, second.stderr

    final = s.runbook(runbook_id)
    assert final["state"] == "closed" and final["outcome"] == "recovered", final["state"]
    assert final["pending"] is None
    assert s.registry.alias(s.model, "champion") == "1"
    assert s.alias_moves() == 1, f"the alias was moved {s.alias_moves()} times"
    assert s.actions() == STORY
    assert [r["seq"] for r in s.audit()] == list(range(1, len(STORY) + 1))
    assert sorted(final["audit"].values()) == list(range(1, len(STORY) + 1))
    verified = s.mrp("audit", "verify", now=T_APPROVE)
    assert verified.code == 0, verified.stdout + verified.stderr
