"""Downsampled read of 30 days of 1-minute data for one metric, on SQLite and PostgreSQL,
in an office of 1,000+ assets (target p50 <= 50 ms).  Baseline: the raw GROUP BY on the
readings in the same database.  PostgreSQL is a private cluster started for the run.

python benchmarks/bench_backoffice_query.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import targets
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge_office.bulk import seed_bulk
from concierge_office.db import Database
from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD
from concierge_office.server import start_embedded
from tests.officedb import POSTGRESQL, SQLITE, Backend
from tests.pgcluster import PrivateCluster

QUERIES = 30
ASSETS = 1000
END = datetime(2025, 3, 31, tzinfo=UTC)
START = END - timedelta(days=30)
MINUTES = 30 * 24 * 60


def _login(url: str) -> requests.Session:
    http = requests.Session()
    token = http.post(
        f"{url}/v1/auth/login", json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _load(office_url: str) -> None:
    with _login(office_url) as http:
        for chunk in range(0, MINUTES, 40_000):
            readings = [
                {
                    "asset_id": "asset-005",
                    "metric": "latency",
                    "ts": (START + timedelta(minutes=i)).isoformat(),
                    "value": 10.0 + i % 13,
                }
                for i in range(chunk, min(MINUTES, chunk + 40_000))
            ]
            reply = http.post(f"{office_url}/v1/telemetry", json={"readings": readings})
            assert reply.status_code == 200, reply.text[:300]


def _raw(database_url: str, bucket: str) -> list[float]:
    database = Database(database_url)
    query = text(
        f"SELECT {bucket} AS b, min(value), avg(value), max(value), count(*) "
        "FROM telemetry WHERE series_id = (SELECT id FROM series "
        "WHERE asset_id='asset-005' AND metric='latency') "
        "AND ts >= :start AND ts < :end GROUP BY b ORDER BY b"
    )
    timings = []
    try:
        with database.engine.connect() as conn:
            for _ in range(QUERIES):
                began = time.perf_counter()
                conn.execute(query, {"start": START.timestamp(), "end": END.timestamp()}).all()
                timings.append(time.perf_counter() - began)
    finally:
        database.dispose()
    return timings


def _measure(name: str, backend: Backend) -> None:
    url = backend.empty("query")
    start_embedded(url, live=False).stop()
    seed_bulk(url, technician_login="dora", visits=200, assets=ASSETS, telemetry_assets=0,
              telemetry_days=0, step_seconds=3600)
    with start_embedded(url, live=False) as office:
        assert office.service.wait_ready()
        _load(office.url)
        params = {"metric": "latency", "start": START.isoformat(), "end": END.isoformat()}
        timings, buckets = [], 0
        with _login(office.url) as http:
            for _ in range(QUERIES):
                began = time.perf_counter()
                series = http.get(f"{office.url}/v1/telemetry/asset-005", params=params).json()
                timings.append(time.perf_counter() - began)
                buckets = len(series["t"])
        stats = office.service.db
        with stats.read() as conn:
            assets = conn.exec_driver_sql("SELECT count(*) FROM assets").scalar_one()
    bucket = "CAST(ts / 3600 AS INTEGER)" if backend.is_sqlite else "floor(ts / 3600)"
    raw = _raw(url, bucket)
    backend.drop(url)
    print(f"{name}: downsampled query, 30 days of 1-minute data ({MINUTES:,} readings), "
          f"{assets:,} assets, {QUERIES} queries")
    print(
        f"  HTTP API: p50 {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {sorted(timings)[int(QUERIES * 0.95) - 1] * 1000:.1f} ms, {buckets} buckets "
        "(target p50 <= 50 ms)"
    )
    print(f"  baseline, raw GROUP BY on the readings: p50 {statistics.median(raw) * 1000:.1f} ms")
    targets.check(f"{name}: 30-day downsampled query p50", statistics.median(timings) * 1000,
                  "ms", at_most=50, baseline=f"raw GROUP BY {statistics.median(raw) * 1000:.1f} ms")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        _measure("SQLite", Backend(SQLITE, None, Path(tmp)))
    cluster = PrivateCluster()
    try:
        _measure("PostgreSQL", Backend(POSTGRESQL, cluster, cluster.root))
    finally:
        cluster.destroy()
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
