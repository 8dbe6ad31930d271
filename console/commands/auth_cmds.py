"""`mrp auth set SOURCE`, `mrp auth clear SOURCE` and `mrp auth status`: source credentials
(a token, or a username and password) in the keyring only."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from console.commands.common import JsonOption, WorkspaceOption, echo, emit_json, workspace
from console.errors import MrpError

if TYPE_CHECKING:
    from console.settings import Workspace

app = typer.Typer(help="Source credentials, kept in the OS keyring and nowhere else.")


@app.command("set")
def set_credential(
    source: Annotated[str, typer.Argument(help="The source's name in mrp.toml.")],
    basic: Annotated[
        bool,
        typer.Option(
            "--basic",
            help="Set a username and password, sent as HTTP basic auth, instead of a token.",
        ),
    ] = False,
    username: Annotated[
        str | None,
        typer.Option(
            "--username",
            help="The username for --basic (implies it); then only the password is asked for.",
            show_default=False,
        ),
    ] = None,
    signing_secret: Annotated[
        bool,
        typer.Option(
            "--signing-secret",
            help="Set the HMAC secret that signs an http source's rollback webhook.",
        ),
    ] = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Put a source's credentials (or webhook signing secret) into the keyring.

    A source has a token (sent as Authorization: Bearer) or, with --basic, a username and
    password (sent as HTTP basic auth); setting one replaces the other. Prompts on a
    terminal (secrets without echo); otherwise reads stdin: the token's or secret's first
    line, or for --basic the username's line and then the password's (only the password's
    with --username).
    """
    from console.secrets import ensure_usable_keyring
    from console.settings import FilesSource, HttpSource

    ws = workspace(workspace_dir)
    config = ws.config.sources.get(source)
    if config is None:
        raise MrpError(_unknown(source, ws))
    if isinstance(config, FilesSource):
        raise MrpError(f"source '{source}' reads files and takes no token.")
    basic = basic or username is not None
    if signing_secret and basic:
        raise MrpError("--signing-secret and --basic set different secrets: give one of them.")
    if signing_secret and not isinstance(config, HttpSource):
        raise MrpError(f"--signing-secret is for http sources; '{source}' is {config.kind}.")
    ensure_usable_keyring(storing=True)
    if basic:
        _set_basic(source, username)
    elif signing_secret:
        _set_signing_secret(source)
    else:
        _set_token(source)


def _unknown(source: str, ws: Workspace) -> str:
    known = ", ".join(sorted(ws.config.sources)) or "none"
    return f"no source named '{source}' in {ws.config_path} (sources: {known})."


def _replacing(before: str) -> str:
    return "" if before == "nothing" else f", replacing {before}"


def _set_token(source: str) -> None:
    from console.sources.credentials import store_token

    before = store_token(source, _read_secret(f"token for {source}"))
    echo(f"stored the token for source '{source}' in the keyring{_replacing(before)}.")


def _set_signing_secret(source: str) -> None:
    from console.secrets import set_secret
    from console.sources.credentials import signing_key

    set_secret(signing_key(source), _read_secret(f"signing secret for {source}"))
    echo(f"stored the signing secret for source '{source}' in the keyring.")


def _set_basic(source: str, username: str | None) -> None:
    from console.sources.credentials import BasicCredentials, store_basic

    prompting = sys.stdin.isatty()
    if username is None:
        if prompting:
            username = str(typer.prompt(f"Username for {source}"))
        else:
            username = sys.stdin.readline()
    if prompting:
        password = str(typer.prompt(f"Password for {source}", hide_input=True))
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    credentials = BasicCredentials(username.strip(), password)
    problem = credentials.problem()
    if problem is not None:
        raise MrpError(f"{problem}: nothing was stored.")
    before = store_basic(source, credentials)
    echo(
        f"stored basic credentials for user '{credentials.username}' for source '{source}' "
        f"in the keyring{_replacing(before)}."
    )


def _read_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        value = str(typer.prompt(prompt.capitalize(), hide_input=True))
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise MrpError(f"no {prompt.split(' for ')[0]} given: nothing was stored.")
    return value


@app.command("clear")
def clear(
    source: Annotated[str, typer.Argument(help="The source's name (in mrp.toml, or once was).")],
    signing_secret: Annotated[
        bool,
        typer.Option("--signing-secret", help="Remove the webhook signing secret instead."),
    ] = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Remove a source's token or basic credentials (or its signing secret) from the keyring.

    Works for a source no longer in mrp.toml too, so nothing is left behind.
    """
    from console.secrets import delete_secret, ensure_usable_keyring
    from console.settings import FilesSource
    from console.sources.credentials import clear_credentials, signing_key

    ws = workspace(workspace_dir)
    ensure_usable_keyring()
    if signing_secret:
        removed = "the signing secret" if delete_secret(signing_key(source)) else "nothing"
    else:
        removed = clear_credentials(source)
    if removed != "nothing":
        echo(f"removed {removed} for source '{source}' from the keyring.")
        return
    config = ws.config.sources.get(source)
    if config is None:
        raise MrpError(_unknown(source, ws).removesuffix(".") + ", and nothing is stored for it.")
    if isinstance(config, FilesSource):
        raise MrpError(f"source '{source}' reads files and takes no token.")
    what = "no signing secret was" if signing_secret else "no token or basic credentials were"
    echo(f"{what} stored for source '{source}': nothing was removed.")


@app.command("status")
def status(as_json: JsonOption = False, workspace_dir: WorkspaceOption = None) -> None:
    """Which credentials each network source has (never their values): a token, basic
    credentials (with the username) or none, and for http sources a signing secret."""
    from console.secrets import ensure_usable_keyring, get_secret
    from console.settings import FilesSource, HttpSource
    from console.sources.credentials import signing_key, stored_credentials

    ws = workspace(workspace_dir)
    ensure_usable_keyring()
    rows = []
    for name, config in sorted(ws.config.sources.items()):
        if isinstance(config, FilesSource):
            continue
        stored = stored_credentials(name)
        row: dict[str, object] = {
            "source": name,
            "kind": config.kind,
            "credentials": stored.kind,
            "username": stored.basic.username if stored.basic is not None else None,
            "token": stored.token is not None,
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
        parts = [_credentials_status(row)]
        if "signing_secret" in row:
            parts.append(f"signing secret {'set' if row['signing_secret'] else 'not set'}")
        echo(f"{row['source']} ({row['kind']}): {', '.join(parts)}")


def _credentials_status(row: dict[str, object]) -> str:
    if row["credentials"] == "basic":
        also = " (sent instead of the token also stored)" if row["token"] else ""
        return f"basic credentials set for user '{row['username']}'{also}"
    return "token set" if row["credentials"] == "token" else "no token or basic credentials set"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="auth")
