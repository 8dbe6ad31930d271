"""`mrp auth set SOURCE` and `mrp auth status`: source credentials in the keyring only."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from console.commands.common import JsonOption, WorkspaceOption, echo, emit_json, workspace
from console.errors import MrpError

app = typer.Typer(help="Source credentials, kept in the OS keyring and nowhere else.")


@app.command("set")
def set_credential(
    source: Annotated[str, typer.Argument(help="The source's name in mrp.toml.")],
    signing_secret: Annotated[
        bool,
        typer.Option(
            "--signing-secret",
            help="Set the HMAC secret that signs an http source's rollback webhook.",
        ),
    ] = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Put a source's API token (or webhook signing secret) into the keyring.

    Prompts without echo on a terminal; otherwise reads the first line of stdin.
    """
    from console.secrets import ensure_usable_keyring, set_secret
    from console.settings import FilesSource, HttpSource
    from console.sources.http_client import signing_key, token_key

    ws = workspace(workspace_dir)
    config = ws.config.sources.get(source)
    if config is None:
        known = ", ".join(sorted(ws.config.sources)) or "none"
        raise MrpError(f"no source named '{source}' in {ws.config_path} (sources: {known}).")
    if isinstance(config, FilesSource):
        raise MrpError(f"source '{source}' reads files and takes no token.")
    if signing_secret and not isinstance(config, HttpSource):
        raise MrpError(f"--signing-secret is for http sources; '{source}' is {config.kind}.")
    ensure_usable_keyring(storing=True)
    what = "signing secret" if signing_secret else "token"
    value = _read_secret(f"{what} for {source}")
    set_secret(signing_key(source) if signing_secret else token_key(source), value)
    echo(f"stored the {what} for source '{source}' in the keyring.")


def _read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        value = str(typer.prompt(prompt.capitalize(), hide_input=True))
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise MrpError(f"no {prompt.split(' for ')[0]} given: nothing was stored.")
    return value


@app.command("status")
def status(as_json: JsonOption = False, workspace_dir: WorkspaceOption = None) -> None:
    """Which sources have a token (and, for http sources, a signing secret)."""
    from console.secrets import ensure_usable_keyring, get_secret
    from console.settings import FilesSource, HttpSource
    from console.sources.http_client import signing_key, token_key

    ws = workspace(workspace_dir)
    ensure_usable_keyring()
    rows = []
    for name, config in sorted(ws.config.sources.items()):
        if isinstance(config, FilesSource):
            continue
        row: dict[str, object] = {
            "source": name,
            "kind": config.kind,
            "token": get_secret(token_key(name)) is not None,
        }
        if isinstance(config, HttpSource):
            row["signing_secret"] = get_secret(signing_key(name)) is not None
        rows.append(row)
    if as_json:
        emit_json({"sources": rows})
        return
    if not rows:
        echo("no network sources in this workspace.")
    for row in rows:
        parts = [f"token {'set' if row['token'] else 'not set'}"]
        if "signing_secret" in row:
            parts.append(f"signing secret {'set' if row['signing_secret'] else 'not set'}")
        echo(f"{row['source']} ({row['kind']}): {', '.join(parts)}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="auth")
