"""Telemetry storage: readings keyed by series; databases of the earlier layout are moved."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import Column, Float, MetaData, String, Table, func, inspect, select

from concierge_office import db
from concierge_office.checkpoint import BACKSTOP_PAGES
from concierge_office.series import read_series, store_readings

HOUR = 3600.0
T0 = 1_750_000_000.0

# The telemetry table as back offices before series keys created it.
_by_name = Table(
    "telemetry",
    MetaData(),
    Column("asset_id", String(64), primary_key=True),
    Column("metric", String(64), primary_key=True),
    Column("ts", Float, primary_key=True),
    Column("value", Float, nullable=False),
    sqlite_with_rowid=False,
)


def test_telemetry_stored_by_name_is_moved_to_series_keys(empty_database: str) -> None:
    old = [
        ("asset-002", "latency", T0 + 60, 7.0),
        ("asset-001", "vibration", T0, 1.5),
        ("asset-001", "vibration", T0 + 60, 2.5),
        ("asset-001", "door_cycles", T0, 10.0),
    ]
    database = db.Database(empty_database)
    try:
        with database.engine.begin() as conn:
            _by_name.create(conn)
            conn.execute(
                _by_name.insert(),
                [dict(zip(("asset_id", "metric", "ts", "value"), r, strict=True)) for r in old],
            )
        database.create_schema()
        with database.read() as conn:
            assert not inspect(conn).has_table("telemetry_by_name")
            key = inspect(conn).get_pk_constraint("telemetry")
            assert key["constrained_columns"] == ["series_id", "ts"]
            if not database.is_sqlite:  # named as in a database created with series keys
                assert key["name"] == "telemetry_pkey"
            assert {c["name"] for c in inspect(conn).get_columns("telemetry")} == {
                "series_id",
                "ts",
                "value",
            }
            stored = read_series(
                database, conn, ["asset-001", "asset-002"], start=T0, end=T0 + HOUR, bucket=0
            )
        assert {key: (cols.t, cols.mean) for key, cols in stored.items()} == {
            ("asset-001", "door_cycles"): ([T0], [10.0]),
            ("asset-001", "vibration"): ([T0, T0 + 60], [1.5, 2.5]),
            ("asset-002", "latency"): ([T0 + 60], [7.0]),
        }
        # The moved readings keep their key: a repeat is stored once, a new one is added.
        with database.write() as conn:
            store_readings(
                database, conn, [("asset-001", "vibration", T0, 9.0), ("asset-003", "snr", T0, 3.0)]
            )
        with database.read() as conn:
            count = conn.execute(select(func.count()).select_from(db.telemetry)).scalar_one()
            series = conn.execute(select(func.count()).select_from(db.series)).scalar_one()
            again = read_series(database, conn, ["asset-001"], start=T0, end=T0, bucket=0)
        assert (count, series) == (5, 4)
        assert again[("asset-001", "vibration")].mean == [1.5]
        database.create_schema()  # a second start changes nothing
        with database.read() as conn:
            assert conn.execute(select(func.count()).select_from(db.telemetry)).scalar_one() == 5
    finally:
        database.dispose()


def test_series_keys_are_shared_by_every_batch(empty_database: str) -> None:
    database = db.Database(empty_database)
    try:
        database.create_schema()
        for batch in range(3):
            with database.write() as conn:
                store_readings(
                    database,
                    conn,
                    [
                        ("asset-009", "latency", T0 + batch * HOUR, float(batch)),
                        ("asset-001", "vibration", T0 + batch * HOUR, float(batch)),
                    ],
                )
        with database.read() as conn:
            keys = conn.execute(select(db.series.c.asset_id, db.series.c.metric)).all()
            hourly = read_series(
                database,
                conn,
                ["asset-001", "asset-009"],
                start=T0,
                end=T0 + 3 * HOUR,
                bucket=int(HOUR),
            )
        assert sorted(keys) == [("asset-001", "vibration"), ("asset-009", "latency")]
        assert hourly[("asset-009", "latency")].mean == [0.0, 1.0, 2.0]
        assert hourly[("asset-001", "vibration")].count == [1, 1, 1]
    finally:
        database.dispose()


def test_buckets_of_raw_readings_per_series_in_asset_and_metric_order(
    empty_database: str,
) -> None:
    """Buckets that are no whole hours aggregate the raw readings (grouped by series key):
    min, mean, max and count per bucket, the series keyed and ordered by asset and metric
    whatever order their keys were made in."""
    database = db.Database(empty_database)
    try:
        database.create_schema()
        readings = [(asset, metric, T0 + minute * 60.0, float(minute) + offset)
                    for asset, metric, offset in (("asset-009", "latency", 0.0),
                                                  ("asset-001", "vibration", 100.0),
                                                  ("asset-001", "door_cycles", 50.0))
                    for minute in range(25)]
        with database.write() as conn:
            store_readings(database, conn, readings)
        with database.read() as conn:
            got = read_series(database, conn, ["asset-009", "asset-001"], start=T0,
                              end=T0 + 24 * 60.0, bucket=600,
                              metrics={"latency", "vibration", "door_cycles"})
        assert list(got) == [("asset-001", "door_cycles"), ("asset-001", "vibration"),
                             ("asset-009", "latency")]
        for (_asset, metric), cols in got.items():
            offset = {"latency": 0.0, "vibration": 100.0, "door_cycles": 50.0}[metric]
            assert cols.t == [T0 - T0 % 600 + 600 * i for i in range(len(cols.t))]
            minutes = [[m for m in range(25) if T0 + m * 60.0 >= t and T0 + m * 60.0 < t + 600]
                       for t in cols.t]
            assert cols.count == [len(m) for m in minutes]
            assert cols.min == [offset + m[0] for m in minutes]
            assert cols.max == [offset + m[-1] for m in minutes]
            assert cols.mean == [offset + sum(m) / len(m) for m in minutes]
    finally:
        database.dispose()


def test_commits_are_checkpointed_off_the_writers_thread(tmp_path: Path) -> None:
    path = tmp_path / "bo.sqlite"
    database = db.Database(f"sqlite:///{path}")
    try:
        database.create_schema()
        checkpoints = database.checkpoints
        assert checkpoints is not None
        assert checkpoints.checkpointed.wait(timeout=30)  # after create_schema's commit
        checkpoints.checkpointed.clear()
        rows = [("asset-001", "vibration", T0 + i, float(i)) for i in range(5000)]
        with database.write() as conn:
            store_readings(database, conn, rows)
        assert checkpoints.checkpointed.wait(timeout=30)
        # The database file itself (the log ignored) holds the readings.
        main_file = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            stored = main_file.execute("SELECT count(*) FROM telemetry").fetchone()
        finally:
            main_file.close()
        assert stored == (5000,)
        with database.read() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == BACKSTOP_PAGES
    finally:
        database.dispose()
    assert not any(t.name == "concierge-office-checkpoint" for t in threading.enumerate())
