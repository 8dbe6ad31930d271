"""Runbook files, the per-model claim, and records written exactly once across a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from console.audit.log import AuditLog
from console.runbook import trail
from console.runbook.approving import approve
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks, settle
from console.runbook.store import RunbookStore
from tests.unit.test_runbook_support import build_workspace, make_env, records, signer


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_workspace(tmp_path / "ws")


def test_save_is_atomic_and_round_trips(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = open_runbook(env, plan(env, "fraud"), "why", signer(ws, "alice"), True)
    store = RunbookStore(ws.runbooks_dir)
    assert store.load(runbook.id) == runbook
    leftovers = [p.name for p in ws.runbooks_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    data = json.loads(store.path(runbook.id).read_text())
    assert data["state"] == "target" and data["pending"] is None
    assert data["rollback"]["verify"]["window"] == "15m"


def test_unknown_and_malformed_ids(ws) -> None:  # type: ignore[no-untyped-def]
    from console.errors import MrpError

    store = RunbookStore(ws.runbooks_dir)
    with pytest.raises(MrpError, match=r"^no runbook rb-x"):
        store.load("rb-x")
    with pytest.raises(MrpError, match="not a runbook id"):
        store.load("../etc/passwd")


def test_pending_record_is_written_once_after_a_crash(ws) -> None:  # type: ignore[no-untyped-def]
    """A process killed after saving the step but before the audit append: the next step
    writes the record; killed after the append but before the final save: it is found,
    not written again."""
    env, _fake = make_env(ws)
    alice = signer(ws, "alice")
    runbook = open_runbook(env, plan(env, "fraud"), "why", alice, False)
    # Simulate "saved, then killed": stage a target record without writing it.
    record = trail.pending(runbook, "target:x", "runbook.target", alice, {"chosen_by": "alice"})
    env.store.save(runbook.model_copy(update={"pending": record}))
    count = len(records(ws))
    settled = settle(env, env.store.load(runbook.id), alice)
    assert settled.pending is None and "target:x" in settled.audit
    assert len(records(ws)) == count + 1
    # Simulate "appended, then killed": the record is in the log, the file still pending.
    env.store.save(settled.model_copy(update={"pending": record}))
    again = settle(env, env.store.load(runbook.id), alice)
    assert again.audit["target:x"] == settled.audit["target:x"]
    assert len(records(ws)) == count + 1


def test_unsigned_approval_of_another_signer_is_undone(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    runbook = open_runbook(env, plan(env, "fraud"), "why", alice, False)
    runbook = choose_target(env, runbook.id, alice)
    runbook = run_prechecks(env, runbook.id, alice)
    runbook = approve(env, runbook.id, alice, "fraud@2")
    # bob's approval got saved but his process died before signing it
    from console.runbook.model import Approval

    staged = runbook.model_copy(
        update={
            "state": "execute",
            "approvals": (
                *runbook.approvals,
                Approval(signer="bob", key_id=bob.key_id, role="model-owner", at=env.now()),
            ),
            "pending": trail.pending(
                runbook, "approve:bob", "runbook.approve", bob.with_role("model-owner"), {}
            ),
        }
    )
    env.store.save(staged)
    undone = settle(env, env.store.load(runbook.id), alice)
    assert undone.state == "approvals"
    assert [a.signer for a in undone.approvals] == ["alice"]
    assert [a for a, actor, _d in records(ws) if actor == "bob"] == []


def test_find_record_stops_at_the_floor(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = open_runbook(env, plan(env, "fraud"), "why", signer(ws, "alice"), False)
    log = AuditLog(ws.audit_path)
    seq = runbook.audit["open"]
    assert trail.find_record(log.path, runbook.id, "open", 0) == seq
    assert trail.find_record(log.path, runbook.id, "open", seq) is None
    assert trail.find_record(log.path, "rb-other", "open", 0) is None


def test_lines_backwards_reads_every_line(tmp_path: Path) -> None:
    path = tmp_path / "log"
    lines = [f'{{"n": {i}, "pad": "{"x" * (i * 997 % 5000)}"}}' for i in range(300)]
    path.write_text("\n".join(lines) + "\n")
    seen = [json.loads(x)["n"] for x in trail._lines_backwards(path)]
    assert seen == list(range(299, -1, -1))
    assert list(trail._lines_backwards(tmp_path / "missing")) == []


def test_model_claim_survives_a_stale_marker(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    marker = ws.runbooks_dir / "open" / "fraud"
    marker.parent.mkdir(parents=True)
    marker.write_text("rb-20260101-0000-dead\n")  # its runbook file never got written
    runbook = open_runbook(env, plan(env, "fraud"), "why", signer(ws, "alice"), False)
    assert marker.read_text().strip() == runbook.id
    assert os.path.exists(env.store.path(runbook.id))


def test_two_engineers_opening_at_once_get_one_runbook(ws) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from console.runbook.store import AlreadyOpen

    env, _fake = make_env(ws)
    found = plan(env, "fraud")
    people = [signer(ws, "alice"), signer(ws, "bob")]

    def attempt(who):  # type: ignore[no-untyped-def]
        try:
            return open_runbook(env, found, f"{who.name} saw it", who, False).id
        except AlreadyOpen as joined:
            return f"joined {joined.runbook.id}"

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(attempt, people))
    created = [r for r in results if not r.startswith("joined")]
    assert len(created) == 1
    assert results.count(f"joined {created[0]}") == 1
    assert [a for a, _w, _d in records(ws)] == ["runbook.open"]


def test_concurrent_approvals_are_both_counted(ws) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    env, _fake = make_env(ws)
    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    runbook = open_runbook(env, plan(env, "fraud"), "why", alice, False)
    runbook = choose_target(env, runbook.id, alice)
    runbook = run_prechecks(env, runbook.id, alice)
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda who: approve(env, runbook.id, who, "fraud@2"), [alice, bob]))
    final = env.store.load(runbook.id)
    assert final.state == "execute"
    assert sorted(a.signer for a in final.approvals) == ["alice", "bob"]
    assert len(done) == 2
