"""`mrp keys init` and `mrp keys show`: signing keys, private half in the keyring only."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from console.clock import format_time
from console.commands.common import JsonOption, WorkspaceOption, echo, emit_json, warn, workspace

app = typer.Typer(
    help="Signing keys: private halves in the OS keyring, public halves in signers.yaml.",
    no_args_is_help=True,
)


@app.command("init")
def init(
    name: Annotated[str, typer.Option("--name", help="The signer's name (as in --as).")],
    roles: Annotated[
        list[str],
        typer.Option("--role", help="A role the key signs in (repeat for more)."),
    ],
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Make an Ed25519 key pair for a signer.

    The private half goes into the keyring, the public half into the workspace's signers.yaml; a key this keyring already holds is reused."""
    from console.audit.keys import init_key
    from console.secrets import ensure_usable_keyring

    ensure_usable_keyring()
    ws = workspace(workspace_dir)
    key = init_key(ws, name, roles)
    if as_json:
        emit_json(
            {
                "name": key.name,
                "key_id": key.key_id,
                "roles": list(key.roles),
                "public_key": key.public_key,
                "valid_from": key.valid_from,
                "signers_file": ws.signers_path,
            }
        )
        return
    echo(
        f"key {key.key_id} for {key.name} (roles: {', '.join(key.roles)}): private half in "
        f"the keyring (service mrp), public half added to {ws.signers_path}."
    )


@app.command("show")
def show(as_json: JsonOption = False, workspace_dir: WorkspaceOption = None) -> None:
    """Which keys this machine holds and whether signers.yaml trusts them.

    Without a usable keyring the signers in signers.yaml are still listed (public keys are
    no secret), with HERE '?' (--json: held_here null, keyring_problem the reason), and a
    sentence on stderr says the private keys were not checked; the exit code is then 1
    (listed, but whether this machine can sign is unknown), else 0."""
    from console.audit.keys import held_keys, load_signers_file
    from console.errors import MrpError
    from console.secrets import ensure_usable_keyring

    ws = workspace(workspace_dir)
    trusted = load_signers_file(ws.signers_path)
    now = ws.clock().now()
    operator = ws.signer_name()
    names = [key.name for key in trusted] + ([operator] if operator else [])
    try:
        ensure_usable_keyring()
    except MrpError as error:
        keyring_problem: str | None = error.message
        held: dict[str, Any] = {}
    else:
        keyring_problem = None
        held = {key.key_id: key for key in held_keys(ws, names)}
    rows: list[dict[str, Any]] = []
    for key in trusted:
        mine = held.pop(key.key_id, None)
        rows.append(
            {
                "name": key.name,
                "key_id": key.key_id,
                "roles": list(key.roles),
                "public_key": key.public_key,
                "valid_from": key.valid_from,
                "valid_until": key.valid_until,
                "held_here": None if keyring_problem else mine is not None,
                "trusted": key.problem_at(now) is None,
                "problem": key.problem_at(now),
            }
        )
    for mine in held.values():
        rows.append(
            {
                "name": mine.name,
                "key_id": mine.key_id,
                "roles": [],
                "public_key": mine.public_key,
                "valid_from": None,
                "valid_until": None,
                "held_here": True,
                "trusted": False,
                "problem": mine.problem,
            }
        )
    if as_json:
        emit_json(
            {"signers_file": ws.signers_path, "keyring_problem": keyring_problem, "keys": rows}
        )
    else:
        _print_table(rows, str(ws.signers_path), keyring_checked=keyring_problem is None)
    if keyring_problem:
        warn(f"mrp: private keys held here not checked: {keyring_problem}")
        raise typer.Exit(1)


def _print_table(rows: list[dict[str, Any]], path: str, *, keyring_checked: bool) -> None:
    if not rows and not keyring_checked:
        echo(f"no keys: {path} lists none.")
        return
    if not rows:
        echo(f"no keys: {path} lists none and this keyring holds none for the operator.")
        echo("create one with `mrp keys init --name NAME --role ROLE`.")
        return
    table = [("NAME", "KEY ID", "ROLES", "HERE", "STATUS")]
    for row in rows:
        status = "trusted" if row["trusted"] else (row["problem"] or "not trusted")
        if row["valid_until"] is not None and row["trusted"]:
            status += f" until {format_time(row['valid_until'])}"
        table.append(
            (
                row["name"],
                row["key_id"],
                ",".join(row["roles"]) or "-",
                {True: "yes", False: "no", None: "?"}[row["held_here"]],
                status,
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    for line in table:
        echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:4])) + "  " + line[4])
    for row in rows:
        if row["held_here"] and row["problem"] == "not listed in signers.yaml":
            echo(
                f"\n{row['name']}'s key {row['key_id']} is not in {path}; its public key is "
                f"{row['public_key']}"
            )
