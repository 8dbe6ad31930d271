"""The rollback runbook end to end against a real MLflow server, through `mrp` subprocesses.

A scripted incident: version 2 of a model takes the ``champion`` alias in MLflow and its
accuracy (from a files feed) collapses; the accuracy trigger fires; alice opens a rollback
and confirms; bob approves from his own terminal; the alias moves back to 1 in MLflow; the
verification window (read as recorded, under a pinned clock) shows recovery; the runbook
closes, and the audit log verifies and tells the whole story. Then the refusals: an alias
moved by someone else meanwhile, and MLflow failing during execute.

Every request to MLflow goes through a recording proxy, so the tests count the alias moves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import REPO, Registry, Run
from tests.integration.fakes import FaultProxy, Platform, fault_proxy
from tests.integration.servers import Server

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
"""Keys are made here."""
T_SWITCH = T0 + timedelta(hours=2)
"""Version 2 takes champion (observed by the sync at this instant); accuracy collapses."""
T_OPEN = T_SWITCH + timedelta(minutes=20)
"""alice opens the rollback (the trigger has fired since T_SWITCH + 5m)."""
T_APPROVE = T_OPEN + timedelta(minutes=1)
"""bob approves; the alias moves back; from here version 1 serves again."""

POLICY = """\
apiVersion: mrp/v1
kind: RollbackPolicy
metadata: {name: risk-e2e, owner: risk-ml}
spec:
  selector: {models: ["e2e-*", "kill-*"]}
  triggers:
    - {name: accuracy-floor, metric: accuracy, op: "<", threshold: 0.9, for: 5m,
       severity: critical, action: rollback}
  rollback:
    target: previous_approved
    mechanism: alias_swap
    approvals: {required: 2, roles: [oncall, model-owner], break_glass: true}
    verify: {window: 15m}
    cooldown: 1h
"""

ALIAS_MOVE = "/api/2.0/mlflow/registered-models/alias"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _metrics(model: str) -> str:
    """Version 1 healthy until the switch and again after the rollback; version 2 bad."""
    rows = ["model,version,metric,ts,value"]
    moment = T_SWITCH - timedelta(hours=1)
    end = T_APPROVE + timedelta(minutes=40)
    while moment <= end:
        serving = "2" if T_SWITCH <= moment < T_APPROVE else "1"
        value = 0.81 if serving == "2" else 0.95
        rows.append(f"{model},{serving},accuracy,{stamp(moment)},{value}")
        moment += timedelta(minutes=1)
    return "\n".join(rows) + "\n"


@dataclass
class Scenario:
    """One model in the real MLflow, one workspace, and `mrp` run on it as a user would."""

    root: Path
    home: Path
    model: str
    registry: Registry
    proxy: FaultProxy

    def mrp(self, *args: str, now: datetime, stdin: str = "", crash: str | None = None) -> Run:
        env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "MRP_NOW": stamp(now),
        }
        for name in ("MRP_HOME", "MRP_SIGNER", "MRP_TEST_CRASH_AFTER"):
            env.pop(name, None)
        if crash is not None:
            env["MRP_TEST_CRASH_AFTER"] = crash
        done = subprocess.run(
            [sys.executable, "-m", "console", *args, "-w", str(self.root)],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=300,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def alias_moves(self) -> int:
        """POSTs that moved this model's alias, as the proxy saw them."""
        return sum(
            1
            for seen in self.proxy.seen
            if seen.method == "POST"
            and seen.path == ALIAS_MOVE
            and json.loads(seen.body or b"{}").get("name") == self.model
        )

    def audit(self) -> list[dict[str, Any]]:
        path = self.root / ".mrp" / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def actions(self) -> list[str]:
        return [r["action"] for r in self.audit()]

    def runbook_ids(self) -> list[str]:
        folder = self.root / ".mrp" / "runbooks"
        return sorted(p.stem for p in folder.glob("rb-*.json"))

    def runbook(self, runbook_id: str) -> dict[str, Any]:
        path = self.root / ".mrp" / "runbooks" / f"{runbook_id}.json"
        data: dict[str, Any] = json.loads(path.read_text())
        return data


def write_files(root: Path, model: str, policy: str, source: str) -> None:
    """The workspace files: ``policy``, a files feed of the model's accuracy, and mrp.toml
    with ``source`` (the TOML of the source that carries out rollbacks) and the feed."""
    (root / "policies").mkdir(parents=True)
    (root / "feed" / "metrics").mkdir(parents=True)
    (root / "policies" / "risk.yaml").write_text(policy)
    (root / "feed" / "deployments.json").write_text('{"models": []}')
    (root / "feed" / "metrics" / "accuracy.csv").write_text(_metrics(model))
    (root / "mrp.toml").write_text(
        f'operator = "alice"\n{source}\n[sources.feed]\nkind = "files"\npath = "feed"\n'
    )


def write_workspace(root: Path, model: str, proxy: FaultProxy) -> None:
    """The workspace files, with the MLflow registry (through the proxy) as the source."""
    write_files(
        root,
        model,
        POLICY,
        f"""[sources.registry]
kind = "mlflow"
url = "{proxy.url}"
serving_alias = "champion"
models = ["{model}"]
timeout = "5s"
retries = 1
backoff = "50ms"
""",
    )


def build_scenario(
    root: Path, home: Path, model: str, registry: Registry, proxy: FaultProxy
) -> Scenario:
    """Model ``model`` with versions 1 and 2 in MLflow, champion on 1 then moved to 2 at
    T_SWITCH (observed by a sync), a files feed of its accuracy, keys for alice and bob."""
    registry.model(model, tags={"team": "risk-ml", "risk_tier": "high"}, baselines=[0.95, 0.96])
    registry.set_alias(model, "champion", "1")
    write_workspace(root, model, proxy)
    scenario = Scenario(root, home, model, registry, proxy)
    for name, role in (("alice", "oncall"), ("bob", "model-owner")):
        made = scenario.mrp("keys", "init", "--name", name, "--role", role, now=T0)
        assert made.code == 0, made.stderr
    first = scenario.mrp("sync", now=T_SWITCH - timedelta(minutes=30))
    assert first.code == 0, first.stderr
    registry.set_alias(model, "champion", "2")
    second = scenario.mrp("sync", now=T_SWITCH)
    assert second.code == 0, second.stderr
    return scenario


def firing(s: Scenario, at: datetime) -> dict[str, str]:
    """The model's non-ok triggers at ``at``, by the trigger engine over the synced store."""
    import duckdb

    from console.policy.loader import load_policies
    from console.triggers import evaluate_at

    policies = load_policies([s.root / "policies"])
    con = duckdb.connect(str(s.root / ".mrp" / "state.duckdb"), read_only=True)
    try:
        states = evaluate_at(con, policies, at, models=[s.model])
    finally:
        con.close()
    return {t.trigger: t.state for t in states if t.state != "ok"}


@pytest.fixture
def proxy(mlflow_server: Server) -> Iterator[FaultProxy]:
    with fault_proxy(mlflow_server.url) as recording:
        yield recording


def _scenario(
    tmp_path: Path, home: Path, registry: Registry, proxy: FaultProxy, tag: str
) -> Scenario:
    model = f"e2e-{tag}-{time.time_ns()}"
    return build_scenario(tmp_path / "ws", home, model, registry, proxy)


def open_rollback(s: Scenario, crash: str | None = None) -> Run:
    """alice opens the rollback and confirms it."""
    return s.mrp(
        "rollback", s.model, "--reason", "accuracy collapsed to 0.81 after version 2",
        "--confirm", f"{s.model}@1", "--yes", "--as", "alice", now=T_OPEN, crash=crash,
    )  # fmt: skip


def bob_approves(s: Scenario, *extra: str, crash: str | None = None) -> Run:
    """bob approves from his terminal, which carries the runbook on to close."""
    return s.mrp(
        "runbook", "approve", s.model, "--as", "bob", "--confirm", f"{s.model}@1",
        "--notes", "back on 1", *extra, now=T_APPROVE, crash=crash,
    )  # fmt: skip


def test_incident_to_verified_rollback_in_mlflow(
    tmp_path: Path, isolated_home: Path, registry: Registry, proxy: FaultProxy
) -> None:
    s = _scenario(tmp_path, isolated_home, registry, proxy, "full")
    assert firing(s, T_SWITCH + timedelta(minutes=4)) == {"accuracy-floor": "pending"}
    assert firing(s, T_OPEN) == {"accuracy-floor": "firing"}

    opened = open_rollback(s)
    assert opened.code == 0, opened.stderr
    assert "1 more approval needed" in opened.stdout
    assert registry.alias(s.model, "champion") == "2"
    assert s.alias_moves() == 0

    approved = bob_approves(s, "--json")
    assert approved.code == 0, approved.stderr
    runbook = approved.json
    assert runbook["state"] == "closed" and runbook["outcome"] == "recovered"
    assert registry.alias(s.model, "champion") == "1"
    assert s.alias_moves() == 1
    mark = json.loads(registry.version_tags(s.model, "1")["mrp.rollback"])
    assert mark["key"] == f"{runbook['id']}:execute" and mark["from"] == "2" and mark["by"] == "bob"

    verified = s.mrp("audit", "verify", now=T_APPROVE)
    assert verified.code == 0, verified.stdout + verified.stderr
    story = s.audit()
    assert [r["action"] for r in story] == [
        "runbook.open",
        "runbook.target",
        "runbook.precheck",
        "runbook.approve",
        "runbook.approve",
        "runbook.execute",
        "runbook.verify",
        "runbook.close",
    ]
    assert [r["actor"] for r in story] == ["alice"] * 4 + ["bob"] * 4
    opened_record, *_rest, execute, verify, close = story
    assert opened_record["details"]["triggers"][0]["trigger"] == "accuracy-floor"
    assert opened_record["details"]["triggers"][0]["state"] == "firing"
    assert execute["details"]["outcome"] == "done" and execute["details"]["called"] is True
    assert verify["details"]["outcome"] == "recovered"
    assert verify["details"]["judged_version"] == "1"
    assert verify["details"]["sampled"] == ["accuracy-floor"]
    assert verify["details"]["samples_since"] == stamp(T_APPROVE)
    assert close["details"]["outcome"] == "recovered" and close["details"]["notes"] == "back on 1"
    assert all(r["details"]["from_version"] == "2" for r in story)
    assert all(r["details"]["dry_run"] is False for r in story)
    assert all(r["policy_digest"] for r in story)


def test_alias_moved_by_someone_else_is_refused(
    tmp_path: Path, isolated_home: Path, registry: Registry, proxy: FaultProxy
) -> None:
    s = _scenario(tmp_path, isolated_home, registry, proxy, "moved")
    assert open_rollback(s).code == 0
    registry.set_alias(s.model, "champion", "1")  # a colleague fixed it by hand meanwhile
    refused = bob_approves(s)
    assert refused.code == 2, refused.stdout + refused.stderr
    assert "someone moved it meanwhile" in refused.stderr
    assert s.alias_moves() == 0
    (runbook_id,) = s.runbook_ids()
    assert s.runbook(runbook_id)["state"] == "execute"
    assert s.audit()[-1]["details"]["outcome"] == "failed"
    aborted = s.mrp("runbook", "abort", runbook_id, "--as", "bob", "--reason", "fixed by hand",
                    now=T_APPROVE)  # fmt: skip
    assert aborted.code == 0, aborted.stderr
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0


def test_mlflow_failing_during_execute_stays_resumable(
    tmp_path: Path, isolated_home: Path, registry: Registry, proxy: FaultProxy
) -> None:
    s = _scenario(tmp_path, isolated_home, registry, proxy, "down")
    assert open_rollback(s).code == 0
    proxy.fail("500")  # every request to MLflow fails from here
    failed = bob_approves(s)
    assert failed.code == 1, failed.stdout + failed.stderr
    assert "stays at execute" in failed.stderr
    (runbook_id,) = s.runbook_ids()
    stored = s.runbook(runbook_id)
    assert stored["state"] == "execute"
    assert [a["status"] for a in stored["execution"]["attempts"]] == ["failed"]
    assert not [r for r in s.audit() if r["details"].get("outcome") == "done"]
    assert registry.alias(s.model, "champion") == "2"

    proxy.heal()
    resumed = s.mrp("runbook", "resume", runbook_id, "--as", "bob", "--json", now=T_APPROVE)
    assert resumed.code == 0, resumed.stderr
    assert resumed.json["state"] == "closed" and resumed.json["outcome"] == "recovered"
    assert registry.alias(s.model, "champion") == "1"
    assert s.alias_moves() == 1
    outcomes = [r["details"]["outcome"] for r in s.audit() if r["action"] == "runbook.execute"]
    assert outcomes == ["failed", "done"]
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0


WEBHOOK_POLICY = POLICY.replace('models: ["e2e-*", "kill-*"]', 'models: ["web-*"]').replace(
    "mechanism: alias_swap", "mechanism: webhook"
)
TRAFFIC_POLICY = WEBHOOK_POLICY.replace("mechanism: webhook", "mechanism: traffic_shift").replace(
    "required: 2, roles: [oncall, model-owner]", "required: 1, roles: [oncall]"
)
"""One approval, so that `mrp rollback` alone carries the runbook from open to close."""
PLATFORM_MODEL = "web-fraud"


@pytest.fixture
def platform() -> Iterator[Platform]:
    """A platform serving web-fraud's version 2 behind champion since T_SWITCH."""
    server = Platform(
        secret="s3cret",
        models=[
            {
                "name": PLATFORM_MODEL,
                "team": "risk-ml",
                "risk_tier": "high",
                "versions": [
                    {"version": "1", "created_at": stamp(T0 - timedelta(days=9))},
                    {"version": "2", "created_at": stamp(T0 - timedelta(days=1))},
                ],
                "aliases": {"champion": "2"},
                # Only the switch to 2: this fake platform does not add the rollback to its
                # history, and a sync observes a move back to a version the history names
                # as a switch already seen (sources' observed_switches), so keep 1 out of it.
                "history": [{"alias": "champion", "version": "2", "at": stamp(T_SWITCH)}],
            }
        ],
    )
    yield server
    server.close()


def platform_scenario(
    tmp_path: Path,
    home: Path,
    platform: Platform,
    policy: str,
    monkeypatch: pytest.MonkeyPatch,
    source: str = "retries = 0\n",
) -> Scenario:
    """A workspace on ``platform`` (an http source with ``source`` settings) and a files feed
    of the model's accuracy; keys for alice and bob, the signing secret, synced at T_SWITCH."""
    from console.audit.keys import init_key
    from console.secrets import set_secret
    from console.settings import open_workspace
    from console.sources.http_client import signing_key
    from console.sources.sync import sync_workspace

    root = tmp_path / "ws"
    platform_source = f'[sources.platform]\nkind = "http"\nurl = "{platform.url}/api"\n{source}'
    write_files(root, PLATFORM_MODEL, policy, platform_source)
    ws = open_workspace(root)
    init_key(ws, "alice", ["oncall"], now=T0)
    init_key(ws, "bob", ["model-owner"], now=T0)
    set_secret(signing_key("platform"), "s3cret")
    monkeypatch.setenv("MRP_NOW", stamp(T_SWITCH))
    assert all(o.ok for o in sync_workspace(ws))
    monkeypatch.delenv("MRP_NOW")
    return Scenario(root, home, PLATFORM_MODEL, None, None)  # type: ignore[arg-type]


def test_webhook_rollback_through_the_platform_contract(
    tmp_path: Path, isolated_home: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same story through the HTTP platform's signed webhook (docs/http-contract.md)."""
    s = platform_scenario(tmp_path, isolated_home, platform, WEBHOOK_POLICY, monkeypatch)
    assert open_rollback(s).code == 0
    approved = bob_approves(s, "--json")
    assert approved.code == 0, approved.stderr
    assert approved.json["state"] == "closed" and approved.json["outcome"] == "recovered"
    assert platform.alias(s.model, "champion") == "1"
    posts = [seen for seen in platform.seen if seen.method == "POST"]
    assert len(posts) == 1
    assert posts[0].headers["Idempotency-Key"] == f"{approved.json['id']}:execute"
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0


def roll_back_traffic(s: Scenario) -> Run:
    """alice rolls web-fraud back to 1; with one approval her command runs it to the end."""
    return s.mrp(
        "rollback", s.model, "--reason", "accuracy collapsed to 0.81 after version 2",
        "--confirm", f"{s.model}@1", "--yes", "--as", "alice", "--json", now=T_APPROVE,
    )  # fmt: skip


def executes(s: Scenario) -> list[dict[str, Any]]:
    return [r["details"] for r in s.audit() if r["action"] == "runbook.execute"]


def test_traffic_shift_rollback_end_to_end(
    tmp_path: Path, isolated_home: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mrp rollback` with `mechanism: traffic_shift`: one signed POST traffic, read back from
    the model's `traffic` in GET deployments, verified, closed, and told by the audit log."""
    platform.models[0]["traffic"] = {"2": 100}
    s = platform_scenario(tmp_path, isolated_home, platform, TRAFFIC_POLICY, monkeypatch)
    done = roll_back_traffic(s)
    assert done.code == 0, done.stderr
    assert done.json["state"] == "closed" and done.json["outcome"] == "recovered"
    assert platform.traffic(s.model) == {"1": 100}
    (post,) = platform.posts("traffic")
    assert not platform.posts("rollback")
    key = f"{done.json['id']}:execute"
    assert post.headers["Idempotency-Key"] == key
    body = json.loads(post.body)
    assert (body["model"], body["alias"], body["weights"]) == (s.model, "champion", {"1": 100})
    assert body["requested_by"] == "alice" and body["idempotency_key"] == key
    (execute,) = executes(s)
    assert execute["outcome"] == "done" and execute["called"] is True
    assert (execute["mechanism"], execute["executor"]) == ("traffic_shift", "platform")
    assert execute["reference"] == "rb-1" and execute["idempotency_key"] == key
    assert (
        "shifted all of web-fraud's traffic ('champion') from 100% on version 2 to "
        in (execute["detail"])
    )
    verified = s.mrp("audit", "verify", now=T_APPROVE)
    assert verified.code == 0, verified.stdout + verified.stderr
    shown = s.mrp("runbook", "show", done.json["id"], now=T_APPROVE)
    said = " ".join(shown.stdout.split())  # show wraps a long line under its column
    assert "execute #1 done: the platform shifted all of web-fraud's traffic" in said
    assert "confirmed by reading it back. Platform reference: rb-1." in said


def test_no_sample_of_the_restored_version_is_not_recovery(
    tmp_path: Path, isolated_home: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exporter keeps labelling its samples with version 2 after the traffic went back
    to 1, and the policy counts no data as ok: without a single sample of version 1 the
    rollback is not called recovered, and the verify line says what it waits for."""
    policy = TRAFFIC_POLICY.replace("  triggers:\n", "  on_no_data: ok\n  triggers:\n")
    s = platform_scenario(tmp_path, isolated_home, platform, policy, monkeypatch)
    feed = s.root / "feed" / "metrics" / "accuracy.csv"
    header, *rows = feed.read_text().splitlines()
    relabelled = [
        f"{model},2,{metric},{ts},0.81" if version == "1" and ts >= stamp(T_APPROVE) else row
        for row in rows
        for model, version, metric, ts, _value in [row.split(",")]
    ]
    feed.write_text("\n".join([header, *relabelled]) + "\n")
    done = s.mrp(
        "rollback", s.model, "--reason", "accuracy collapsed to 0.81 after version 2",
        "--confirm", f"{s.model}@1", "--yes", "--as", "alice", now=T_APPROVE,
    )  # fmt: skip
    assert done.code == 0, done.stdout + done.stderr
    assert platform.alias(s.model, "champion") == "1"
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("verify ")]
    assert line == (
        f"verify {stamp(T_APPROVE + timedelta(minutes=15))}: waiting for the first samples of "
        "version 1: accuracy-floor; the 15m window has passed"
    )
    (runbook_id,) = s.runbook_ids()
    stored = s.runbook(runbook_id)
    assert stored["state"] == "closed" and stored["outcome"] == "inconclusive"
    (verify,) = [r["details"] for r in s.audit() if r["action"] == "runbook.verify"]
    assert verify["outcome"] == "inconclusive" and verify["sampled"] == []
    assert verify["no_data"] == ["accuracy-floor"]
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0


def test_traffic_shift_answer_lost_is_sent_again_and_acted_on_once(
    tmp_path: Path, isolated_home: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform shifts the traffic, then its answer is lost (a 503): mrp retries the POST
    with the same Idempotency-Key, the platform answers it as a duplicate and does not act
    again. A platform that reports no `traffic` is read back from its alias."""
    platform.lose_answers = 1
    settings = 'retries = 1\nbackoff = "50ms"\n'
    s = platform_scenario(tmp_path, isolated_home, platform, TRAFFIC_POLICY, monkeypatch, settings)
    done = roll_back_traffic(s)
    assert done.code == 0, done.stderr
    assert done.json["state"] == "closed" and done.json["outcome"] == "recovered"
    first, again = platform.posts("traffic")
    assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
    assert len(platform.rollbacks) == 1 and platform.alias(s.model, "champion") == "1"
    assert "traffic" not in platform.models[0]
    (execute,) = executes(s)
    assert execute["outcome"] == "done" and execute["already_done"] is True
    assert "had already shifted all of web-fraud's traffic" in execute["detail"]
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0


def test_traffic_shift_accepted_but_never_shown_fails_the_execute_step(
    tmp_path: Path, isolated_home: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.models[0]["traffic"] = {"2": 100}
    platform.ignore_rollbacks = True
    settings = 'retries = 0\nread_back = "300ms"\n'
    s = platform_scenario(tmp_path, isolated_home, platform, TRAFFIC_POLICY, monkeypatch, settings)
    failed = roll_back_traffic(s)
    assert failed.code == 1, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr
    assert (
        "the platform accepted the traffic shift of web-fraud to version 1, but after 0.3s GET "
        "deployments still shows the traffic at 100% on version 2." in failed.stderr
    )
    assert "stays at execute" in failed.stderr
    (runbook_id,) = s.runbook_ids()
    assert s.runbook(runbook_id)["state"] == "execute"
    (execute,) = executes(s)
    assert execute["outcome"] == "failed" and execute["mechanism"] == "traffic_shift"
    assert not [r for r in s.audit() if r["details"].get("outcome") == "done"]
    assert s.mrp("audit", "verify", now=T_APPROVE).code == 0


def test_traffic_shift_with_a_bad_signature_is_one_sentence(
    tmp_path: Path, isolated_home: Path, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.secrets import set_secret
    from console.sources.http_client import signing_key

    s = platform_scenario(tmp_path, isolated_home, platform, TRAFFIC_POLICY, monkeypatch)
    set_secret(signing_key("platform"), "not-the-platform's")
    refused = roll_back_traffic(s)
    assert refused.code == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    (line,) = [x for x in refused.stderr.splitlines() if "401" in x]
    assert line.startswith(
        "mrp: source 'platform': POST traffic was refused as unauthorised (HTTP 401: bad "
        "signature): the platform expects another token or signing secret"
    ), line
    assert platform.alias(s.model, "champion") == "2" and not platform.rollbacks
    assert executes(s)[-1]["outcome"] == "failed"
