"""A source whose sync fails during verify is named, with its error, on every verify line
while it fails and in the outcome when that is why no sample of the target was seen; the
watch goes on to the end of the window, so a source that recovers still gives a verdict.

Real trigger engine and real sync of a files workspace (the harness of
test_runbook_verify_evidence): the feed's CSV, written with CRLF line ends, becomes
unreadable when a writer appends LF-ended lines to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from console.commands.runbook_flow import _watcher
from console.runbook.approving import approve
from console.runbook.drive import DriveOptions, drive
from console.runbook.env import Env
from console.runbook.model import Runbook
from console.runbook.planning import plan
from console.runbook.service import choose_target, open_runbook, run_prechecks
from console.settings import Workspace
from tests.unit.test_runbook_support import signer
from tests.unit.test_runbook_verify_evidence import (
    MOVE,
    ManualClock,
    env_for,
    verify_record,
    workspace,
)

FEED = Path("metrics") / "fraud.csv"
FIRST = f"{MOVE:%Y-%m-%dT%H:%M:%SZ}"


def break_feed(root: Path) -> None:
    """The CSV as a CRLF file, then a writer appends a line ending in LF alone."""
    path = root / FEED
    text = path.read_text().replace("\n", "\r\n")
    path.write_bytes(text.encode() + b"fraud,2,accuracy,2026-11-02T12:41:00Z,0.95\n")


def mend_feed(root: Path) -> None:
    path = root / FEED
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))


@dataclass
class MendingClock(ManualClock):
    """A clock that mends the feed once it has moved past ``mend_at``."""

    root: Path = Path()
    mend_at: datetime | None = None

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if self.mend_at is not None and self.moment >= self.mend_at:
            mend_feed(self.root)
            self.mend_at = None


def approved(env: Env, ws: Workspace) -> str:
    """A runbook alice and bob approved, waiting at execute."""
    alice, bob = signer(ws, "alice"), signer(ws, "bob")
    opened = open_runbook(env, plan(env, "fraud"), "accuracy 0.82 since v4", alice, False)
    choose_target(env, opened.id, alice, "2")
    assert run_prechecks(env, opened.id, alice).state == "approvals"
    approve(env, opened.id, alice, "fraud@2")
    assert approve(env, opened.id, bob, "fraud@2").state == "execute"
    return opened.id


def carry_on(env: Env, ws: Workspace, runbook_id: str, **options: object) -> Runbook:
    return drive(
        env,
        runbook_id,
        signer(ws, "bob"),
        DriveOptions(poll=60.0, **options),  # type: ignore[arg-type]
        watcher=_watcher(False),
    )


def verify_lines(err: str) -> list[str]:
    """The verify lines, each unwrapped (the command wraps them to the terminal's width)."""
    lines: list[str] = []
    for line in err.splitlines():
        if line.startswith("verify "):
            lines.append(line)
        elif line.startswith(" ") and lines and lines[-1].startswith("verify "):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return [line for line in lines if line.startswith("verify ")]


def test_every_verify_line_names_the_failing_source_and_the_outcome_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = workspace(tmp_path / "ws")
    env, registry = env_for(ws, ManualClock())
    break_feed(ws.root)
    runbook = carry_on(env, ws, approved(env, ws))
    assert registry.alias_at == "2"
    lines = verify_lines(capsys.readouterr().err)
    assert len(lines) == 16, lines  # the whole 15m window, one evaluation a minute
    assert lines[0].startswith(  # its step, 12:00, began before the move: nothing to remark
        f"verify {FIRST}: waiting for the first samples of version 2: accuracy-floor; 15m of "
        f"the 15m window left. Source 'offline' failed to sync: {ws.root / FEED}: line "
    ), lines[0]
    assert "(the state database still shows version 4 serving)" in lines[1]
    for line in lines[1:]:
        assert (
            f"Source 'offline' has failed to sync at every evaluation since {FIRST}: "
            f"{ws.root / FEED}: line "
        ) in line, line
    assert lines[-1].startswith(
        "verify 2026-11-02T12:15:40Z: waiting for the first samples of version 2 (the state "
        "database still shows version 4 serving): accuracy-floor; the 15m window has passed. "
    )
    assert runbook.state == "closed" and runbook.outcome == "inconclusive"
    verification = runbook.verification
    assert verification is not None
    assert (verification.summary or "").startswith(
        "inconclusive: no sample of version 2 after the switch for accuracy-floor "
        "(2026-11-02T12:00:40Z → 2026-11-02T12:15:40Z); the state database still shows "
        "version 4 serving. Source 'offline' has failed to sync at every evaluation since "
        f"{FIRST}: {ws.root / FEED}: line "
    ), verification.summary
    assert verification.next_step == (
        "no sample of version 2 to judge by while the sync of 'offline' fails: fix it "
        "(`mrp sync` says why), then check the model's triggers (`mrp status`); the runbook "
        "closes as inconclusive."
    )
    details = verify_record(ws)
    assert details["summary"] == verification.summary
    (failed,) = details["failed_syncs"]  # type: ignore[misc]
    assert failed["source"] == "offline" and failed["since"] == FIRST
    assert failed["error"].startswith(f"{ws.root / FEED}: line ")


def test_a_source_that_recovers_within_the_window_still_gives_a_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The feed is unreadable for the first three evaluations; the watch goes on, reads
    the target's samples once it is mended, and recovers: nothing failed at the end."""
    ws = workspace(tmp_path / "ws")
    clock = MendingClock(root=ws.root, mend_at=MOVE + timedelta(minutes=3))
    env, _ = env_for(ws, clock)
    break_feed(ws.root)
    runbook = carry_on(env, ws, approved(env, ws))
    lines = verify_lines(capsys.readouterr().err)
    failing = [line for line in lines if "failed to sync" in line]
    assert [line[:27] for line in failing] == [
        "verify 2026-11-02T12:00:40Z",
        "verify 2026-11-02T12:01:40Z",
        "verify 2026-11-02T12:02:40Z",
    ]
    assert lines[6] == (
        "verify 2026-11-02T12:06:40Z: on samples of version 2: accuracy-floor ok; "
        "9m of the 15m window left"
    )
    assert lines[-1].endswith("the 15m window has passed")
    assert runbook.state == "closed" and runbook.outcome == "recovered"
    assert runbook.verification is not None
    assert "failed to sync" not in (runbook.verification.summary or "")
    assert verify_record(ws)["failed_syncs"] == []


def test_a_watch_stopped_and_resumed_keeps_when_the_source_began_failing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--verify-timeout stops the watch after its first evaluation: the runbook says the
    source fails; a resume five minutes later says since when."""
    ws = workspace(tmp_path / "ws")
    clock = ManualClock()
    env, _ = env_for(ws, clock)
    break_feed(ws.root)
    runbook_id = approved(env, ws)
    stopped = carry_on(env, ws, runbook_id, verify_timeout=timedelta(0))
    assert stopped.state == "verify"
    partial = stopped.verification
    assert partial is not None and not partial.complete
    assert f"Source 'offline' failed to sync: {ws.root / FEED}: line " in (partial.summary or ""), (
        partial.summary
    )
    capsys.readouterr()
    clock.moment += timedelta(minutes=5)
    carry_on(env, ws, runbook_id, verify_timeout=timedelta(0))
    (line,) = verify_lines(capsys.readouterr().err)
    assert line.startswith("verify 2026-11-02T12:05:40Z: ")
    assert f"Source 'offline' has failed to sync at every evaluation since {FIRST}: " in line
