"""Schema migrations: built by Alembic, adopted from the release before them, guarded by a lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, inspect, select, text

from concierge_office import db
from concierge_office.db import Database
from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.migrate import (
    FIRST_REVISION,
    MigrationError,
    head_revision,
    migration_lock,
    schema_differences,
    status,
    upgrade,
)
from concierge_office.server import start_embedded
from tests.office.conftest import Api
from tests.officedb import Template

DATA = Path(__file__).parent / "data"


def _differences(database: Database) -> list[Any]:
    with database.engine.connect() as conn:
        return schema_differences(conn)


def _rows(database: Database, columns: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every row of each table in ``columns``, as those columns (the older layout's)."""
    with database.read() as conn:
        return {
            name: sorted(repr(tuple(row)) for row in conn.execute(
                select(*(db.metadata.tables[name].c[c] for c in names))))
            for name, names in columns.items()
        }


def _columns(database: Database) -> dict[str, list[str]]:
    """The columns of the code's tables as ``database`` has them (the old release's)."""
    found = inspect(database.engine)
    return {name: [c["name"] for c in found.get_columns(name)]
            for name in db.metadata.tables if found.has_table(name)}


def _previous_release_schema(database: Database) -> None:
    ddl = (DATA / f"schema-0.1.0-{database.engine.dialect.name}.sql").read_text()
    sql = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    with database.engine.begin() as conn:
        for statement in sql.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)


def test_an_empty_database_is_built_by_the_migrations_and_matches_the_code(
    empty_database: str,
) -> None:
    database = Database(empty_database)
    try:
        reached = upgrade(database)
        assert reached.at_head and reached.current == (head_revision(),)
        assert _differences(database) == []  # what `alembic check` checks
        assert upgrade(database) == reached  # a second run changes nothing
    finally:
        database.dispose()


def test_a_database_of_the_previous_release_keeps_all_its_data(
    demo_database: Template, empty_database: str
) -> None:
    """The demo's data, in a database laid out by release 0.1.0 (before migrations)."""
    source_url = demo_database.copy()
    source = Database(source_url)
    old = Database(empty_database)
    try:
        _previous_release_schema(old)
        columns = _columns(old)
        before = _rows(source, columns)
        assert before["telemetry"] and before["visits"] and before["users"]
        with old.engine.begin() as conn:
            for name, names in columns.items():
                if before[name]:
                    table = Table(name, MetaData(), autoload_with=conn)  # the old layout
                    conn.execute(table.insert(), [
                        {c: r._mapping[c] for c in names} for r in _as_rows(source, name)])
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('changes', 'seq'), max(seq)) FROM changes"
                )
        assert not inspect(old.engine).has_table("alembic_version")
        old.dispose()
        with start_embedded(empty_database, live=False) as office:  # migrates at start
            ana = Api(office.url, "ana", DEMO_PASSWORD)
            try:
                changes, _ = ana.pull_all()
            finally:
                ana.close()
            assert any(c["entity"] == "visit" for c in changes)
        after = Database(empty_database)
        try:
            now = _rows(after, columns)
            lost = {name: set(rows) - set(now[name]) for name, rows in before.items()}
            assert not any(lost.values()), lost  # the sign-in above only added tokens
            with after.read() as conn:
                assert status(conn).at_head
            assert _differences(after) == []
        finally:
            after.dispose()
    finally:
        source.dispose()
        old.dispose()
        demo_database.backend.drop(source_url)


def _as_rows(database: Database, name: str) -> list[Any]:
    with database.read() as conn:
        return list(conn.execute(select(db.metadata.tables[name])))


def test_an_unversioned_database_that_differs_is_refused_and_left_alone(
    empty_database: str,
) -> None:
    database = Database(empty_database)
    try:
        _previous_release_schema(database)
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE sites ADD COLUMN surprise INTEGER")
        with pytest.raises(MigrationError, match="does not match the first revision"):
            upgrade(database)
        assert not inspect(database.engine).has_table("alembic_version")
        assert "surprise" in {c["name"] for c in inspect(database.engine).get_columns("sites")}
    finally:
        database.dispose()


def test_a_database_newer_than_the_code_is_refused(empty_database: str) -> None:
    database = Database(empty_database)
    try:
        upgrade(database)
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(MigrationError, match=r"revision 9999_future, newer than this release"):
            upgrade(database)
        with pytest.raises(MigrationError, match="newer than this release"):
            start_embedded(empty_database, live=False)
    finally:
        database.dispose()


def test_a_second_migrator_waits_for_the_lock_then_fails_clearly(empty_database: str) -> None:
    holder, waiter = Database(empty_database), Database(empty_database)
    try:
        with migration_lock(holder, timeout=5):
            began = time.monotonic()
            with pytest.raises(MigrationError, match="Another migration of this database"):
                upgrade(waiter, lock_timeout=0.5)
            assert time.monotonic() - began >= 0.5
            with waiter.engine.connect() as conn:
                assert status(conn).current == ()  # it changed nothing
        # Once the lock is free, a waiting migrator goes ahead.
        done: list[Any] = []
        with migration_lock(holder, timeout=5):
            thread = threading.Thread(target=lambda: done.append(upgrade(waiter, lock_timeout=30)))
            thread.start()
        thread.join(timeout=60)
        assert done and done[0].at_head
    finally:
        holder.dispose()
        waiter.dispose()


def test_the_first_revision_is_the_adoption_point() -> None:
    assert FIRST_REVISION == "0001" and head_revision() >= FIRST_REVISION
