"""Reading the log with DuckDB: filtered history for ``audit show`` and CSV for
``audit export``. The log stays a file; an in-memory DuckDB reads it in place (``show``) or
reads a checked snapshot of it (``export``, see ``console.audit.snapshot``)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from console.audit.checkpoint import Checkpoint
from console.audit.fixed_clock import CSV_COLUMN
from console.audit.keys_model import TrustedKey
from console.audit.scan import snapshot_size
from console.audit.snapshot import write_snapshot
from console.audit.validity import Validity, record_validity
from console.audit.verify import require_log
from console.clock import to_utc
from console.errors import MrpError
from console.store import sql

CSV_COLUMNS = (
    "seq",
    "ts",
    "actor",
    "key_id",
    "role",
    "action",
    "model",
    "from_version",
    "to_version",
    "reason",
    "break_glass",
    "dry_run",
    "policy_digest",
    "hash",
    "signature_valid",
    CSV_COLUMN,
    "runbook",
    "text",
    "details",
)


@dataclass(frozen=True)
class Filters:
    """``model`` and ``action`` are GLOB patterns; ``since``/``until`` are inclusive."""

    model: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self, path: Path) -> dict[str, Any]:
        return {
            "path": str(path),
            "model": self.model,
            "action": self.action,
            "since": _naive_utc(self.since),
            "until": _naive_utc(self.until),
        }


def _naive_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc(moment).replace(tzinfo=None)


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )


def read_records(path: Path, filters: Filters) -> list[dict[str, Any]]:
    """Records in file order, as JSON-ready dicts (``details`` as an object)."""
    require_log(path)
    con = _connect()
    try:
        cursor = con.execute(sql("audit/records"), filters.params(path))
        names = [column[0] for column in cursor.description or ()]
        rows = cursor.fetchall()
    except duckdb.Error as error:
        raise MrpError(f"{path} cannot be read: {str(error).splitlines()[0]}") from None
    finally:
        con.close()
    records = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        record["details"] = _details(record["details"])
        records.append(record)
    return records


def ends_torn(path: Path) -> bool:
    """Whether the log's last line lacks its newline (an append cut short)."""
    with path.open("rb") as handle:
        if handle.seek(0, os.SEEK_END) == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def _details(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class ExportResult:
    rows: int
    validity: Validity


def export_csv(
    path: Path,
    signers: Sequence[TrustedKey],
    target: Path,
    filters: Filters,
    *,
    workers: int | None = None,
    checkpoint: Checkpoint | None = None,
    missing_ok: bool = False,
    fixed_ts: str | None = None,
) -> ExportResult:
    """Write the (filtered) log to ``target`` as UTF-8 CSV with a header row. With a
    ``checkpoint`` the auditor trusts, the prefix its signer verified counts as valid when
    its bytes are unchanged (``ExportResult.validity.vouched`` lines). Rows whose ``ts`` is
    ``fixed_ts`` (a fixed clock's stamp) have ``fixed_clock`` true. No log is an
    MrpError, or with ``missing_ok`` the header row alone, as for an empty log."""
    if missing_ok and not path.exists():
        _write_header(target)
        return ExportResult(0, Validity(0, [], 0, 0))
    require_log(path)
    # Copy first, then check the copy: the bytes checked are the bytes DuckDB reads.
    copied = write_snapshot(path, snapshot_size(path), ())
    try:
        validity = record_validity(
            path, signers, workers=workers, checkpoint=checkpoint, copy=copied
        )
        if validity.invalid:
            bad = (row.line for row in validity.invalid)
            snapshot = write_snapshot(copied, validity.size, bad)
            copied.unlink()
        else:
            snapshot = copied
    except BaseException:
        copied.unlink(missing_ok=True)
        raise
    partial = target.with_name(f".{target.name}.partial")
    con = _connect()
    try:
        params = {**filters.params(snapshot), "target": str(partial), "fixed_ts": fixed_ts}
        row = con.execute(sql("audit/export_csv"), params).fetchone()
        os.replace(partial, target)
    except duckdb.Error as error:
        raise MrpError(f"could not export to {target}: {_first_line(error)}.") from None
    except OSError as error:
        raise MrpError(f"could not write {target}: {error.strerror}.") from None
    finally:
        con.close()
        snapshot.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return ExportResult(int(row[0]) if row else 0, validity)


def _first_line(error: duckdb.Error) -> str:
    return str(error).splitlines()[0].rstrip(".")


def _write_header(target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(",".join(CSV_COLUMNS) + "\n", encoding="utf-8")
        os.replace(partial, target)
    except OSError as error:
        raise MrpError(f"could not write {target}: {error.strerror}.") from None
    finally:
        partial.unlink(missing_ok=True)
