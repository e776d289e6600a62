# SPDX-License-Identifier: Apache-2.0
"""Applying server records locally without overwriting pending local changes.

A record whose entity has pending outbox ops or an open conflict is *blocked*:
pulled versions of it are parked in ``deferred`` and reconciled once it is free
(PowerSync's rule).  All functions run inside the caller's write transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from concierge.store import jsonutil

Key = tuple[str, str]


def blocked_keys(conn: sqlite3.Connection) -> set[Key]:
    rows = conn.execute(
        "SELECT entity, entity_id FROM outbox UNION SELECT entity, entity_id FROM conflicts"
    )
    return {(e, i) for e, i in rows}


def is_blocked(conn: sqlite3.Connection, key: Key) -> bool:
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE entity = ?1 AND entity_id = ?2 "
        "UNION ALL SELECT 1 FROM conflicts WHERE entity = ?1 AND entity_id = ?2 LIMIT 1",
        key,
    ).fetchone()
    return row is not None


def upsert_many(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, int, str]]) -> None:
    """Store server records (entity, id, version, json) unless the local copy is newer."""
    conn.executemany(
        "INSERT INTO records (entity, id, version, data) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, "
        "data = excluded.data, base = NULL, stale = 0 "
        "WHERE records.version IS NULL OR excluded.version >= records.version",
        rows,
    )


def delete_many(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, int]]) -> None:
    """Apply tombstones (entity, id, version)."""
    conn.executemany(
        "DELETE FROM records WHERE entity = ? AND id = ? AND (version IS NULL OR version <= ?)",
        rows,
    )


def defer(conn: sqlite3.Connection, key: Key, version: int, data: str | None) -> None:
    """Park a pulled record of a blocked entity; an open conflict gets the newer server side."""
    conflict = conn.execute(
        "SELECT server_version FROM conflicts WHERE entity = ? AND entity_id = ?", key
    ).fetchone()
    if conflict is not None and data is not None:
        if version > conflict[0]:
            conn.execute(
                "UPDATE conflicts SET server = ?, server_version = ? WHERE entity = ? "
                "AND entity_id = ?",
                (data, version, *key),
            )
            conn.execute(
                "UPDATE records SET base = ?, version = ? WHERE entity = ? AND id = ?",
                (data, version, *key),
            )
        return
    conn.execute(
        "INSERT INTO deferred (entity, id, version, data) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, data = excluded.data "
        "WHERE excluded.version >= deferred.version",
        (*key, version, data),
    )


def set_server_copy(
    conn: sqlite3.Connection, key: Key, version: int, record: str, *, keep_local: bool
) -> None:
    """The server acknowledged ``version``; keep the local view only if more is pending."""
    row = conn.execute("SELECT version FROM records WHERE entity = ? AND id = ?", key).fetchone()
    if row is not None and row[0] is not None and row[0] > version:
        return
    if row is None:
        conn.execute(
            "INSERT INTO records (entity, id, version, data) VALUES (?, ?, ?, ?)",
            (*key, version, record),
        )
    elif keep_local:
        conn.execute(
            "UPDATE records SET base = ?, version = ? WHERE entity = ? AND id = ?",
            (record, version, *key),
        )
    else:
        conn.execute(
            "UPDATE records SET data = ?, base = NULL, version = ? WHERE entity = ? AND id = ?",
            (record, version, *key),
        )


def settle(conn: sqlite3.Connection, key: Key) -> None:
    """Once nothing is pending for ``key``: take the newest server copy locally."""
    if is_blocked(conn, key):
        return
    parked = conn.execute(
        "SELECT version, data FROM deferred WHERE entity = ? AND id = ?", key
    ).fetchone()
    row = conn.execute(
        "SELECT version, base FROM records WHERE entity = ? AND id = ?", key
    ).fetchone()
    if parked is not None:
        conn.execute("DELETE FROM deferred WHERE entity = ? AND id = ?", key)
        if row is None or row[0] is None or parked[0] >= row[0]:
            if parked[1] is None:
                delete_many(conn, [(*key, parked[0])])
            else:
                upsert_many(conn, [(*key, parked[0], parked[1])])
            return
    if row is not None and row[1] is not None:
        conn.execute(
            "UPDATE records SET data = base, base = NULL WHERE entity = ? AND id = ?", key
        )


def local_change(
    conn: sqlite3.Connection, key: Key, data: dict[str, object] | str
) -> int | None:
    """Write the local view (a dict, or its JSON text), keeping the server copy in ``base``;
    returns the base version."""
    row = conn.execute("SELECT version FROM records WHERE entity = ? AND id = ?", key).fetchone()
    text = data if isinstance(data, str) else jsonutil.dumps(data)
    if row is None:
        conn.execute(
            "INSERT INTO records (entity, id, version, data) VALUES (?, ?, NULL, ?)",
            (*key, text),
        )
        return None
    conn.execute(
        "UPDATE records SET base = CASE WHEN version IS NULL THEN NULL "
        "ELSE COALESCE(base, data) END, data = ? WHERE entity = ? AND id = ?",
        (text, *key),
    )
    return None if row[0] is None else int(row[0])
