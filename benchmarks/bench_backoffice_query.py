"""Downsampled read of 30 days of 1-minute data for one metric (target p50 < 50 ms).

python benchmarks/bench_backoffice_query.py
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta

import requests

from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD
from concierge_office.server import start_embedded

QUERIES = 30


def main() -> None:
    end = datetime(2025, 3, 31, tzinfo=UTC)
    start = end - timedelta(days=30)
    with start_embedded(live=False) as office:
        assert office.service.wait_ready()
        http = requests.Session()
        token = http.post(
            f"{office.url}/v1/auth/login",
            json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD},
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        minutes = 30 * 24 * 60
        for chunk in range(0, minutes, 40_000):
            readings = [
                {
                    "asset_id": "asset-005",
                    "metric": "latency",
                    "ts": (start + timedelta(minutes=i)).isoformat(),
                    "value": 10.0 + i % 13,
                }
                for i in range(chunk, min(minutes, chunk + 40_000))
            ]
            assert (
                http.post(f"{office.url}/v1/telemetry", json={"readings": readings}).status_code
                == 200
            )
        params = {"metric": "latency", "start": start.isoformat(), "end": end.isoformat()}
        timings, buckets = [], 0
        for _ in range(QUERIES):
            began = time.perf_counter()
            series = http.get(f"{office.url}/v1/telemetry/asset-005", params=params).json()
            timings.append(time.perf_counter() - began)
            buckets = len(series["t"])
        http.close()
        path = office.database_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path)
        raw = []
        for _ in range(QUERIES):
            began = time.perf_counter()
            conn.execute(
                "SELECT CAST(ts / 3600 AS INTEGER) b, min(value), avg(value), max(value), "
                "count(*) FROM telemetry WHERE series_id = (SELECT id FROM series "
                "WHERE asset_id='asset-005' AND metric='latency') "
                "AND ts >= ? AND ts < ? GROUP BY b ORDER BY b",
                (start.timestamp(), end.timestamp()),
            ).fetchall()
            raw.append(time.perf_counter() - began)
        conn.close()
    print(f"downsampled query, 30 days of 1-minute data ({minutes:,} readings), {QUERIES} queries")
    print(
        f"  HTTP API: p50 {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {sorted(timings)[int(QUERIES * 0.95) - 1] * 1000:.1f} ms, {buckets} buckets "
        "(target p50 < 50 ms)"
    )
    raw_ms = statistics.median(raw) * 1000
    print(f"  baseline, raw SQLite GROUP BY on the readings: p50 {raw_ms:.1f} ms")


if __name__ == "__main__":
    main()
