"""Two terminals watching one runbook's verify window (the console and `mrp runbook resume`):
the one that ends first records the outcome; the other records nothing and leaves the
runbook's verification as recorded (the audit log's idempotency key alone kept a second
record out, while the runbook file took the later watch's result)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.runbook import verifying
from console.runbook.approving import approve
from console.runbook.execute import execute
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.runbook.verify import Verdict
from console.runbook.verifying import verify
from tests.unit.test_runbook_support import build_workspace, make_env, records, signer


def _at_verify(tmp_path: Path) -> tuple[Any, Any, str]:
    ws = build_workspace(tmp_path / "ws")
    env, _fake = make_env(ws)
    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    runbook = open_runbook(env, plan(env, "fraud"), "accuracy fell to 0.82", alice, False)
    choose_target(env, runbook.id, alice, None)
    run_prechecks(env, runbook.id, alice)
    approve(env, runbook.id, alice, "fraud@2")
    approve(env, runbook.id, bob, "fraud@2")
    execute(env, runbook.id, bob)
    return ws, env, runbook.id


def _watching_while_the_other_ends(
    monkeypatch: pytest.MonkeyPatch, env: Any, runbook_id: str, other: Any, **mine: Any
) -> list[Any]:
    """This watch runs; meanwhile the other terminal's watch ends and records. This one
    then ends with a verification of its own (``mine``: what differs from the other's)."""
    real = verifying.watch
    theirs: list[Any] = []
    started: list[bool] = []

    def watch(*args: Any, **options: Any) -> Any:
        verdict = real(*args, **options)
        if started:
            return verdict
        started.append(True)
        theirs.append(verify(env, runbook_id, other))
        return Verdict(verdict.verification.model_copy(update=mine), verdict.judgement)

    monkeypatch.setattr(verifying, "watch", watch)
    return theirs


def test_the_second_watch_to_end_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, env, runbook_id = _at_verify(tmp_path)
    theirs = _watching_while_the_other_ends(
        monkeypatch, env, runbook_id, signer(ws, "alice"), evaluations=99
    )
    mine = verify(env, runbook_id, signer(ws, "bob"))
    verified = [(actor, d) for action, actor, d in records(ws) if action == "runbook.verify"]
    assert [actor for actor, _details in verified] == ["alice"]
    stored = env.store.load(runbook_id).verification
    assert stored == theirs[0].verification == mine.verification
    assert stored.evaluations == verified[0][1]["evaluations"] != 99


def test_a_watch_cut_short_does_not_undo_a_recorded_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, env, runbook_id = _at_verify(tmp_path)
    _watching_while_the_other_ends(
        monkeypatch, env, runbook_id, signer(ws, "alice"), complete=False, outcome=None
    )
    cut = verify(env, runbook_id, signer(ws, "bob"))
    stored = env.store.load(runbook_id)
    assert stored.verification is not None and stored.verification.complete
    assert cut.verification == stored.verification
    assert [a for a, _actor, _d in records(ws)].count("runbook.verify") == 1
