"""The runbook machine step by step, with a fake executor and scripted triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.audit.keys import load_signers_file
from console.audit.verify import verify_log
from console.errors import MrpError
from console.runbook.approving import approve, break_glass
from console.runbook.drive import DriveOptions, drive
from console.runbook.ending import abort, close
from console.runbook.execute import ExecuteFailed, execute
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.runbook.store import AlreadyOpen
from console.runbook.verifying import verify
from tests.unit.test_runbook_support import (
    FakeExecutor,
    build_workspace,
    make_env,
    records,
    runbook_files,
    signer,
)


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_workspace(tmp_path / "ws")


def _to_approvals(env, ws, dry_run: bool = False, to: str | None = None):  # type: ignore[no-untyped-def]
    alice = signer(ws, "alice")
    found = plan(env, "fraud")
    runbook = open_runbook(env, found, "accuracy fell to 0.82", alice, dry_run)
    runbook = choose_target(env, runbook.id, alice, to)
    return run_prechecks(env, runbook.id, alice)


def _chain_ok(ws) -> None:  # type: ignore[no-untyped-def]
    result = verify_log(ws.audit_path, load_signers_file(ws.signers_path))
    assert result.ok, result


def test_full_rollback_two_signers(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    assert runbook.state == "approvals"
    assert runbook.from_version == "4" and runbook.to_version == "2"
    assert runbook.target is not None and runbook.target.suggested == "2"
    why = {c.version: c for c in runbook.target.candidates}
    assert not why["3"].eligible and "rejected" in why["3"].why
    assert not why["1"].eligible and "archived" in why["1"].why
    assert all(check.ok for check in runbook.prechecks)

    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    runbook = approve(env, runbook.id, alice, "fraud@2")
    assert runbook.state == "approvals", "the requester alone cannot satisfy a two-person rule"
    runbook = approve(env, runbook.id, bob, "fraud@2")
    assert runbook.state == "execute"
    runbook = execute(env, runbook.id, bob)
    assert fake.calls == [f"{runbook.id}:execute"]
    assert fake.alias_at == "2"
    runbook = verify(env, runbook.id, bob)
    assert runbook.verification is not None and runbook.verification.outcome == "recovered"
    runbook = close(env, runbook.id, bob, "back on 2")
    assert runbook.state == "closed" and runbook.outcome == "recovered"
    assert env.store.open_for("fraud") is None

    actions = [a for a, _actor, _d in records(ws)]
    assert actions == [
        "runbook.open",
        "runbook.target",
        "runbook.precheck",
        "runbook.approve",
        "runbook.approve",
        "runbook.execute",
        "runbook.verify",
        "runbook.close",
    ]
    for _action, _actor, details in records(ws):
        assert details["runbook"] == runbook.id
        assert details["from_version"] == "4" and details["to_version"] in ("2", None)
        assert details["dry_run"] is False
    _chain_ok(ws)


def test_wrong_phrase_writes_nothing(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    before = (ws.audit_path.read_bytes(), env.store.path(runbook.id).read_bytes())
    with pytest.raises(MrpError) as refused:
        approve(env, runbook.id, signer(ws, "alice"), "fraud@3")
    assert refused.value.exit_code == 2 and "fraud@2" in refused.value.message
    assert (ws.audit_path.read_bytes(), env.store.path(runbook.id).read_bytes()) == before


def test_same_signer_twice_counts_once(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    with pytest.raises(MrpError, match="already approved"):
        approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    assert env.store.load(runbook.id).state == "approvals"


def test_role_outside_the_policy_cannot_approve(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    with pytest.raises(MrpError, match="accepts the roles oncall, model-owner"):
        approve(env, runbook.id, signer(ws, "carol"), "fraud@2")


def test_untrusted_key_is_refused(ws) -> None:  # type: ignore[no-untyped-def]
    from console.audit.keys import load_signer

    with pytest.raises(MrpError, match="no signing key for 'dave'"):
        load_signer(ws, "dave")


def test_one_open_runbook_per_model(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    first = _to_approvals(env, ws)
    with pytest.raises(AlreadyOpen) as joined:
        open_runbook(env, plan(env, "fraud"), "me too", signer(ws, "bob"), False)
    assert joined.value.runbook.id == first.id
    assert plan(env, "fraud").open_runbook is not None


def test_precheck_failure_is_recorded_and_sends_back_to_target(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws)
    runbook = _to_approvals(env, ws, to="3")
    assert runbook.state == "target" and runbook.to_version is None
    failed = {r.name for r in runbook.prechecks if not r.ok}
    assert failed == {"target_status"}
    last = records(ws)[-1]
    assert last[0] == "runbook.precheck" and last[2]["passed"] is False
    runbook = choose_target(env, runbook.id, signer(ws, "alice"), "2")
    runbook = run_prechecks(env, runbook.id, signer(ws, "alice"))
    assert runbook.state == "approvals"
    assert fake.calls == []


def test_alias_moved_meanwhile_is_refused(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    fake.alias_at = "1"  # someone else moved it
    with pytest.raises(ExecuteFailed, match="someone moved it meanwhile"):
        execute(env, runbook.id, signer(ws, "bob"))
    assert fake.calls == []
    stored = env.store.load(runbook.id)
    assert stored.state == "execute"
    assert stored.execution is not None and stored.execution.last is not None
    assert stored.execution.last.status == "failed"
    assert records(ws)[-1][2]["outcome"] == "failed"


def test_executor_down_stays_resumable_and_calls_once(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    fake.down = True
    with pytest.raises(ExecuteFailed) as failed:
        execute(env, runbook.id, signer(ws, "bob"))
    assert "stays at execute" in failed.value.message
    assert env.store.load(runbook.id).state == "execute"
    assert not any(d.get("outcome") == "done" for _a, _w, d in records(ws))
    fake.down = False
    done = drive(env, runbook.id, signer(ws, "bob"))
    assert done.state == "closed" and done.outcome == "recovered"
    assert len(fake.calls) == 1
    outcomes = [d["outcome"] for a, _w, d in records(ws) if a == "runbook.execute"]
    assert outcomes == ["failed", "done"]
    _chain_ok(ws)


def test_silent_no_op_is_a_failure(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws, FakeExecutor(no_op=True))
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    with pytest.raises(ExecuteFailed, match="reads back as 4"):
        execute(env, runbook.id, signer(ws, "bob"))
    assert env.store.load(runbook.id).state == "execute"


def test_a_move_whose_answer_was_lost_is_not_sent_again(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws, FakeExecutor(fail_after_move=True))
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    with pytest.raises(ExecuteFailed):
        execute(env, runbook.id, signer(ws, "bob"))
    assert fake.alias_at == "2" and len(fake.calls) == 1
    runbook = execute(env, runbook.id, signer(ws, "bob"))
    assert len(fake.calls) == 1, "the read-back shows the earlier attempt took"
    assert runbook.execution is not None and runbook.execution.last is not None
    assert runbook.execution.last.already_done and runbook.state == "verify"


def test_alias_moved_to_the_target_by_someone_else_is_refused(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    fake.alias_at = "2"  # a colleague did it by hand
    with pytest.raises(ExecuteFailed, match="though this runbook has not moved it"):
        execute(env, runbook.id, signer(ws, "bob"))
    assert fake.calls == []


def test_not_recovered_suggests_next_step(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    env.evaluate.recovered = False  # type: ignore[attr-defined]
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    done = drive(env, runbook.id, signer(ws, "bob"))
    assert done.outcome == "not_recovered"
    assert done.verification is not None
    assert done.verification.still_firing == ("accuracy-floor",)
    assert "accuracy-floor still fires" in (done.verification.next_step or "")


def test_inconclusive_without_data(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    env.evaluate.data = False  # type: ignore[attr-defined]
    done = drive(env, runbook.id, signer(ws, "bob"))
    assert done.outcome == "inconclusive"


def test_dry_run_does_everything_but_the_call(ws) -> None:  # type: ignore[no-untyped-def]
    env, fake = make_env(ws)
    runbook = _to_approvals(env, ws, dry_run=True)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    done = drive(env, runbook.id, signer(ws, "bob"), DriveOptions(notes="drill"))
    assert done.state == "closed" and done.outcome == "dry_run_complete"
    assert done.verification is not None and done.verification.mode == "rehearsal"
    assert done.verification.outcome == "recovered"
    close = [d for a, _w, d in records(ws) if a == "runbook.close"]
    assert close[0]["outcome"] == "dry_run_complete" and close[0]["rehearsal"] == "recovered"
    assert fake.calls == [] and fake.alias_at == "4"
    assert all(d["dry_run"] is True for _a, _w, d in records(ws))
    _chain_ok(ws)


def test_break_glass_needs_reason_and_is_flagged(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    with pytest.raises(MrpError, match="written reason"):
        break_glass(env, runbook.id, signer(ws, "alice"), "fraud@2", "")
    runbook = break_glass(
        env, runbook.id, signer(ws, "alice"), "fraud@2", "bob unreachable, fraud losses climbing"
    )
    assert runbook.state == "execute" and runbook.break_glass is not None
    done = drive(env, runbook.id, signer(ws, "alice"))
    assert done.state == "closed"
    flagged = {a for a, _w, d in records(ws) if d.get("break_glass") is True}
    assert {"runbook.break_glass", "runbook.execute", "runbook.close"} <= flagged
    _chain_ok(ws)


def test_break_glass_refused_when_the_policy_forbids_it(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws", break_glass=False)
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    with pytest.raises(MrpError, match="does not allow break-glass"):
        break_glass(env, runbook.id, signer(ws, "alice"), "fraud@2", "a long enough reason")


def test_freeze_only_break_glass(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws", freeze=True)
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    assert runbook.state == "approvals"
    with pytest.raises(
        MrpError, match="Approve again once it ends, or break-glass now: `mrp runbook approve "
    ):
        approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    runbook = break_glass(env, runbook.id, signer(ws, "bob"), "fraud@2", "outage beats the freeze")
    assert runbook.state == "execute"
    last = records(ws)[-1][2]
    assert last["overridden_checks"] == ["change_freeze"]


def test_cooldown_blocks_flapping_back(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    approve(env, runbook.id, signer(ws, "alice"), "fraud@2")
    approve(env, runbook.id, signer(ws, "bob"), "fraud@2")
    drive(env, runbook.id, signer(ws, "bob"))
    # Within the hour, someone tries to go back to 4 (the version just rolled back from).
    from console.runbook.facts import ModelFacts
    from console.runbook.prechecks import CheckInput, run_checks

    facts: ModelFacts = env.facts("fraud")
    given = CheckInput(
        facts=facts,
        target="4",
        from_version="2",
        rollback=runbook.rollback,
        now=env.now(),
        earlier=tuple(env.store.all()),
        live_serving="2",
        live_source="registry",
    )
    cooldown = {r.name: r for r in run_checks(given)}["cooldown"]
    assert not cooldown.ok and "flap" in cooldown.detail


def test_serving_check_says_what_serves_for_the_mechanism(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    runbook = _to_approvals(env, ws)
    from console.runbook.prechecks import CheckInput, run_checks

    def serving_check(mechanism: str, live: str) -> str:
        given = CheckInput(
            facts=env.facts("fraud"),
            target="2",
            from_version="4",
            rollback=runbook.rollback.model_copy(update={"mechanism": mechanism}),
            now=env.now(),
            live_serving=live,
            live_source="platform",
        )
        return {r.name: r for r in run_checks(given)}["serving_unchanged"].detail

    assert serving_check("alias_swap", "4") == (
        "fraud's alias 'champion' still points at 4 (source 'platform')."
    )
    assert serving_check("traffic_shift", "4") == (
        "fraud's traffic on 'champion' still goes to 4 (source 'platform')."
    )
    moved = serving_check("traffic_shift", "3")
    assert moved.startswith(
        "fraud's traffic on 'champion' now goes to 3 (source 'platform'), not 4"
    )


def test_abort_at_any_step(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    alice = signer(ws, "alice")
    runbook = open_runbook(env, plan(env, "fraud"), "reason", alice, False)
    aborted = abort(env, runbook.id, alice, "false alarm")
    assert aborted.state == "aborted"
    assert records(ws)[-1][0] == "runbook.abort"
    assert env.store.open_for("fraud") is None
    with pytest.raises(MrpError, match="already aborted"):
        abort(env, runbook.id, alice)
    again = _to_approvals(env, ws)
    assert again.id != runbook.id
    assert len(runbook_files(ws)) == 2


def test_requester_without_reason_is_refused(ws) -> None:  # type: ignore[no-untyped-def]
    env, _fake = make_env(ws)
    with pytest.raises(MrpError, match="needs a reason"):
        open_runbook(env, plan(env, "fraud"), "  ", signer(ws, "alice"), False)
    assert runbook_files(ws) == []


def test_watch_follows_a_replayed_clock_and_stops_where_the_history_does() -> None:
    from datetime import timedelta

    from console.clock import Clock
    from console.runbook.evidence import Reading
    from console.runbook.verify import start_watch, watch
    from tests.unit.test_runbook_support import NOW

    ws_runbook = _minimal_runbook()
    plan = start_watch(ws_runbook, NOW)
    clock = Clock(replay_from=NOW, speed=3600.0, replay_until=NOW + timedelta(minutes=5))
    seen: list[object] = []
    done = watch(
        ws_runbook,
        plan,
        clock,
        lambda at: [Reading("risk", "accuracy-floor", "ok", version="2", last_sample=at)],
        lambda: None,
        None,
        poll=0.01,
        progress=lambda at, readings: seen.append(at),
    ).verification
    assert done.complete and done.outcome == "recovered"
    assert done.checked_at == NOW + timedelta(minutes=5)
    assert seen


def _minimal_runbook():  # type: ignore[no-untyped-def]
    from console.policy.model import Rollback
    from console.runbook.model import Evidence, Runbook, TriggerEvidence
    from tests.unit.test_runbook_support import NOW

    return Runbook(
        id="rb-x",
        model="fraud",
        alias="champion",
        state="verify",
        created_at=NOW,
        updated_at=NOW,
        requester="alice",
        reason="r",
        dry_run=False,
        rollback=Rollback(),
        policy="risk",
        policy_digest=None,
        from_version="4",
        to_version="2",
        evidence=Evidence(
            at=NOW,
            serving_version="4",
            triggers=(TriggerEvidence(policy="risk", trigger="accuracy-floor", state="firing"),),
        ),
    )
