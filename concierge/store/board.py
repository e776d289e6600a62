# SPDX-License-Identifier: Apache-2.0
"""The board's rows and the sync status, read with sqlite3 alone.

``Store`` reads them this way, and so does ``read_first_screen``: before the store
proper opens (pydantic, migrations), the window can paint the first screenful of
each board group from the store file.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from concierge.store.clock import from_iso
from concierge.store.schema import COARSE_BUCKET, MIGRATIONS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One line of the visit board (slots: 10,000 of them are one object each, not two,
    for the cyclic garbage collector to walk)."""

    id: str
    site_id: str
    customer_name: str
    site_name: str
    address: str
    window_start: datetime
    window_end: datetime
    priority: int
    status: str
    summary: str
    asset_count: int
    offline_ready: bool
    pending_changes: bool
    has_conflict: bool
    updated_at: datetime
    summary_code: str | None = None  # the summary as code + params (JSON), if sent


@dataclass(frozen=True)
class SyncStatus:
    """Everything a status bar shows about syncing."""

    last_sync_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    pending_ops: int
    conflicts: int
    rejected: int
    cursor: str | None
    account: str | None
    server_url: str | None = None
    last_failure: str | None = None  # last_error's code and parameters (JSON, SyncFailure)


ACTIVE_STATUSES = ("proposed", "scheduled", "in_progress")
"""Visit statuses still to be worked (their telemetry is kept offline)."""
DONE_STATUSES = ("completed", "cancelled")
BOARD_GROUPS = ("today", "upcoming", "done")


def _sql_list(values: tuple[str, ...]) -> str:
    """Our own constants as an SQL list literal."""
    return ", ".join(f"'{v}'" for v in values)


_COLUMNS = f"""
    v.id, v.site_id, s.customer_name, s.name, s.address, v.window_start, v.window_end,
    v.priority, v.status, v.summary, json_array_length(v.asset_ids),
    s.id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM json_each(v.asset_ids) a
        WHERE a.value NOT IN usable
        OR (v.status IN ({_sql_list(ACTIVE_STATUSES)}) AND a.value NOT IN fetched)
    ),
    v.updated_at, v.summary_code"""
_READINESS = """
usable(id) AS MATERIALIZED (
    SELECT id FROM records WHERE entity = 'asset' AND data ->> '$.kind' IN (
        SELECT data ->> '$.asset_kind' FROM records WHERE entity = 'template')
), fetched(id) AS MATERIALIZED (
    SELECT asset_id FROM telemetry_fetched WHERE bucket_seconds = :bucket
)"""
_ORDER = "v.priority, julianday(v.window_start), v.id"
_GROUP = f"""CASE WHEN v.status IN ({_sql_list(DONE_STATUSES)}) THEN 'done'
    WHEN julianday(v.window_start) >= julianday(:tomorrow) THEN 'upcoming' ELSE 'today' END"""

BOARD_SQL = f"""
WITH {_READINESS}
SELECT {_COLUMNS}
FROM board_visits v LEFT JOIN board_sites s ON s.id = v.site_id
ORDER BY {_ORDER}
"""
"""A board row is offline-ready when its site is stored and each of its assets is stored
with a checklist template for its kind and, for visits still to do, its telemetry."""

_FIRSTS = " UNION ALL ".join(
    f"SELECT * FROM (SELECT v.id FROM board_visits v WHERE {_GROUP} = '{group}' "
    f"ORDER BY {_ORDER} LIMIT :limit)"
    for group in BOARD_GROUPS
)
FIRST_SCREEN_SQL = f"""
WITH {_READINESS}, firsts(id) AS MATERIALIZED ({_FIRSTS})
SELECT {_COLUMNS}
FROM firsts f JOIN board_visits v ON v.id = f.id LEFT JOIN board_sites s ON s.id = v.site_id
ORDER BY {_ORDER}
"""
"""The first ``limit`` rows of each board group, in board order: whichever group tab is
open, its first screenful is there.  The groups are the board's (see ``ui.board.model``)."""

GROUP_COUNTS_SQL = f"SELECT {_GROUP} AS grp, COUNT(*) FROM board_visits v GROUP BY grp"


def board_rows(conn: sqlite3.Connection) -> list[VisitRow]:
    """The board, by priority then window; sorted by SQLite (a Python sort of 10,000
    rows holds the GIL, SQLite's does not)."""
    rows = conn.execute(BOARD_SQL, {"bucket": COARSE_BUCKET}).fetchall()
    return _visit_rows(conn, rows)


def _visit_rows(conn: sqlite3.Connection, rows: list[Any]) -> list[VisitRow]:
    pending = _visit_ids(conn, "SELECT entity, entity_id FROM outbox")
    conflicted = _visit_ids(conn, "SELECT entity, entity_id FROM conflicts")
    parse = datetime.fromisoformat
    return [
        VisitRow(
            vid, site_id, customer or "", site_name or "", address or "", parse(start),
            parse(end), int(prio), status, summary, count, bool(ready), vid in pending,
            vid in conflicted, parse(updated), summary_code,
        )
        for (vid, site_id, customer, site_name, address, start, end, prio, status, summary,
             count, ready, updated, summary_code) in rows
    ]


def _visit_ids(conn: sqlite3.Connection, keys_sql: str) -> set[str]:
    """Visit ids touched by (entity, id) rows: visits directly, sessions through their visit."""
    ids: set[str] = set()
    for entity, ident in conn.execute(keys_sql).fetchall():
        if entity == "visit":
            ids.add(ident)
        else:
            row = conn.execute(
                "SELECT json_extract(data, '$.visit_id') FROM records WHERE entity = ? AND id = ?",
                (entity, ident),
            ).fetchone()
            if row is not None:
                ids.add(row[0])
    return ids


def meta_get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def sync_status(conn: sqlite3.Connection) -> SyncStatus:
    def count(table: str) -> int:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    account = meta_get(conn, "account")
    info = json.loads(account) if account else None
    return SyncStatus(
        last_sync_at=from_iso(meta_get(conn, "last_sync_at")),
        last_attempt_at=from_iso(meta_get(conn, "last_attempt_at")),
        last_error=meta_get(conn, "last_error"),
        pending_ops=count("outbox"),
        conflicts=count("conflicts"),
        rejected=count("rejected"),
        cursor=meta_get(conn, "cursor"),
        account=info["user"]["login"] if info else None,
        server_url=info["server_url"] if info else None,
        last_failure=meta_get(conn, "last_failure"),
    )


@dataclass(frozen=True)
class FirstScreen:
    """The first rows of each board group, every group's full count, and the sync status."""

    rows: list[VisitRow]
    group_counts: dict[str, int]
    status: SyncStatus


def read_first_screen(path: Path, tomorrow: datetime, limit: int) -> FirstScreen | None:
    """The board's first screen straight from the store file, or None when there is none
    to show (no file, a schema still to migrate, nobody signed in, no visits, or any
    error: the store proper opens next and reports problems itself).

    ``tomorrow``: the next local midnight (aware), where "today" ends.
    """
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        log.debug("No first screen: %s", exc)
        return None
    try:
        conn.execute("PRAGMA query_only = 1")
        if conn.execute("PRAGMA user_version").fetchone()[0] != len(MIGRATIONS):
            return None
        status = sync_status(conn)
        if status.account is None:
            return None
        params = {"bucket": COARSE_BUCKET, "tomorrow": tomorrow.isoformat(), "limit": limit}
        counts = dict.fromkeys(BOARD_GROUPS, 0)
        counts.update(conn.execute(GROUP_COUNTS_SQL, params).fetchall())
        rows = conn.execute(FIRST_SCREEN_SQL, params).fetchall()
        return FirstScreen(_visit_rows(conn, rows), counts, status) if rows else None
    except sqlite3.Error as exc:
        log.debug("No first screen: %s", exc)
        return None
    finally:
        conn.close()
