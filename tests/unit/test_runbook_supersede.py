"""A rehearsal never stands in the way of the real thing: a real rollback opened while a dry
run of the same model is in flight aborts that dry run, signed by whoever opens the real
one and recorded as superseded by it; `mrp runbook list/show` and the audit log say so, and
a signer who reaches for the dry run is sent to the real one. A real rollback in flight is
never displaced (a second one joins it, a dry run is refused).

The executor is the fake of ``test_runbook_support``: `mrp rollback` itself, which needs a
real one, is driven against MLflow in tests/integration/test_rollback_rehearsal.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.runbook.approving import approve
from console.runbook.ending import close, supersede
from console.runbook.env import Env
from console.runbook.execute import execute
from console.runbook.model import Runbook
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.runbook.store import AlreadyOpen
from console.runbook.verifying import verify
from console.settings import Workspace
from tests.unit.test_runbook_standing import mrp
from tests.unit.test_runbook_support import build_workspace, make_env, records, signer


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws")


def outcomes(listed: str) -> dict[str, str]:
    """`mrp runbook list`'s OUTCOME of each runbook, its wrapped lines joined."""
    header, *lines = listed.splitlines()
    start, end = header.index("OUTCOME"), header.index("OPENED")
    cells: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("rb-"):
            row = cells.setdefault(line.split()[0], [])
        row.append(line[start:end].strip())
    return {rb: " ".join(words for words in cell if words) for rb, cell in cells.items()}


def rehearsal_waiting(env: Env, ws: Workspace) -> Runbook:
    """bob's dry run, approved by bob, waiting for a second approval."""
    bob = signer(ws, "bob")
    opened = open_runbook(env, plan(env, "fraud"), "rehearse the rollback", bob, dry_run=True)
    choose_target(env, opened.id, bob)
    run_prechecks(env, opened.id, bob)
    return approve(env, opened.id, bob, "fraud@2")


def test_a_real_rollback_supersedes_the_dry_run_in_flight(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    env, _fake = make_env(ws)
    rehearsal = rehearsal_waiting(env, ws)
    real = open_runbook(env, plan(env, "fraud"), "accuracy 0.82", signer(ws, "alice"), False)

    assert real.supersedes == rehearsal.id and not real.dry_run
    aborted = env.store.load(rehearsal.id)
    assert aborted.state == "aborted" and aborted.superseded_by == real.id
    assert env.store.open_for("fraud") == real
    *_before, (abort, by, said), (opening, _alice, opened) = records(ws)
    assert (abort, by) == ("runbook.abort", "alice")
    assert said["runbook"] == rehearsal.id and said["dry_run"] is True
    assert said["superseded_by"] == real.id and said["at_step"] == "approvals"
    assert said["reason"] == f"superseded by the real rollback {real.id}, opened by alice"
    assert opening == "runbook.open" and opened["supersedes"] == rehearsal.id
    assert mrp(capsys, ws, "audit", "verify").exit_code == 0

    listed = mrp(capsys, ws, "runbook", "list").stdout
    assert outcomes(listed) == {real.id: "-",
                                rehearsal.id: f"superseded by {real.id}"}  # fmt: skip
    assert [r["id"] for r in mrp(capsys, ws, "runbook", "list", "--open", "--json").json()[
        "runbooks"
    ]] == [real.id]  # fmt: skip
    shown = mrp(capsys, ws, "runbook", "show", rehearsal.id).stdout
    assert f"  aborted    superseded by the real rollback {real.id}, opened by alice\n" in shown
    assert (
        f"  supersedes dry run {rehearsal.id}, aborted when this opened\n"
        in mrp(capsys, ws, "runbook", "show", "fraud").stdout
    )
    history = " ".join(mrp(capsys, ws, "audit", "show", "--model", "fraud").stdout.split())
    assert f"aborted at approvals: superseded by the real rollback {real.id}" in history


def test_a_signer_approving_the_superseded_dry_run_is_sent_to_the_real_one(
    capsys: pytest.CaptureFixture[str], ws: Workspace
) -> None:
    env, _fake = make_env(ws)
    rehearsal = rehearsal_waiting(env, ws)
    real = open_runbook(env, plan(env, "fraud"), "accuracy 0.82", signer(ws, "alice"), False)
    late = mrp(capsys, ws, "runbook", "approve", rehearsal.id, "--as", "carol",
               "--confirm", "fraud@2")  # fmt: skip
    assert late.exit_code == 2
    assert late.stderr == (
        f"mrp: runbook {rehearsal.id} was a dry run, aborted when the real rollback {real.id} "
        f"of fraud superseded it: approve that one (`mrp runbook show {real.id}`).\n"
    )


def test_a_real_rollback_in_flight_is_never_displaced(ws: Workspace) -> None:
    env, _fake = make_env(ws)
    alice = signer(ws, "alice")
    real = open_runbook(env, plan(env, "fraud"), "accuracy 0.82", alice, False)
    for dry_run in (False, True):
        with pytest.raises(AlreadyOpen) as joined:
            open_runbook(env, plan(env, "fraud"), "me too", signer(ws, "bob"), dry_run)
        assert joined.value.runbook.id == real.id
    assert env.store.load(real.id).state == "target"
    assert [a for a, _by, _d in records(ws)] == ["runbook.open"]


def test_a_dry_run_that_closed_meanwhile_is_left_as_it_ended(ws: Workspace) -> None:
    env, _fake = make_env(ws)
    rehearsal = rehearsal_waiting(env, ws)
    alice = signer(ws, "alice")
    approve(env, rehearsal.id, alice, "fraud@2")
    execute(env, rehearsal.id, alice)
    verify(env, rehearsal.id, alice)
    closed = close(env, rehearsal.id, alice)
    assert supersede(env, rehearsal.id, alice, "rb-20261102-1200-ffff") is None
    assert env.store.load(rehearsal.id) == closed
    real = open_runbook(env, plan(env, "fraud"), "accuracy 0.82", alice, False)
    assert real.supersedes is None
    assert "supersedes" not in records(ws)[-1][2]
