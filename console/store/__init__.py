"""The local DuckDB state database: connections, migrations and named SQL."""

from console.store.db import connect, read_connection, write_connection
from console.store.queries import sql

__all__ = ["connect", "read_connection", "sql", "write_connection"]
