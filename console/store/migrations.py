"""Numbered schema migrations (``queries/migrations/NNN_name.sql``), applied in order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import duckdb

from console.errors import StoreError
from console.resources import queries_dir

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    text: str


@cache
def migrations() -> tuple[Migration, ...]:
    found = []
    for path in sorted((queries_dir() / "migrations").glob("*.sql")):
        match = _NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    return tuple(found)


def latest_version() -> int:
    return migrations()[-1].number if migrations() else 0


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def check_not_newer(con: duckdb.DuckDBPyConnection, where: str) -> int:
    version = current_version(con)
    if version > latest_version():
        raise StoreError(
            f"{where} was written by a newer mrp (schema {version}; this mrp knows up to "
            f"{latest_version()}): upgrade mrp to use it."
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, where: str) -> None:
    version = check_not_newer(con, where)
    for migration in migrations():
        if migration.number <= version:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.text)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                [migration.number, migration.name],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
