"""What is wrong with a metrics file, in one sentence naming the file and line (CSV) or row
(Parquet).

The files source reads all its metric files in one pass (``files_stage``); only when that
pass finds something wrong does it come here to name the problem precisely: these read a
file again, number its rows and scan its lines, which the pass itself never needs.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from console.errors import ConfigError
from console.store.queries import sql, statements

REQUIRED_COLUMNS = ("model", "version", "metric", "ts", "value")
_DELIMITERS = (",", ";", "\t", "|")


def is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def empty_file(path: Path) -> ConfigError:
    return ConfigError(
        f"{path}: the file is empty; a metrics file starts with the header line "
        f"{','.join(REQUIRED_COLUMNS)}."
    )


def open_metrics_file(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyRelation:
    """The file as DuckDB reads it: a CSV as text, a Parquet file as it is typed."""
    if is_csv(path):
        return con.read_csv(str(path), header=True, all_varchar=True)
    return con.read_parquet(str(path))


def has_columns(relation: duckdb.DuckDBPyRelation) -> bool:
    return all(name in relation.columns for name in REQUIRED_COLUMNS)


def define_metric_rows(con: duckdb.DuckDBPyConnection) -> None:
    """The macro ``metric_rows`` on ``con``, whose session zone becomes UTC."""
    for statement in statements("files/metric_rows_macro"):
        con.execute(statement)


def metric_rows_view(
    con: duckdb.DuckDBPyConnection, relation: duckdb.DuckDBPyRelation, index: int
) -> str:
    """Register the file ``relation`` and its checked rows (files/metric_rows_macro.sql) as
    views; returns the name of the rows' view."""
    relation.create_view(f"metric_file_{index}")
    rows = f"metric_rows_{index}"
    con.table_function("metric_rows", [f"metric_file_{index}", index]).create_view(rows)
    return rows


def where(path: Path, row: int) -> str:
    """``line N`` of a CSV file (its data row ``row``), ``row N`` of a Parquet file."""
    return f"line {line_of_row(path, row)}" if is_csv(path) else f"row {row}"


def check_metrics_file(path: Path) -> None:
    """Raise one sentence naming the file and line (row, for Parquet) when a metrics file is
    unusable."""
    if path.stat().st_size == 0:
        raise empty_file(path)
    con = duckdb.connect()
    try:
        try:
            relation = open_metrics_file(con, path)
            if not has_columns(relation):
                problem = csv_problem(path) if is_csv(path) else None
                if problem:
                    raise ConfigError(f"{path}: {problem}.")
                _check_columns(path, relation.columns)
            define_metric_rows(con)
            rows = metric_rows_view(con, relation, 0)
            bad = con.execute(sql("check_metrics_file"), {"rows": rows}).fetchone()
        except duckdb.Error as error:
            raise unreadable(path, error) from None
    finally:
        con.close()
    if bad:
        raise ConfigError(f"{path}: {where(path, bad[0])}: {bad[1]}.")


def unreadable(path: Path, error: duckdb.Error) -> ConfigError:
    problem = csv_problem(path) if is_csv(path) else None
    return ConfigError(f"{path}: {problem or 'cannot be read: ' + str(error).splitlines()[0]}.")


def _check_columns(path: Path, columns: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ConfigError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(its header is {','.join(columns)}; a metrics file has the columns "
            f"{', '.join(REQUIRED_COLUMNS)})."
        )


def csv_problem(path: Path) -> str | None:
    """Why DuckDB cannot read a CSV file, as ``line N: ...`` without a final period: line
    ends of two kinds, a line with more or fewer fields than the header, text that is not
    UTF-8. None when none of these is found."""
    header: list[str] | None = None
    delimiter = ","
    first_end = b""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            end = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
            if end and not first_end:
                first_end = end
            elif end and end != first_end:
                return (
                    f"line {number}: ends with {_line_end(end)} where the lines before end with "
                    f"{_line_end(first_end)}; write the file with one kind of line end (a "
                    "Python csv.writer ends lines with \\r\\n unless given lineterminator='\\n')"
                )
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                return f"line {number}: not UTF-8 text"
            if not text.strip():
                continue
            if header is None:
                delimiter = max(_DELIMITERS, key=text.count)
                header = next(csv.reader([text], delimiter=delimiter))
                continue
            fields = next(csv.reader([text], delimiter=delimiter), [])
            if len(fields) != len(header):
                if not end:
                    return (
                        f"line {number}, the last, has {len(fields)} of the {len(header)} "
                        "fields of the header and no line end, as if something were still writing it "
                        "(the next sync reads it again)"
                    )
                return f"line {number}: {len(fields)} fields where the header has {len(header)}"
    return None


def _line_end(end: bytes) -> str:
    return "\\r\\n (CRLF)" if end == b"\r\n" else "\\n (LF)"


def line_of_row(path: Path, row: int) -> int:
    """The line of a CSV file that holds data row ``row`` (1-based; the header and blank
    lines are not rows, as DuckDB reads them)."""
    seen = -1
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            seen += 1
            if seen == row:
                return number
    return row + 1
