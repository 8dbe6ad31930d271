"""Verify judges the version rolled back to on its own samples, taken after the move.

Real trigger engine, real sync of a files workspace, a fake executor that moves the alias in
``deployments.json`` as a registry would, and a clock that moves only while the watch waits
between evaluations. The model's alias history starts with the rollback (as MLflow's does
when the bad version was set before mrp's first sync), and the exporter goes on labelling
samples with the old version until 12:06, five minutes after the move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from console.clock import Clock
from console.runbook.approving import approve
from console.runbook.drive import DriveOptions, drive
from console.runbook.env import Env
from console.runbook.executors import ExecutorChoice, Moved
from console.runbook.model import Runbook
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.settings import Workspace
from tests.unit.test_runbook_support import NOW, SWITCH, build_workspace, records, signer

MOVE = NOW + timedelta(seconds=40)
"""bob's approval moves the alias back to 2 here, between two evaluation steps."""
ARRIVE = NOW + timedelta(minutes=6)
"""The first sample labelled with version 2 after the move (samples come each minute)."""

TWO_TRIGGERS = """\
    - {name: latency-ceiling, metric: latency, op: ">", threshold: 0.5, for: 5m,
       severity: critical, action: rollback}
"""


@dataclass
class ManualClock(Clock):
    """Now is ``moment``; it moves only when the watch sleeps between evaluations."""

    moment: datetime = MOVE

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@dataclass
class Registry:
    """Moves ``champion`` in the workspace's deployments.json, with the switch at the
    clock's now; ``unseen`` moves it without the sync ever seeing it (a registry sync
    that keeps failing)."""

    root: Path
    clock: Clock
    unseen: bool = False
    calls: list[str] = field(default_factory=list)
    alias_at: str = "4"
    source: str = "offline"
    mechanism: str = "alias_swap"

    def current(self, model: str, alias: str) -> str | None:
        return self.alias_at

    def move(
        self, model: str, alias: str, version: str, key: str, actor: str, reason: str
    ) -> Moved:
        self.calls.append(key)
        before, self.alias_at = self.alias_at, version
        if not self.unseen:
            path = self.root / "deployments.json"
            data = json.loads(path.read_text())
            entry = data["models"][0]
            entry["aliases"][alias] = version
            at = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            entry["history"].append({"alias": alias, "version": version, "at": at})
            path.write_text(json.dumps(data))
        return Moved(version, before, False, f"moved {model} {before} → {version}")


def _metrics(target_reports: tuple[str, ...]) -> str:
    """Version 2 healthy until SWITCH; version 4 bad until ARRIVE (the exporter still labels
    with 4 after the move); then version 2 with ``target_reports`` only."""
    rows = ["model,version,metric,ts,value"]
    moment = SWITCH - timedelta(hours=2)
    while moment <= NOW + timedelta(minutes=40):
        stamp = f"{moment:%Y-%m-%dT%H:%M:%SZ}"
        if moment < SWITCH or moment >= ARRIVE:
            version, accuracy, latency = "2", 0.95, 0.2
        else:
            version, accuracy, latency = "4", 0.82, 0.9
        metrics = {"accuracy": accuracy, "latency": latency}
        for metric, value in metrics.items():
            if version == "4" or moment < SWITCH or metric in target_reports:
                rows.append(f"fraud,{version},{metric},{stamp},{value}")
        moment += timedelta(minutes=1)
    return "\n".join(rows) + "\n"


def workspace(
    root: Path,
    *,
    target_reports: tuple[str, ...] = ("accuracy",),
    on_no_data: str | None = None,
    latency: bool = False,
) -> Workspace:
    ws = build_workspace(root)
    policy = ws.policies_dir / "risk.yaml"
    text = policy.read_text()
    if latency:
        text = text.replace("  rollback:\n", TWO_TRIGGERS + "  rollback:\n")
    if on_no_data is not None:
        text = text.replace("  triggers:\n", f"  on_no_data: {on_no_data}\n  triggers:\n")
    policy.write_text(text)
    deployments = json.loads((root / "deployments.json").read_text())
    deployments["models"][0]["history"] = []  # alias history starts with the rollback
    (root / "deployments.json").write_text(json.dumps(deployments))
    (root / "metrics" / "fraud.csv").write_text(_metrics(target_reports))
    from console.sources.sync import sync_workspace

    assert all(o.ok for o in sync_workspace(ws))
    return ws


def env_for(ws: Workspace, clock: Clock, unseen: bool = False) -> tuple[Env, Registry]:
    env = Env.for_workspace(ws, clock=clock)
    registry = Registry(ws.root, clock, unseen=unseen)
    env.pick_executor = lambda mechanism, source: ExecutorChoice(registry, "registry (fake)")
    if isinstance(clock, ManualClock):
        env.sleep = clock.sleep
    return env, registry


def roll_back(env: Env, ws: Workspace) -> Runbook:
    """alice opens and approves, bob approves and carries it on as `mrp runbook approve`
    does: execute, verify (each evaluation printed as the command prints it), close."""
    from console.commands.runbook_flow import _watcher

    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    opened = open_runbook(env, plan(env, "fraud"), "accuracy 0.82 since v4", alice, False)
    choose_target(env, opened.id, alice, "2")
    assert run_prechecks(env, opened.id, alice).state == "approvals"
    approve(env, opened.id, alice, "fraud@2")
    assert approve(env, opened.id, bob, "fraud@2").state == "execute"
    return drive(env, opened.id, bob, DriveOptions(poll=60.0), watcher=_watcher(False))


def verify_record(ws: Workspace) -> dict[str, object]:
    (details,) = [d for action, _, d in records(ws) if action == "runbook.verify"]
    return details


def test_no_line_calls_the_triggers_ok_before_the_target_has_a_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = workspace(tmp_path / "ws")
    clock = ManualClock()
    env, registry = env_for(ws, clock)
    runbook = roll_back(env, ws)
    assert registry.calls == [f"{runbook.id}:execute"]
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("verify ")]
    waiting = [x for x in lines if x < f"verify {ARRIVE:%Y-%m-%dT%H:%M:%SZ}"]
    assert len(waiting) == 6
    assert waiting[0] == (
        "verify 2026-11-02T12:00:40Z: waiting for the first samples of version 2: "
        "accuracy-floor; 15m of the 15m window left"
    )
    assert all("waiting for the first samples of version 2" in x for x in waiting), waiting
    assert not any(" ok" in x for x in waiting), waiting
    assert lines[len(waiting)] == (
        "verify 2026-11-02T12:06:40Z: on samples of version 2: accuracy-floor ok; "
        "9m of the 15m window left"
    )
    assert lines[-1].endswith("the 15m window has passed")
    assert runbook.state == "closed" and runbook.outcome == "recovered"
    assert runbook.verification is not None
    assert "ok on samples of version 2" in (runbook.verification.summary or "")
    details = verify_record(ws)
    assert details["outcome"] == "recovered"
    assert details["judged_version"] == "2" and details["sampled"] == ["accuracy-floor"]
    assert details["samples_since"] == "2026-11-02T12:00:40Z"
    assert details["no_data"] == [] and details["serving_seen"] is None


def test_on_no_data_ok_without_a_sample_of_the_target_is_not_recovery(tmp_path: Path) -> None:
    """The policy counts no data as ok for alerting; it is still no evidence of recovery."""
    ws = workspace(tmp_path / "ws", target_reports=(), on_no_data="ok")
    env, _ = env_for(ws, Clock(fixed=MOVE))
    runbook = roll_back(env, ws)
    assert runbook.state == "closed" and runbook.outcome == "inconclusive"
    assert runbook.verification is not None
    assert runbook.verification.no_data == ("accuracy-floor",)
    assert runbook.verification.summary == (
        "inconclusive: no sample of version 2 after the switch for accuracy-floor "
        "(2026-11-02T12:00:40Z → 2026-11-02T12:15:40Z)."
    )
    details = verify_record(ws)
    assert details["outcome"] == "inconclusive" and details["sampled"] == []


def test_on_no_data_firing_still_counts_against_the_target(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws", target_reports=(), on_no_data="firing")
    env, _ = env_for(ws, Clock(fixed=MOVE))
    runbook = roll_back(env, ws)
    assert runbook.outcome == "not_recovered"
    assert runbook.verification is not None
    assert runbook.verification.still_firing == ("accuracy-floor",)


def test_a_fired_trigger_without_samples_of_the_target_keeps_it_from_recovered(
    tmp_path: Path,
) -> None:
    """Both triggers fired; version 2 reports accuracy (ok) but no latency yet."""
    ws = workspace(tmp_path / "ws", latency=True)
    env, _ = env_for(ws, Clock(fixed=MOVE))
    runbook = roll_back(env, ws)
    assert runbook.outcome == "inconclusive"
    assert runbook.verification is not None
    assert runbook.verification.no_data == ("latency-ceiling",)
    details = verify_record(ws)
    assert details["sampled"] == ["accuracy-floor"] and details["no_data"] == ["latency-ceiling"]


def test_every_fired_trigger_ok_on_the_target_is_recovery(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "ws", target_reports=("accuracy", "latency"), latency=True)
    env, _ = env_for(ws, Clock(fixed=MOVE))
    runbook = roll_back(env, ws)
    assert runbook.outcome == "recovered"
    assert verify_record(ws)["sampled"] == ["accuracy-floor", "latency-ceiling"]


def test_the_version_rolled_away_from_is_not_judged_for_the_target(tmp_path: Path) -> None:
    """The move is never seen by a sync, so the store still has version 4 serving (and
    firing): that says nothing about version 2, neither recovered nor 'roll back further'."""
    ws = workspace(tmp_path / "ws")
    env, registry = env_for(ws, Clock(fixed=MOVE), unseen=True)
    runbook = roll_back(env, ws)
    assert registry.alias_at == "2"
    assert runbook.outcome == "inconclusive"
    assert runbook.verification is not None
    assert runbook.verification.still_firing == ()
    assert "the state database still shows version 4 serving" in (
        runbook.verification.summary or ""
    )
    assert verify_record(ws)["serving_seen"] == "4"
