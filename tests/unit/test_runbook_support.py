"""Shared helpers for the runbook tests (no tests here): a small workspace with a two-person
rollback policy, signers in the test keyring, a scripted trigger evaluator and a fake
executor that counts its calls.

Import what you need: ``from tests.unit.test_runbook_support import ...``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.audit.keys import init_key, load_signer
from console.audit.keys_model import Signer
from console.audit.log import AuditLog
from console.errors import SourceError
from console.runbook.env import Env
from console.runbook.evidence import Reading
from console.runbook.executors import ExecutorChoice, Moved
from console.runbook.facts import ModelFacts
from console.settings import Workspace, open_workspace
from console.sources.sync import sync_workspace

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
FREEZE_DAY = ("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z")
SWITCH = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
"""Version 4 of ``fraud`` starts serving here; its accuracy is bad from then on."""

POLICY = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: risk}
spec:
  selector: {models: ["fraud"]}
  triggers:
    - {name: accuracy-floor, metric: accuracy, op: "<", threshold: 0.9, for: 5m,
       severity: critical, action: rollback}
  rollback:
    target: previous_approved
    mechanism: alias_swap
    approvals: {required: 2, roles: [oncall, model-owner], break_glass: BREAK_GLASS}
    verify: {window: 15m}
    cooldown: 1h
FREEZE"""


def _deployments(switch: datetime = SWITCH) -> str:
    models = [
        {
            "name": "fraud",
            "team": "risk",
            "risk_tier": "high",
            "versions": [
                {"version": "1", "created_at": "2026-10-01T00:00:00Z", "status": "archived"},
                {"version": "2", "created_at": "2026-10-10T00:00:00Z", "status": "approved"},
                {"version": "3", "created_at": "2026-10-20T00:00:00Z", "status": "rejected"},
                {"version": "4", "created_at": "2026-11-01T00:00:00Z", "status": "approved"},
            ],
            "aliases": {"champion": "4"},
            "history": [
                {"alias": "champion", "version": "1", "at": "2026-10-01T00:00:00Z"},
                {"alias": "champion", "version": "2", "at": "2026-10-10T00:00:00Z"},
                {"alias": "champion", "version": "4", "at": f"{switch:%Y-%m-%dT%H:%M:%SZ}"},
            ],
        }
    ]
    return json.dumps({"models": models})


def _metrics(switch: datetime = SWITCH) -> str:
    rows = ["model,version,metric,ts,value"]
    moment = switch - timedelta(hours=2)
    while moment <= NOW:
        version, value = ("2", 0.95) if moment < switch else ("4", 0.82)
        rows.append(f"fraud,{version},accuracy,{moment:%Y-%m-%dT%H:%M:%SZ},{value}")
        moment += timedelta(minutes=1)
    return "\n".join(rows) + "\n"


def build_workspace(
    root: Path,
    *,
    break_glass: bool = True,
    freeze: bool | tuple[str, str] = False,
    extra_toml: str = "",
    switch: datetime = SWITCH,
) -> Workspace:
    """A synced one-model workspace pinned at NOW, with alice (oncall), bob (model-owner)
    and carol (viewer) holding keys in the test keyring. ``freeze``: a quarter-close freeze
    over all of NOW's day, or one (start, end). ``switch``: when version 4 took over (and
    its accuracy went bad)."""
    (root / "metrics").mkdir(parents=True)
    (root / "policies").mkdir()
    (root / "mrp.toml").write_text(
        f'operator = "alice"\n[clock]\nfixed = "{NOW:%Y-%m-%dT%H:%M:%SZ}"\n'
        '[sources.offline]\nkind = "files"\n' + extra_toml
    )
    start, end = freeze if isinstance(freeze, tuple) else FREEZE_DAY
    window = (
        f'    freeze: [{{start: "{start}", end: "{end}", reason: quarter close}}]\n'
        if freeze
        else ""
    )
    (root / "policies" / "risk.yaml").write_text(
        POLICY.replace("BREAK_GLASS", "true" if break_glass else "false").replace("FREEZE", window)
    )
    (root / "deployments.json").write_text(_deployments(switch))
    (root / "metrics" / "fraud.csv").write_text(_metrics(switch))
    ws = open_workspace(root)
    earlier = NOW - timedelta(days=30)
    init_key(ws, "alice", ["oncall"], now=earlier)
    init_key(ws, "bob", ["model-owner"], now=earlier)
    init_key(ws, "carol", ["viewer"], now=earlier)
    outcomes = sync_workspace(ws)
    assert all(o.ok for o in outcomes), outcomes
    return ws


def signer(ws: Workspace, name: str) -> Signer:
    return load_signer(ws, name)


@dataclass
class FakeExecutor:
    """An alias in memory: ``current`` reads it, ``move`` sets it (and counts the call)."""

    alias_at: str = "4"
    source: str = "registry"
    mechanism: str = "alias_swap"
    calls: list[str] = field(default_factory=list)
    down: bool = False
    no_op: bool = False
    fail_after_move: bool = False
    """Move, then report a failure (the registry did it but the answer was lost)."""

    def current(self, model: str, alias: str) -> str | None:
        if self.down:
            raise SourceError("source 'registry': cannot reach http://127.0.0.1:9 (refused).")
        return self.alias_at

    def move(
        self, model: str, alias: str, version: str, key: str, actor: str, reason: str
    ) -> Moved:
        if self.down:
            raise SourceError("source 'registry': cannot reach http://127.0.0.1:9 (refused).")
        self.calls.append(key)
        before = self.alias_at
        if not self.no_op:
            self.alias_at = version
        if self.fail_after_move:
            self.fail_after_move = False
            raise SourceError("source 'registry': the answer to the alias move was lost.")
        return Moved(version, before, False, f"moved {model} {before} → {version}")


@dataclass
class ScriptedTriggers:
    """accuracy-floor fires while the bad version serves (per the fake executor, or per
    the store's history for instants in the past)."""

    executor: FakeExecutor
    recovered: bool = True
    data: bool = True
    seen: list[datetime] = field(default_factory=list)

    def __call__(self, facts: ModelFacts, at: datetime) -> list[Reading]:
        self.seen.append(at)
        version = "2" if at < SWITCH else self.executor.alias_at
        if not self.data:
            return [Reading("risk", "accuracy-floor", "no_data", version=version, step=at)]
        bad = at >= SWITCH and (self.executor.alias_at == "4" or not self.recovered)
        if at < SWITCH:
            bad = False
        state = "firing" if bad else "ok"
        value = 0.82 if bad else 0.95
        return [
            Reading(
                "risk", "accuracy-floor", state, SWITCH, value, 0.9, version, at, at, "threshold"
            )
        ]


def make_env(ws: Workspace, executor: FakeExecutor | None = None) -> tuple[Env, FakeExecutor]:
    fake = executor or FakeExecutor()
    env = Env.for_workspace(ws)
    env.evaluate = ScriptedTriggers(fake)
    env.refresh = lambda: None
    env.pick_executor = lambda mechanism, source: ExecutorChoice(fake, "source 'registry' (fake)")
    env.sleep = lambda seconds: None
    return env, fake


def records(ws: Workspace) -> list[tuple[str, str, dict[str, object]]]:
    """(action, actor, details) of every audit record, in order."""
    return [(r.action, r.actor, r.details) for r in AuditLog(ws.audit_path).records()]


def runbook_files(ws: Workspace) -> list[str]:
    folder = ws.runbooks_dir
    return sorted(p.name for p in folder.glob("rb-*.json")) if folder.exists() else []


def refused_at_target(ws: Workspace, version: str = "3", reason: str = "accuracy 0.82") -> str:
    """A dry run alice opened whose target ``version`` failed a pre-check, so it waits at
    the target step (as the console's target step, which lists every version, can leave
    one); its id."""
    from console.runbook.planning import plan
    from console.runbook.service import choose_target, open_runbook, run_prechecks

    env = Env.for_workspace(ws)
    alice = signer(ws, "alice")
    opened = open_runbook(env, plan(env, "fraud"), reason, alice, dry_run=True)
    choose_target(env, opened.id, alice, version)
    assert run_prechecks(env, opened.id, alice).state == "target"
    return opened.id
