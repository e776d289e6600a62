# SPDX-License-Identifier: Apache-2.0
"""The store's tables; each entry of MIGRATIONS moves ``PRAGMA user_version`` up by one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

COARSE_BUCKET = 900
"""Seconds per bucket of the coarse telemetry series (``telemetry_fetched.bucket_seconds``):
here, not in ``concierge.store.telemetry``, so the board's readiness query imports no
telemetry code."""

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Synced records. ``data`` is the local view; ``base`` the server's record when the
-- local view differs from it (pending or refused local changes), else NULL.
-- ``version`` is the server version the row is based on (NULL: never on the server).
CREATE TABLE records (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER,
    data TEXT NOT NULL,
    base TEXT,
    stale INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entity, id)
);
CREATE INDEX records_visit_site ON records (json_extract(data, '$.site_id'))
    WHERE entity = 'visit';
CREATE INDEX records_session_visit ON records (json_extract(data, '$.visit_id'))
    WHERE entity = 'session';
CREATE INDEX records_template_kind ON records (json_extract(data, '$.asset_kind'))
    WHERE entity = 'template';

-- Local changes waiting for the server, pushed in seq order.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    base_version INTEGER,
    payload TEXT NOT NULL,
    made_at TEXT NOT NULL,
    in_flight INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_entity ON outbox (entity, entity_id);

-- Pulled records held back while their entity has pending local changes.
CREATE TABLE deferred (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT,
    PRIMARY KEY (entity, id)
);

CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    server TEXT NOT NULL,
    server_version INTEGER NOT NULL,
    op_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (entity, entity_id)
);

CREATE TABLE rejected (
    op_id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    reason TEXT NOT NULL,
    code TEXT NOT NULL,
    made_at TEXT NOT NULL
);

CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    filename TEXT NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0
);

-- One row per series: float64 arrays as BLOBs; bucket_seconds 0 holds raw readings.
CREATE TABLE telemetry (
    asset_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    bucket_seconds INTEGER NOT NULL,
    t BLOB NOT NULL,
    mean BLOB NOT NULL,
    min BLOB NOT NULL,
    max BLOB NOT NULL,
    PRIMARY KEY (asset_id, metric, bucket_seconds)
);

-- Server time up to which each asset's windows were fetched, per resolution.
CREATE TABLE telemetry_fetched (
    asset_id TEXT NOT NULL,
    bucket_seconds INTEGER NOT NULL,
    until REAL NOT NULL,
    PRIMARY KEY (asset_id, bucket_seconds)
);
"""

# The board's columns, kept by triggers whenever a visit or site record is written, so
# reading 10,000 board rows does not parse 10,000 JSON documents (SQLite re-parses a
# document for every ``->>``).  Derived data only: rebuilt from ``records`` here.
# (DELETE + INSERT, not INSERT OR REPLACE: inside a trigger, the conflict policy of the
# statement that fired it would win, and the pull's upsert aborts on conflicts.)
_VISIT_COLUMNS = """
    new.id, new.data ->> '$.site_id', new.data ->> '$.window_start',
    new.data ->> '$.window_end', new.data ->> '$.priority', new.data ->> '$.status',
    new.data ->> '$.summary', COALESCE(new.data -> '$.asset_ids', '[]'),
    new.data ->> '$.updated_at'
"""
_SITE_COLUMNS = """
    new.id, new.data ->> '$.customer_name', new.data ->> '$.name', new.data ->> '$.address'
"""
V2 = f"""
CREATE TABLE board_visits (
    id TEXT PRIMARY KEY,
    site_id TEXT,
    window_start TEXT,
    window_end TEXT,
    priority INTEGER,
    status TEXT,
    summary TEXT,
    asset_ids TEXT NOT NULL,
    updated_at TEXT
);
CREATE TABLE board_sites (
    id TEXT PRIMARY KEY,
    customer_name TEXT,
    name TEXT,
    address TEXT
);
CREATE TRIGGER board_visit_inserted AFTER INSERT ON records WHEN new.entity = 'visit' BEGIN
    DELETE FROM board_visits WHERE id = new.id;
    INSERT INTO board_visits VALUES ({_VISIT_COLUMNS});
END;
CREATE TRIGGER board_visit_updated AFTER UPDATE OF data ON records WHEN new.entity = 'visit'
BEGIN
    DELETE FROM board_visits WHERE id = new.id;
    INSERT INTO board_visits VALUES ({_VISIT_COLUMNS});
END;
CREATE TRIGGER board_visit_deleted AFTER DELETE ON records WHEN old.entity = 'visit' BEGIN
    DELETE FROM board_visits WHERE id = old.id;
END;
CREATE TRIGGER board_site_inserted AFTER INSERT ON records WHEN new.entity = 'site' BEGIN
    DELETE FROM board_sites WHERE id = new.id;
    INSERT INTO board_sites VALUES ({_SITE_COLUMNS});
END;
CREATE TRIGGER board_site_updated AFTER UPDATE OF data ON records WHEN new.entity = 'site'
BEGIN
    DELETE FROM board_sites WHERE id = new.id;
    INSERT INTO board_sites VALUES ({_SITE_COLUMNS});
END;
CREATE TRIGGER board_site_deleted AFTER DELETE ON records WHEN old.entity = 'site' BEGIN
    DELETE FROM board_sites WHERE id = old.id;
END;
INSERT INTO board_visits SELECT {_VISIT_COLUMNS.replace("new.", "")}
    FROM records WHERE entity = 'visit';
INSERT INTO board_sites SELECT {_SITE_COLUMNS.replace("new.", "")}
    FROM records WHERE entity = 'site';
"""

# Telemetry as one row per (series, day) with compact columns (``protocol.columns``):
# ``data`` is the deflated packed columns t, mean[, min, max] (min and max left out for raw
# readings, equal to mean); ``t_codec`` / ``value_codec`` say how they are packed.  The
# old one-row-per-series float64 table is converted by ``telemetry.migrate_series_rows``,
# then dropped.
V3_CREATE = """
CREATE TABLE telemetry_chunks (
    asset_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    bucket_seconds INTEGER NOT NULL,
    chunk_start INTEGER NOT NULL,
    points INTEGER NOT NULL,
    t_codec TEXT NOT NULL,
    value_codec TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (asset_id, metric, bucket_seconds, chunk_start)
) WITHOUT ROWID;
"""
V3_DROP = "DROP TABLE telemetry;"


def _v3(conn: sqlite3.Connection) -> None:
    from concierge.store import telemetry

    conn.execute(V3_CREATE)
    telemetry.migrate_series_rows(conn)
    conn.execute(V3_DROP)


# A visit's summary as a code with parameters (``schemas.CodedText`` JSON), beside its
# English text, so the board shows it in the reader's language.
_VISIT_COLUMNS_V4 = _VISIT_COLUMNS + ", new.data ->> '$.summary_code'"
V4 = f"""
ALTER TABLE board_visits ADD COLUMN summary_code TEXT;
DROP TRIGGER board_visit_inserted;
DROP TRIGGER board_visit_updated;
CREATE TRIGGER board_visit_inserted AFTER INSERT ON records WHEN new.entity = 'visit' BEGIN
    DELETE FROM board_visits WHERE id = new.id;
    INSERT INTO board_visits VALUES ({_VISIT_COLUMNS_V4});
END;
CREATE TRIGGER board_visit_updated AFTER UPDATE OF data ON records WHEN new.entity = 'visit'
BEGIN
    DELETE FROM board_visits WHERE id = new.id;
    INSERT INTO board_visits VALUES ({_VISIT_COLUMNS_V4});
END;
UPDATE board_visits SET summary_code = (
    SELECT data ->> '$.summary_code' FROM records r
    WHERE r.entity = 'visit' AND r.id = board_visits.id);
"""

# A step is a script, or a function run inside the migration's transaction.
Migration = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: tuple[Migration, ...] = (V1, V2, _v3, V4)
