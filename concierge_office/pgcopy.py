# SPDX-License-Identifier: Apache-2.0
"""Bulk inserts on PostgreSQL with binary COPY.

COPY has no ON CONFLICT and one existing key fails the whole batch, yet devices re-send
batches.  So rows that may exist are copied into a temporary staging table of the same
layout, then moved with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, all inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_ALIASES = {"float": "float8", "double precision": "float8"}


def _copy_type(table: Table, name: str) -> str:
    """The PostgreSQL type name psycopg dumps a column's values as (binary COPY needs it)."""
    compiled = table.c[name].type.compile(dialect=_DIALECT).lower().split("(")[0].strip()
    return _ALIASES.get(compiled, compiled)


def copy_rows(
    conn: Connection, table: Table, rows: Iterable[Sequence[Any]], *, skip_existing: bool
) -> int:
    """Insert rows (tuples in column order); ``skip_existing``: rows whose key exists are
    skipped.  Returns the number of rows inserted.

    Rows that may exist are first copied straight into the table under a savepoint (new
    readings, the usual case, cost one COPY); only on a key clash do they go through the
    staging table.
    """
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    if not skip_existing:
        return _copy(driver, table, table.name, rows)
    rows = list(rows)
    try:
        with driver.transaction():  # a savepoint inside the caller's transaction
            return _copy(driver, table, table.name, rows)
    except psycopg.errors.UniqueViolation:
        pass
    stage = f"{table.name}_stage"
    driver.execute(  # kept per session; emptied at commit and after each use
        f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" '
        f'(LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
    )
    _copy(driver, table, stage, rows)
    columns = _columns(table)
    with driver.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{stage}" '
            "ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f'DELETE FROM "{stage}"')
    return inserted


def _columns(table: Table) -> str:
    return ", ".join(f'"{c.name}"' for c in table.columns)


def _copy(driver: psycopg.Connection[Any], table: Table, into: str,
          rows: Iterable[Sequence[Any]]) -> int:
    types = [_copy_type(table, c.name) for c in table.columns]
    copied = 0
    with driver.cursor() as cursor, cursor.copy(
        f'COPY "{into}" ({_columns(table)}) FROM STDIN (FORMAT BINARY)'
    ) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
            copied += 1
    return copied
