# SPDX-License-Identifier: Apache-2.0
"""Schema migrations (Alembic, shipped in ``concierge_office/migrations``), run under a lock.

``upgrade`` brings a database to the code's schema: an empty one is built by the
migrations, one made before migrations existed is adopted (stamped) only if it matches
the first revision exactly, and one newer than the code is refused.  Concurrent migrators
(several hosts or workers) are serialised: a PostgreSQL session advisory lock on a
dedicated connection, an OS file lock beside a SQLite file; a migrator that cannot get it
within ``lock_timeout`` fails with a clear message.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, MetaData, Table, UniqueConstraint, inspect

from concierge_office import db

if TYPE_CHECKING:
    from concierge_office.db import Database

FIRST_REVISION = "0001"
# Tables later revisions add: a database made before migrations has none of them.
# Modules that define tables on db.metadata besides db itself: imported here so that the
# migrations and every schema check see the whole schema.
SCHEMA_MODULES = tuple(importlib.import_module(name) for name in (
    "concierge_office.devices.tables",
    "concierge_office.guard_tables",
    "concierge_office.serve",
    "concierge_office.foresight",
    "concierge_office.field_help",
))

# What later revisions added: an unversioned database is compared with the first
# revision's schema, i.e. the code's tables without these.
_TABLES_AFTER_FIRST = frozenset({
    "setup_tokens", "job_runs",  # 0002
    "mqtt_messages", "remote_decisions", "device_commands", "telemetry_gaps",  # 0004
    "op_digests", "login_failures", "refresh_successors", "token_uses",  # 0005
    "serve_tasks", "goodwill_requests", "held_checks",  # 0006
    "anomaly_states",  # 0007
    "withdrawals",  # 0008
    "help_requests",  # 0009
})
_COLUMNS_AFTER_FIRST = {
    "sites": ("language", "contract"),  # 0003, 0009
    "insights": ("headline_code",), "visits": ("summary_code",),  # 0010
}
_LOCK_KEY = 7302  # pg_advisory_lock key of the migrator (7301 serialises writers)
_POLL_SECONDS = 0.2


class MigrationError(RuntimeError):
    """The schema cannot be brought to the code's revision; the message says why and what to do."""


@dataclass(frozen=True)
class SchemaStatus:
    current: tuple[str, ...]  # the database's revisions (empty: not versioned)
    head: str  # the code's revision

    @property
    def at_head(self) -> bool:
        return self.current == (self.head,)


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "concierge_office:migrations")
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def status(conn: Connection) -> SchemaStatus:
    """The database's revision against the code's; refuses a revision the code does not know."""
    current = tuple(MigrationContext.configure(conn).get_current_heads())
    scripts = ScriptDirectory.from_config(_config())
    for revision in current:
        try:
            known = scripts.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise MigrationError(
                f"The database is at schema revision {revision}, newer than this release "
                f"(which knows up to {head_revision()}). Install the release that made it, "
                "or restore a backup taken before the upgrade."
            )
    return SchemaStatus(current, head_revision())


def upgrade(database: Database, *, lock_timeout: float = 60.0) -> SchemaStatus:
    """Bring the database to the code's revision (see the module docstring)."""
    with migration_lock(database, lock_timeout), database.engine.connect() as conn:
        if database.is_sqlite:  # its driver runs without implicit transactions here
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            if not status(conn).current and _has_tables(conn):
                _adopt_unversioned(database, conn)
            if not status(conn).at_head:
                command.upgrade(_config(conn), "head")
            reached = status(conn)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        if database.checkpoints is not None:
            database.checkpoints.committed()
        return reached


def _has_tables(conn: Connection) -> bool:
    return bool(set(inspect(conn).get_table_names()) & set(db.metadata.tables))


def _adopt_unversioned(database: Database, conn: Connection) -> None:
    """A database made before migrations: old telemetry layout moved, missing tables added,
    then stamped at the first revision if it matches it exactly (else refused)."""
    first = _first_revision_tables()
    by_name = database.set_aside_telemetry_by_name(conn)
    first.create_all(conn)
    if by_name:
        db.move_telemetry_to_series(conn)
    differences = schema_differences(conn, first)
    if differences:
        listed = "; ".join(str(d) for d in differences[:5])
        raise MigrationError(
            "The database has tables but no schema revision, and it does not match the first "
            f"revision ({len(differences)} differences: {listed}). Restore it into a fresh "
            "database or fix it by hand; it was left unchanged."
        )
    command.stamp(_config(conn), FIRST_REVISION)


def _first_revision_tables() -> MetaData:
    first = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        if table.name not in _TABLES_AFTER_FIRST:
            copy = table.to_metadata(first)
            for name in _COLUMNS_AFTER_FIRST.get(table.name, ()):
                copy._columns.remove(copy.c[name])
    return first


def schema_differences(conn: Connection, tables: MetaData = db.metadata) -> list[Any]:
    """What ``alembic check`` would find between the database and the code's tables."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(context, tables) if not _unnamed_twin(conn, d)]


def _unnamed_twin(conn: Connection, difference: Any) -> bool:
    """Whether a "missing" unique constraint is there unnamed (as SQLite keeps those made
    before the naming convention): the same columns, so the schema matches."""
    if not (isinstance(difference, tuple) and difference[0] == "add_constraint"):
        return False
    constraint = difference[1]
    if not isinstance(constraint, UniqueConstraint) or not isinstance(constraint.table, Table):
        return False
    columns = [c.name for c in constraint.columns]
    found = inspect(conn).get_unique_constraints(constraint.table.name)
    return any(not uq["name"] and uq["column_names"] == columns for uq in found)


@contextmanager
def migration_lock(database: Database, timeout: float) -> Iterator[None]:
    """Exclusive across processes and hosts sharing the database; waits up to ``timeout``."""
    if database.is_sqlite:
        with _file_lock(database, timeout):
            yield
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        deadline = time.monotonic() + timeout
        while not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_LOCK_KEY})").scalar():
            if time.monotonic() > deadline:
                raise MigrationError(_busy(timeout))
            time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_KEY})")


@contextmanager
def _file_lock(database: Database, timeout: float) -> Iterator[None]:
    name = database.url.database
    if name in (None, "", ":memory:"):
        yield  # a private in-memory database has no other migrator
        return
    path = Path(f"{name}.migrate.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise MigrationError(_busy(timeout)) from None
                time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _busy(timeout: float) -> str:
    return (
        f"Another migration of this database has held the migration lock for over {timeout:.0f} s. "
        "Wait for it to finish (or stop the process running it), then start again."
    )
