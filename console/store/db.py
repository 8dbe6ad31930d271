"""Short-lived DuckDB connections.

DuckDB lets one process hold a file read-write and locks out everyone else, so no process
keeps the state database open longer than one operation. A locked file is retried briefly;
then the error names the process that holds it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import duckdb

from console.errors import StoreError
from console.store.migrations import check_not_newer, latest_version, migrate

LOCK_WAIT_SECONDS = 15.0
_PID = re.compile(r"PID (\d+)")


def _config(path: Path) -> dict[str, str | bool | int | float | list[str]]:
    return {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "extension_directory": str(path.parent / "extensions"),
    }


def with_session_settings(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The session settings every mrp connection has (no progress bar on the terminal)."""
    con.execute("SET enable_progress_bar = false")
    return con


def _open(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=_config(path))
            return with_session_settings(con)
        except duckdb.IOException as error:
            text = str(error)
            if "lock" not in text.lower():
                raise StoreError(f"{path}: cannot be opened: {text.splitlines()[0]}") from None
            if time.monotonic() >= deadline:
                holder = _PID.search(text)
                who = f"process {holder.group(1)}" if holder else "another process"
                raise StoreError(
                    f"{path} is locked by {who} (waited {wait:.0f}s); try again when it is done."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        except duckdb.Error as error:
            raise StoreError(f"{path}: cannot be opened: {str(error).splitlines()[0]}") from None


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the state database for one operation.

    A read-only open of an up-to-date file shares it with other readers; anything else
    opens read-write and creates or upgrades the schema first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if read_only and path.exists() and _is_current(path, wait):
        con = _open(path, True, wait)
    else:
        con = _open(path, False, wait)
        try:
            migrate(con, str(path))
        except BaseException:
            con.close()
            raise
    try:
        yield con
    finally:
        con.close()


def _is_current(path: Path, wait: float) -> bool:
    con = _open(path, True, wait)
    try:
        return check_not_newer(con, str(path)) == latest_version()
    finally:
        con.close()


def read_connection(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    return connect(path, read_only=True)


def write_connection(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    return connect(path, read_only=False)
