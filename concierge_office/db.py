# SPDX-License-Identifier: Apache-2.0
"""Storage: SQLAlchemy Core tables and the database handle.

Timestamps are stored as epoch seconds (float, UTC).  SQLite is the default;
any SQLAlchemy URL works (e.g. ``postgresql+psycopg://user:pw@host/db``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    cast,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ColumnElement, Insert

from concierge.domain import VisitStatus
from concierge_office.checkpoint import BACKSTOP_PAGES, WalCheckpointer

# Constraint names as PostgreSQL gives them by default, so the names are the same on every
# backend and migrations can refer to them (databases made before migrations match too).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)

_Seq = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("region", String(64)),
    Column("skills", JSON, nullable=False),
    Column("password_hash", String(256), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # access | refresh
    Column("user_id", String(64), nullable=False, index=True),
    Column("expires_at", Float, nullable=False),
)

# Which login every token descends from (refresh rotation keeps the family).
token_families = Table(
    "token_families",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family", String(64), nullable=False, index=True),
    Column("expires_at", Float, nullable=False),
)

# Refresh tokens already rotated: a re-presentation within the grace is a lost reply,
# after it a reuse (the family is revoked).
refresh_rotations = Table(
    "refresh_rotations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("rotated_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Where a region's sites are: visits are planned in working hours of that local time.
regions = Table(
    "regions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("timezone", String(64), nullable=False),  # IANA name, e.g. Europe/Berlin
)

sites = Table(
    "sites",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("customer_name", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", String(400), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("region", String(64), nullable=False),
    Column("contact_name", String(200), nullable=False, default=""),
    Column("contact_phone", String(64), nullable=False, default=""),
    Column("contact_email", String(200), nullable=False, default=""),
    Column("access_notes", Text, nullable=False, default=""),
    Column("language", String(35), nullable=False, default="en", server_default="en"),
    Column("contract", JSON),  # schemas.Contract as JSON; None: the standard terms (#19.2)
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Float, nullable=False),
)

assets = Table(
    "assets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("model", String(200), nullable=False),
    Column("serial", String(200), nullable=False),
    Column("install_date", String(10), nullable=False),
    Column("service_limits", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Float, nullable=False),
)

# One row per (asset, metric): readings refer to it by a small integer key.
series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("asset_id", String(64), nullable=False),
    Column("metric", String(64), nullable=False),
    UniqueConstraint("asset_id", "metric", name="uq_series_asset_metric"),
)

# Clustered by series: a reading repeated for the same series and time is stored once.
# Keyed by series id rather than by (asset, metric) names: rows half as wide, and
# inserts ~40% cheaper.
telemetry = Table(
    "telemetry",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=False),
    Column("ts", Float, primary_key=True),
    Column("value", Float, nullable=False),
    sqlite_with_rowid=False,
)

telemetry_hourly = Table(
    "telemetry_hourly",
    metadata,
    Column("asset_id", String(64), primary_key=True),
    Column("metric", String(64), primary_key=True),
    Column("hour", BigInteger, primary_key=True),  # floor(ts / 3600)
    Column("min", Float, nullable=False),
    Column("max", Float, nullable=False),
    Column("sum", Float, nullable=False),
    Column("count", Integer, nullable=False),
    sqlite_with_rowid=False,
)

insights = Table(
    "insights",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key", String(400), nullable=False, unique=True),
    Column("asset_id", String(64), nullable=False, index=True),
    Column("site_id", String(64), nullable=False, index=True),
    Column("metric", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("predicted_impact_at", Float),
    Column("evidence", JSON, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("headline", String(400), nullable=False),
    Column("headline_code", JSON),  # schemas.CodedText; None before codes
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

visits = Table(
    "visits",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False, index=True),
    Column("asset_ids", JSON, nullable=False),
    Column("insight_ids", JSON, nullable=False),
    Column("window_start", Float, nullable=False),
    Column("window_end", Float, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("summary_code", JSON),  # schemas.CodedText; None before codes
    Column("office_notes", Text, nullable=False, default=""),
    Column("technician_notes", Text, nullable=False, default=""),
    Column("outcome", Text),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)


def new_visit_fields(now: float) -> dict[str, Any]:
    """The columns every new visit starts with: scheduled, no notes or outcome, version 1."""
    return {
        "status": VisitStatus.SCHEDULED.value,
        "office_notes": "",
        "technician_notes": "",
        "outcome": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


visit_assets = Table(
    "visit_assets",
    metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("asset_id", String(64), primary_key=True, index=True),
)

visit_insights = Table(
    "visit_insights",
    metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("insight_id", String(64), primary_key=True, index=True),
)

templates = Table(
    "templates",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("asset_kind", String(32), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("steps", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Float, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("visit_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("step", String(200), nullable=False),
    Column("data", JSON, nullable=False),
    Column("attachments", JSON, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("completed_at", Float),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Float, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)

attachment_owners = Table(
    "attachment_owners",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
)

ops = Table(
    "ops",
    metadata,
    Column("op_id", String(36), primary_key=True),
    Column("technician_id", String(64), nullable=False, index=True),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("result", JSON, nullable=False),
    Column("deliveries", Integer, nullable=False, default=1),
    Column("received_at", Float, nullable=False),
)

# The global change log: one row per change and audience, seq assigned by the database.
changes = Table(
    "changes",
    metadata,
    Column("seq", _Seq, primary_key=True, autoincrement=True),
    Column("technician_id", String(64)),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("op_id", String(36), index=True),
    Column("at", Float, nullable=False),
    sqlite_autoincrement=True,
)

# What each technician currently sees: the latest change per entity (incl. tombstones).
feed = Table(
    "feed",
    metadata,
    Column("technician_id", String(64), primary_key=True),
    Column("entity", String(16), primary_key=True),
    Column("entity_id", String(64), primary_key=True),
    Column("seq", _Seq, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_feed_technician_seq", "technician_id", "seq"),
)

# Why a visit left a technician's feed: the reason of the tombstone at ``seq`` (a code such
# as cancelled, reassigned, resolved_remotely, and the office's note), sent to their laptop.
withdrawals = Table(
    "withdrawals",
    metadata,
    Column("technician_id", String(64), primary_key=True),
    Column("visit_id", String(64), primary_key=True),
    Column("seq", _Seq, nullable=False),
    Column("code", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("at", Float, nullable=False),
)

# One-time tokens that let the first administrator be created over the network (hashed;
# valid until expires_at; used_at set when consumed).
setup_tokens = Table(
    "setup_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
)

# Scheduled jobs claimed per period by whichever worker gets there first (jobs.py).
job_runs = Table(
    "job_runs",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("period_start", Float, primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("lease_until", Float, nullable=False),
    Column("finished_at", Float),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def normalise_url(url: str) -> str:
    """postgresql:// means the psycopg 3 driver (SQLAlchemy's default would be psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def epoch(moment: datetime) -> float:
    return moment.timestamp()


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class Database:
    """Engine plus transaction helpers that behave the same on SQLite and PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = make_url(normalise_url(url))
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # In-process writers queue here rather than poll SQLite's lock (it sleeps between tries).
        self._writer = threading.Lock()
        self.checkpoints: WalCheckpointer | None = None  # file databases on SQLite
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": 30, "check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_connect)
            if self.url.database not in (None, "", ":memory:"):
                self.checkpoints = WalCheckpointer(self.engine, "concierge-office-checkpoint")
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)

    def create_schema(self) -> None:
        """Bring the schema to the code's revision (migrations, under a lock)."""
        from concierge_office.migrate import upgrade

        upgrade(self)

    def set_aside_telemetry_by_name(self, conn: Connection) -> bool:
        """Rename telemetry stored by (asset, metric) names (the layout before series keys)
        to ``telemetry_by_name``; True if there was such a table.  See ``move_telemetry_to_series``.
        """
        tables = inspect(conn)
        by_name = tables.has_table("telemetry") and "asset_id" in {
            c["name"] for c in tables.get_columns("telemetry")
        }
        if by_name:
            conn.exec_driver_sql("ALTER TABLE telemetry RENAME TO telemetry_by_name")
            if not self.is_sqlite:  # free the key's name for the new table
                conn.exec_driver_sql(
                    "ALTER TABLE telemetry_by_name "
                    "RENAME CONSTRAINT telemetry_pkey TO telemetry_by_name_pkey"
                )
        return by_name

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on SQLite).

        ``snapshot``: also one snapshot elsewhere (REPEATABLE READ on PostgreSQL), for
        reads whose several queries must agree with each other.
        """
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN")
            elif snapshot:
                conn.execution_options(isolation_level="REPEATABLE READ")  # in place
            try:
                yield conn
            finally:
                conn.rollback()

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[Connection]:
        """A write transaction; writers are serialised so change seqs commit in order.

        ``bulk``: a large initial load; on SQLite it runs with ``synchronous=OFF``
        (back to NORMAL once it has committed or rolled back) and ends with a checkpoint.
        """
        if not self._writer.acquire(timeout=_BUSY_SECONDS):
            raise TimeoutError("another write transaction of this process did not end")
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    if bulk:
                        conn.exec_driver_sql("PRAGMA synchronous=OFF")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7301)")
                try:
                    try:
                        yield conn
                    except BaseException:
                        conn.rollback()
                        raise
                    conn.commit()
                    if self.checkpoints is not None and not bulk:
                        self.checkpoints.committed()
                    if self.is_sqlite and bulk:
                        # Checkpoint and empty the WAL now, unsynced: else the next
                        # writer's commit pays for it (tens of ms after the demo history).
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    if self.is_sqlite and bulk:
                        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        finally:
            self._writer.release()

    def dispose(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.engine.dispose()

    def dialect_insert(self, table: Table) -> Any:
        """The dialect's INSERT, which supports ON CONFLICT clauses."""
        return (sqlite if self.is_sqlite else postgresql).insert(table)

    def upsert(self, table: Table, keys: list[str]) -> Any:
        """An INSERT that updates the non-key columns on a key clash."""
        stmt = self.dialect_insert(table)
        updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
        return stmt.on_conflict_do_update(index_elements=keys, set_=updates)

    def insert_ignore(self, table: Table) -> Insert:
        """An INSERT that does nothing on a key clash."""
        return self.dialect_insert(table).on_conflict_do_nothing()  # type: ignore[no-any-return]

    def insert_rows(self, conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> int:
        """Fast executemany of tuples in column order, skipping rows whose key exists.

        Returns the number of rows inserted as the driver reports it (-1 if unknown).
        """
        if not rows:
            return 0
        compiled = self.insert_ignore(table).compile(dialect=conn.dialect)
        names = [c.name for c in table.columns]
        if compiled.positional:
            assert list(compiled.positiontup or ()) == names
            result = conn.exec_driver_sql(compiled.string, list(rows))
        else:
            result = conn.exec_driver_sql(
                compiled.string, [dict(zip(names, r, strict=True)) for r in rows]
            )
        return result.rowcount

    def insert_flat(
        self, conn: Connection, table: Table, values: list[Any], *, skip_existing: bool = False
    ) -> int:
        """Insert rows given as one flat list of plain values, row after row in column order;
        ``skip_existing``: rows whose key exists are skipped.  Returns the rows inserted.

        On SQLite as multi-row VALUES statements of about a thousand rows: a fraction of
        an executemany's per-row overhead, and other threads get the GIL while each runs.
        On PostgreSQL with binary COPY (through a staging table to skip existing keys).
        """
        width = len(table.columns)
        if not self.is_sqlite:
            from concierge_office.pgcopy import copy_rows

            rows = zip(*(values[i::width] for i in range(width)), strict=True)
            return copy_rows(conn, table, rows, skip_existing=skip_existing)
        driver = conn.connection.dbapi_connection
        assert isinstance(driver, sqlite3.Connection)
        per = min(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), _VALUES_PER_INSERT)
        per -= per % width
        quote = conn.dialect.identifier_preparer
        names = ", ".join(quote.quote(c.name) for c in table.columns)
        head = f"INSERT INTO {quote.format_table(table)} ({names}) VALUES "
        tail = " ON CONFLICT DO NOTHING" if skip_existing else ""
        row = "(" + ", ".join(["?"] * width) + ")"
        statements: dict[int, str] = {}
        cursor = driver.cursor()
        inserted = 0
        try:
            for first in range(0, len(values), per):
                chunk = values[first : first + per]
                sql = statements.get(len(chunk))
                if sql is None:
                    sql = head + ", ".join([row] * (len(chunk) // width)) + tail
                    statements[len(chunk)] = sql
                cursor.execute(sql, chunk)
                inserted += cursor.rowcount
        finally:
            cursor.close()
        return inserted

    def run_many(
        self,
        conn: Connection,
        stmt: Any,
        names: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        *,
        flatten: bool = False,
    ) -> int:
        """Executemany of a statement with bind parameters ``names``, given tuples in that order.

        Straight to the driver, without SQLAlchemy's per-row parameter processing
        (plain values only).  ``flatten``: rows are ((asset, metric), *rest) pairs.
        """
        if not rows:
            return 0
        if flatten:
            rows = [(*head, *rest) for head, *rest in rows]
        compiled = stmt.compile(dialect=conn.dialect)
        if compiled.positional:
            order = [names.index(name) for name in compiled.positiontup or ()]
            if order != list(range(len(names))):
                rows = [tuple(r[i] for i in order) for r in rows]
            result = conn.exec_driver_sql(compiled.string, list(rows))
        else:
            result = conn.exec_driver_sql(
                compiled.string, [dict(zip(names, r, strict=True)) for r in rows]
            )
        return int(result.rowcount)

    def bucket(self, ts: ColumnElement[Any], seconds: int) -> ColumnElement[Any]:
        """Integer bucket number of ``ts`` (floor of ts / seconds)."""
        if self.is_sqlite:  # ts is positive, so truncation is floor
            return cast(ts / seconds, Integer)
        return cast(func.floor(ts / seconds), BigInteger)


_BUSY_SECONDS = 30.0
# Values per multi-row INSERT: SQLite is fastest per row with about a thousand rows.
_VALUES_PER_INSERT = 4000


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun explicitly
    cursor = dbapi_conn.cursor()
    # For a new database (no effect on an existing one): a fifth less CPU than the default
    # 4 KiB pages to load and roll up the demo history (B-tree upkeep per row).
    cursor.execute("PRAGMA page_size=8192")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")  # see checkpoint.py
    cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_SECONDS * 1000)}")
    cursor.close()


def move_telemetry_to_series(conn: Connection) -> None:
    """Move readings set aside by ``set_aside_telemetry_by_name`` into series keys."""
    conn.exec_driver_sql(
        "INSERT INTO series (asset_id, metric) "
        "SELECT DISTINCT asset_id, metric FROM telemetry_by_name ORDER BY asset_id, metric"
    )
    conn.exec_driver_sql(
        "INSERT INTO telemetry (series_id, ts, value) SELECT s.id, old.ts, old.value "
        "FROM telemetry_by_name AS old JOIN series AS s "
        "ON s.asset_id = old.asset_id AND s.metric = old.metric"
    )
    conn.exec_driver_sql("DROP TABLE telemetry_by_name")


def meta_get(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()
    return value


def meta_set(db: Database, conn: Connection, key: str, value: str) -> None:
    conn.execute(db.upsert(meta, ["key"]).values(key=key, value=value))
