"""The demo drill (``mrp demo``): a throwaway copy of ``sample_data/``, synced, and a clock
that replays its recorded history faster than real time so incidents unfold live.

The replay is written into the copy's ``mrp.toml`` (``[clock.replay]``, in place of the
sample's pinned ``[clock] fixed``) as the clock starts, and the console's clock is built
from what was written: ``mrp status``, ``mrp evaluate`` or ``mrp runbook approve`` run in
that folder beside the console read the same replayed instant, from the same wall clock,
with nothing to keep in step while the replay runs.

No Textual here: the console (or a test) takes the prepared workspace and clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.clock import Clock, format_time, parse_time
from console.errors import MrpError
from console.fileio import write_atomically
from console.runbook.drill import drill_signers
from console.settings import Config, ReplaySettings, Workspace, load_config, open_workspace
from console.sources.sync import SyncOutcome, sync_workspace
from console.workspace_init import copy_sample_workspace

REPLAY_FROM = datetime(2026, 11, 14, 18, 30, tzinfo=UTC)
"""Half an hour before the first scripted incident (search-ranking v12 at 19:00Z)."""
DEFAULT_SPEED = 120.0
"""Two recorded hours a real minute: search-ranking's latency regression fires within the
first real minute, and the whole evening (to 00:00Z) plays in under three minutes."""
HISTORY_END = datetime(2026, 11, 15, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ReplayWorkspace(Workspace):
    """A workspace whose "now" is the replay clock (for sync, evaluation and the console)."""

    replay: Clock = field(default_factory=Clock)

    def clock(self) -> Clock:
        return self.replay


@dataclass(frozen=True)
class DemoSession:
    workspace: ReplayWorkspace
    clock: Clock
    outcomes: tuple[SyncOutcome, ...]


def history_end(workspace: Workspace) -> datetime:
    """Where the recorded history stops: the workspace's pinned clock, else the default."""
    fixed = workspace.config.clock.fixed
    return parse_time(fixed) if fixed else HISTORY_END


def _check_speed(speed: float) -> None:
    if not (math.isfinite(speed) and speed > 0):
        raise MrpError(f"--speed must be a number above 0, not {speed:g}.")


def replay_clock(
    speed: float = DEFAULT_SPEED, start: datetime = REPLAY_FROM, until: datetime = HISTORY_END
) -> Clock:
    _check_speed(speed)
    return Clock(replay_from=start, speed=speed, replay_until=until)


_CLOCK_SECTION = re.compile(r"^\[clock\][^\n]*\n(?:(?!\[)[^\n]*\n?)*", re.MULTILINE)
"""``[clock]`` and its lines, up to the next table."""


def write_replay(workspace: Workspace, start: datetime, speed: float, until: datetime) -> Config:
    """Put the replay in the workspace's ``mrp.toml`` as ``[clock.replay]``, starting now;
    the config read back from the file, as every other ``mrp`` will read it."""
    replay = ReplaySettings(
        start=format_time(start),
        started_at=datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        speed=speed,
        until=format_time(until),
    )
    section = (
        "[clock.replay]\n"
        "# Written by `mrp demo` as its console started: every mrp run in this folder reads\n"
        "# the recorded instant the console shows (start + speed x the real time since\n"
        "# started_at, held at until). MRP_NOW overrides it.\n"
        f'start = "{replay.start}"\n'
        f'started_at = "{replay.started_at}"\n'
        f"speed = {replay.speed!r}\n"
        f'until = "{replay.until}"\n\n'
    )
    text = _CLOCK_SECTION.sub("", workspace.config_path.read_text(encoding="utf-8"))
    write_atomically(workspace.config_path, text.rstrip("\n") + "\n\n" + section)
    return load_config(workspace.config_path)


def prepare_demo(
    folder: Path,
    speed: float = DEFAULT_SPEED,
    start: datetime = REPLAY_FROM,
) -> DemoSession:
    """Copy the sample workspace into ``folder``/workspace, sync it as of ``start`` and return
    it with a replay clock that starts now (call this right before opening the console)."""
    _check_speed(speed)
    root = copy_sample_workspace(folder / "workspace")
    plain = open_workspace(root)
    end = history_end(plain)
    if not start < end:
        raise MrpError(f"the replay must start before the history ends ({end:%Y-%m-%dT%H:%MZ}).")
    paused = Clock(fixed=start)
    workspace = ReplayWorkspace(root=plain.root, config=plain.config, replay=paused)
    outcomes = tuple(sync_workspace(workspace))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise MrpError(f"the demo workspace could not be synced: {failed[0].error}")
    drill_signers(workspace)  # alice (oncall) and bob (model-owner), in a drill-only keyring
    config = write_replay(plain, start, speed, end)
    assert config.clock.replay is not None
    clock = config.clock.replay.clock()  # the console's, also under MRP_NOW
    return DemoSession(
        workspace=ReplayWorkspace(root=plain.root, config=config, replay=clock),
        clock=clock,
        outcomes=outcomes,
    )


def replay_position(clock: Clock) -> timedelta:
    """How far into the replay the clock is (recorded time)."""
    if clock.replay_from is None:
        return timedelta(0)
    return clock.now() - clock.replay_from
