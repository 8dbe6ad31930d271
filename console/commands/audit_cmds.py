"""`mrp audit verify|checkpoint|show|export|note`: the signed, hash-chained audit log."""

from __future__ import annotations

import difflib
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from console.clock import parse_time
from console.commands.audit_text import summary, when
from console.commands.common import (
    JsonOption,
    WorkspaceOption,
    echo,
    emit_json,
    print_table,
    warn,
    workspace,
)
from console.errors import ConfigError, MrpError
from console.text import plural

if TYPE_CHECKING:
    from console.audit.expected import Evidence
    from console.audit.fixed_clock import FixedClock
    from console.audit.keys_model import Signer, TrustedKey
    from console.audit.query import Filters
    from console.settings import Workspace

app = typer.Typer(help="The signed, hash-chained audit log.", no_args_is_help=True)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Who signs (default: MRP_SIGNER, then the config's operator)."),
]
ModelFilter = Annotated[str | None, typer.Option("--model", help="Only this model (or GLOB).")]
SinceFilter = Annotated[str | None, typer.Option("--since", help="From this time (RFC 3339).")]
UntilFilter = Annotated[str | None, typer.Option("--until", help="Up to this time (RFC 3339).")]
ActionFilter = Annotated[
    str | None, typer.Option("--action", help="Only this action (or GLOB, e.g. 'runbook.*').")
]


def _signer(ws: Workspace, explicit: str | None) -> Signer:
    from console.audit.keys import load_signer

    name = ws.signer_name(explicit)
    if not name:
        raise MrpError("no signer: pass --as NAME, set MRP_SIGNER, or set operator in mrp.toml.")
    return load_signer(ws, name)


def _trusted_keys(ws: Workspace, task: str) -> list[TrustedKey]:
    """signers.yaml's keys; ConfigError when it is gone while the log holds records, whose
    signatures would otherwise all read as signed by keys it does not list."""
    from console.audit.signers_file import load_signers_file

    log = ws.audit_path
    if not ws.signers_path.exists() and log.is_file() and log.stat().st_size > 0:
        raise ConfigError(
            f"there is no {ws.signers_path.name} in {ws.root}, so no signature in {log.name} "
            f"can be checked: restore it (the team's public keys) and {task} again."
        )
    return load_signers_file(ws.signers_path)


def _evidence(ws: Workspace) -> list[Evidence]:
    """What shows the log held records (gather it before reading the log)."""
    from console.runbook.store import workspace_evidence

    return workspace_evidence(ws)


def _stamped_lines(ws: Workspace, pinned: FixedClock | None) -> tuple[int, int]:
    """How many of the log's lines carry the fixed clock's instant, of how many."""
    from console.audit.fixed_clock import stamped_lines

    if pinned is None:
        return 0, 0
    try:
        return stamped_lines(ws.audit_path, pinned)
    except FileNotFoundError:
        return 0, 0


def _time(option: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise MrpError(f"{option} '{text}' is not an RFC 3339 time.") from None


def _filters(
    model: str | None, since: str | None, until: str | None, action: str | None
) -> Filters:
    from console.audit.query import Filters

    start, end = _time("--since", since), _time("--until", until)
    if start is not None and end is not None and start > end:
        raise MrpError(f"--since {since} is after --until {until}: no record could match.")
    return Filters(model, action, start, end)


@app.command("verify")
def verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="Also check the log against this signed head."),
    ] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Check every hash, link, sequence number and signature.

    Exit 1 naming the first bad record, or what shows that records are missing (runbooks,
    the append lock, a checkpoint), and how to recover. No log and no such evidence: no
    records yet, exit 0. With a fixed workspace clock, says how many records carry its time."""
    from console.audit.checkpoint import Checkpoint, check_checkpoint, untrusted
    from console.audit.expected import hold_to, recovery, strongest
    from console.audit.fixed_clock import fixed_clock
    from console.audit.verify import verify_log

    ws = workspace(workspace_dir)
    pinned = fixed_clock(ws)
    anchor = Checkpoint.load(checkpoint) if checkpoint is not None else None
    signers = _trusted_keys(ws, "verify")
    evidence = _evidence(ws)
    result = verify_log(ws.audit_path, signers, missing_ok=True)
    stamped, lines = _stamped_lines(ws, pinned)
    problem = result.message if not result.ok else None
    reach: int | None = None  # the seq a log that lost records should reach
    if problem is None and anchor is not None and checkpoint is not None:
        problem = check_checkpoint(result, anchor, checkpoint, signers)
        trusted = untrusted(anchor, checkpoint, signers) is None
        if problem is not None and trusted and result.head_seq < anchor.seq:
            reach = anchor.seq
    if problem is None:
        result = hold_to(result, evidence)
        problem = result.message if not result.ok else None
        best = strongest(evidence)
        reach = best.seq if problem is not None and best is not None else None
    if as_json:
        payload: dict[str, Any] = result.to_json()
        payload["evidence"] = [e.to_json() for e in evidence]
        if anchor is not None:
            payload["checkpoint"] = {**anchor.to_json(), "ok": problem is None and result.ok}
        payload["ok"] = problem is None
        payload["problem"] = problem
        payload["fixed_clock"] = pinned.to_json(stamped) if pinned is not None else None
        emit_json(payload)
    else:
        if problem is None:
            echo(result.message)
            if anchor is not None:
                echo(f"checkpoint {checkpoint} (seq {anchor.seq}) matches the log.")
        if pinned is not None and stamped:
            echo(pinned.note(stamped, lines))
    if problem is not None:
        if not as_json:
            warn(f"mrp: {problem}")
            if reach is not None:
                warn(f"mrp: {recovery(result.path, result.exists, reach)}")
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint(
    as_: AsOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the checkpoint to this file.")
    ] = None,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Verify the log, append a signed checkpoint and print its head.

    The head is {seq, hash, ts, key_id, signature}; keep it where the log's writers cannot reach."""
    from console.audit.checkpoint import take_checkpoint
    from console.audit.signers_file import load_signers_file
    from console.runbook.store import workspace_log
    from console.secrets import ensure_usable_keyring

    ensure_usable_keyring()
    ws = workspace(workspace_dir)
    signer = _signer(ws, as_)
    signers = load_signers_file(ws.signers_path)
    evidence = _evidence(ws)
    result, head = take_checkpoint(
        workspace_log(ws), signer, signers, ws.clock().now(), evidence=evidence
    )
    if head is None:
        warn(f"mrp: {result.message}")
        warn("mrp: no checkpoint taken: the log does not verify.")
        raise typer.Exit(1)
    text = json.dumps(head.to_json(), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise MrpError(f"could not write {output}: {error.strerror}.") from None
    echo(f"checkpoint seq {head.seq} written to {output}; keep it away from the log's writers.")


@app.command("show")
def show(
    model: ModelFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    action: ActionFilter = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Read the log (records in file order; `mrp audit verify` says whether to trust it)."""
    from console.audit.expected import hold_to
    from console.audit.fixed_clock import fixed_clock
    from console.audit.query import ends_torn, read_records
    from console.audit.signers_file import load_signers_file
    from console.audit.verify import verify_log

    ws = workspace(workspace_dir)
    pinned = fixed_clock(ws)
    filters = _filters(model, since, until, action)
    signers = load_signers_file(ws.signers_path)
    evidence = _evidence(ws)
    if not ws.audit_path.exists():
        gone = hold_to(verify_log(ws.audit_path, signers, missing_ok=True), evidence)
        if not gone.ok:  # deleted or moved, by what the workspace shows
            warn(f"warning: {gone.message}; run `mrp audit verify`.")
        if as_json:
            clock = pinned.to_json(0) if pinned is not None else None
            emit_json(
                {"records": [], "verified": gone.ok, "verify": gone.to_json(), "fixed_clock": clock}
            )
        elif gone.ok:  # a new workspace: nothing to show yet, and nothing wrong
            echo(gone.message)
        else:
            echo("no records to show.")
        return
    records = read_records(ws.audit_path, filters)
    if ends_torn(ws.audit_path):
        warn("warning: the log's last line is torn and not shown: run `mrp audit verify`.")
    checked = hold_to(verify_log(ws.audit_path, signers), evidence)
    if not checked.ok and checked.first_bad_line is None:
        warn(f"warning: the log does not verify: {checked.message}.")
    elif not checked.ok:
        warn(
            f"warning: the log does not verify ({checked.message}); records from seq "
            f"{checked.head_seq + 1} on cannot be trusted."
        )
    stamped = sum(record["ts"] == pinned.stamp for record in records) if pinned else 0
    if as_json:
        emit_json(
            {
                "records": records,
                "verified": checked.ok,
                "verify": checked.to_json(),
                "fixed_clock": pinned.to_json(stamped) if pinned is not None else None,
            }
        )
        return
    if not records:
        echo("no records match.")
        return
    rows = [
        (
            str(record["seq"]),
            when(record["ts"]),
            record["actor"] + (f" ({record['role']})" if record["role"] else ""),
            record["action"],
            record["model"] or "-",
            summary(record["action"], record["details"]),
        )
        for record in records
    ]
    print_table(("SEQ", "TIME", "ACTOR", "ACTION", "MODEL", "DETAIL"), rows)
    if pinned is not None and stamped:
        echo(pinned.note(stamped, len(records)))


@app.command("export")
def export(
    csv: Annotated[Path, typer.Option("--csv", help="Write the log to this CSV file.")],
    model: ModelFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    action: ActionFilter = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="A signed checkpoint you trust: the records it vouches for, byte for byte "
            "unchanged, count as checked (see docs/audit.md).",
        ),
    ] = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Write the log as CSV for risk and compliance.

    UTF-8, a header row, standard quoting, and each record's signature_valid; the columns are documented in docs/audit.md."""
    from console.audit.checkpoint import Checkpoint
    from console.audit.expected import hold_to, strongest
    from console.audit.fixed_clock import fixed_clock, stamped_rows
    from console.audit.query import export_csv
    from console.audit.verify import verify_log

    ws = workspace(workspace_dir)
    pinned = fixed_clock(ws)
    target = csv.expanduser().resolve()
    if not target.parent.is_dir():
        raise MrpError(f"cannot write {csv}: the folder {target.parent} does not exist.")
    if target.is_dir():
        raise MrpError(f"cannot write {csv}: it is a folder; give a file name such as audit.csv.")
    signers = _trusted_keys(ws, "export")
    filters = _filters(model, since, until, action)
    anchor = Checkpoint.load(checkpoint) if checkpoint is not None else None
    evidence = _evidence(ws)
    missing = not ws.audit_path.exists()
    if missing:  # a new workspace exports the header alone; a deleted log nothing
        gone = hold_to(verify_log(ws.audit_path, signers, missing_ok=True), evidence)
        if not gone.ok:
            raise MrpError(f"{gone.message}; nothing was exported.")
    fixed_ts = pinned.stamp if pinned is not None else None
    result = export_csv(
        ws.audit_path, signers, csv, filters, checkpoint=anchor, missing_ok=True, fixed_ts=fixed_ts
    )
    stamped = stamped_rows(csv)[0] if pinned is not None and result.rows else 0
    invalid = result.validity.invalid
    best = strongest(evidence)
    short = best is not None and result.validity.lines < best.seq
    if as_json:
        emit_json(
            {
                "path": csv,
                "rows": result.rows,
                "vouched_by_checkpoint": result.validity.vouched,
                "invalid_lines": [
                    {"line": r.line, "seq": r.seq, "reason": r.reason} for r in invalid
                ],
                "fixed_clock": pinned.to_json(stamped) if pinned is not None else None,
            }
        )
    elif missing and result.rows == 0:
        echo(f"exported {plural(result.rows, 'record')} to {csv}: there are no records yet.")
    else:
        echo(f"exported {plural(result.rows, 'record')} to {csv}.")
        if anchor is not None:
            vouched = result.validity.vouched
            echo(
                f"{plural(vouched, 'line')} taken on checkpoint seq {anchor.seq}'s word"
                if vouched
                else f"checkpoint {checkpoint} vouches for nothing here: every record was checked"
            )
        if pinned is not None and stamped:
            echo(pinned.note(stamped, result.rows, " (fixed_clock is true in their rows)"))
    if invalid:
        first = invalid[0]
        warn(
            f"warning: {plural(len(invalid), 'line')} of the log "
            f"{'is not a valid record' if len(invalid) == 1 else 'are not valid records'} "
            f"(first: line {first.line}, {first.reason}); such lines have signature_valid=false "
            "or, with no record to show, are left out: run `mrp audit verify`."
        )
    if short and best is not None:
        warn(
            f"warning: the log holds {plural(result.validity.lines, 'line')}, but "
            f"{best.what}: records are missing; run `mrp audit verify`."
        )


@app.command("note")
def note(
    model: Annotated[str, typer.Argument(help="The model the note is about.")],
    text: Annotated[str, typer.Argument(help="The note (hand-over, incident commentary).")],
    as_: AsOption = None,
    as_json: JsonOption = False,
    workspace_dir: WorkspaceOption = None,
) -> None:
    """Append a signed free-text record.

    Refused (exit 2, nothing written) when the log holds fewer records than the workspace
    shows it held: a deleted or cut log is restored, not started over."""
    from console.runbook.store import workspace_log
    from console.secrets import ensure_usable_keyring

    ensure_usable_keyring()
    ws = workspace(workspace_dir)
    if not text.strip():
        raise MrpError("the note is empty: nothing was recorded.")
    _known_model(ws, model)
    signer = _signer(ws, as_)
    record = workspace_log(ws).append(signer, "note", model, {"text": text}, None, ws.clock().now())
    if as_json:
        emit_json(record.to_dict())
        return
    echo(f"recorded note seq {record.seq} ({record.hash[:12]}) signed by {signer.name}.")


def _known_model(ws: Workspace, model: str) -> None:
    """A signed record is permanent: refuse a model name the state database does not know."""
    from console.store import connect, sql

    if not ws.db_path.exists():
        return
    with connect(ws.db_path, read_only=True) as con:
        known = [row[0] for row in con.execute(sql("known_models")).fetchall()]
    if known and model not in known:
        close = difflib.get_close_matches(model, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise MrpError(f"no model named '{model}' in {ws.root}{hint}: nothing was recorded.")
