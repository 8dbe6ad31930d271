"""The `mrp` command: parses arguments, calls the core, formats output. Thin on purpose.

Start-up stays fast (scripts, CI gates and an on-call engineer pay it at every command):
building the app imports typer and the command modules only, and each command module imports
the core it uses inside its command functions, its types for annotations under
``TYPE_CHECKING`` (tests/unit/test_cli_startup.py keeps the heavy modules out).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from console.commands.common import workspace_defaults
from console.commands.usage_errors import UsageError, show_usage_error
from console.errors import MrpError

app = typer.Typer(
    name="mrp",
    help="Model Rollback Policies: evaluate rollback triggers and run signed rollbacks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from console import __version__

        typer.echo(f"mrp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    workspace_dir: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="The workspace folder for any command (default: MRP_HOME, then the current "
            "folder upwards, then the user config folder); a --workspace after the command "
            "wins.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Model Rollback Policies: evaluate rollback triggers and run signed rollbacks."""
    if workspace_dir is None or ctx.invoked_subcommand is None:
        return
    defaults = workspace_defaults(ctx.command, workspace_dir)
    if not defaults.get(ctx.invoked_subcommand):
        raise MrpError(f"the {ctx.invoked_subcommand} command takes no --workspace.")
    ctx.default_map = defaults


def _register() -> None:
    from console.commands import workspace_cmds

    workspace_cmds.register(app)

    from console.commands import policy_cmds

    app.add_typer(policy_cmds.app, name="policy")

    from console.commands import auth_cmds

    auth_cmds.register(app)

    from console.commands import console_cmds

    console_cmds.register(app)

    from console.commands import audit_cmds, keys_cmds

    app.add_typer(audit_cmds.app, name="audit")
    app.add_typer(keys_cmds.app, name="keys")

    from console.commands import rollback_cmds, runbook_cmds

    rollback_cmds.register(app)
    runbook_cmds.register(app)

    from console.commands import evaluate_cmds

    evaluate_cmds.register(app)


_register()


def main() -> None:
    """Run the command; every failure a user can cause ends in one ``mrp: `` sentence.

    click runs outside its standalone mode so that its usage errors reach us rather than
    its usage line and boxed panel; in that mode a ``typer.Exit`` comes back as the code."""
    try:
        code = app(prog_name="mrp", standalone_mode=False)
    except UsageError as error:
        show_usage_error(error, typer.main.get_command(app), sys.argv[1:])
        sys.exit(2)
    except typer.Abort:
        typer.echo("mrp: aborted.", err=True)
        sys.exit(1)
    except MrpError as error:
        typer.echo(f"mrp: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("mrp: interrupted.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
