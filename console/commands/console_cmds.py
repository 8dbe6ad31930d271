"""`mrp demo` and `mrp console`: open the Textual console (imported only when run)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from console.commands.common import WorkspaceOption, warn, workspace
from console.commands.stop_signals import StopSignals
from console.errors import ConfigError, MrpError

if TYPE_CHECKING:
    from console.tui.app import MrpApp

ThemeOption = Annotated[
    str | None,
    typer.Option(
        "--theme",
        help="mrp-dark, mrp-light or mrp-high-contrast (default: the one you last picked, "
        "then the workspace's [console] theme).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("console")(console)


def _need_terminal(command: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise MrpError(
            f"the {command} command needs an interactive terminal (stdin and stdout a TTY)."
        )


def _theme(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    from console.user_settings import load_user_settings

    try:
        return load_user_settings().theme
    except ConfigError as error:  # a broken settings file must not keep the console shut
        warn(f"mrp: {error.message} Using the workspace's theme.")
        return None


def _run(app: MrpApp) -> None:
    """Run the console; a crash (Textual printed its traceback) exits 1, a quit exits 0."""
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)


def demo(
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            help="Replay the recorded history this many times faster than real time.",
        ),
    ] = 120.0,
    theme: ThemeOption = None,
) -> None:
    """Practise on a copy of the sample workspace, its incidents unfolding live.

    Replays the sample history N times faster than real time; a drill: nothing touches a real system."""
    _need_terminal("demo")
    from console.demo import prepare_demo
    from console.tui.app import MrpApp

    chosen = _theme(theme)
    folder = Path(tempfile.mkdtemp(prefix="mrp-demo-"))
    with StopSignals(cleanup=partial(shutil.rmtree, folder, ignore_errors=True)) as stop:
        warn(f"mrp demo: preparing a drill workspace in {folder / 'workspace'} …")
        session = prepare_demo(folder, speed=speed)
        stop.app = MrpApp(session.workspace, clock=session.clock, theme=chosen, sync_at_start=False)
        _run(stop.app)


def console(
    theme: ThemeOption = None,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Open the live console on the workspace."""
    ws = workspace(workspace_dir)
    _need_terminal("console")
    from console.tui.app import MrpApp

    chosen = _theme(theme)
    with StopSignals() as stop:
        stop.app = MrpApp(ws, theme=chosen)
        _run(stop.app)
