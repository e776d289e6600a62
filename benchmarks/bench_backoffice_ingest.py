"""Ingestion throughput through the HTTP API vs raw SQLite executemany of the same rows.

python benchmarks/bench_backoffice_ingest.py
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from concierge.backoffice.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD, build_fleet
from concierge.backoffice.server import start_embedded
from concierge.domain import METRIC_CATALOGUE, AssetKind

BATCH = 20_000
BATCHES = 5
REPEATS = 5


def _metrics() -> list[tuple[str, str]]:
    """(asset, metric) of every demo asset's first metric."""
    fleet = build_fleet(7, time.time())
    return [
        (str(a["id"]), METRIC_CATALOGUE[AssetKind(str(a["kind"]))][0].key) for a in fleet.assets
    ]


def _batches(start: float) -> list[list[dict[str, object]]]:
    series = _metrics()
    return [
        [
            {
                "asset_id": series[i % len(series)][0],
                "metric": series[i % len(series)][1],
                "ts": datetime.fromtimestamp(start + (b * BATCH + i) * 0.5, UTC).isoformat(),
                "value": 4.0 + i % 7 / 10,
            }
            for i in range(BATCH)
        ]
        for b in range(BATCHES)
    ]


def _http_run(start: float) -> float:
    with start_embedded(live=False) as office:
        assert office.service.wait_ready()  # demo history and engine done: measure ingestion only
        http = requests.Session()
        token = http.post(
            f"{office.url}/v1/auth/login",
            json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD},
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        batches = _batches(start)
        began = time.perf_counter()
        for readings in batches:
            response = http.post(f"{office.url}/v1/telemetry", json={"readings": readings})
            assert response.status_code == 200 and not response.json()["rejected"], response.text[
                :300
            ]
        elapsed = time.perf_counter() - began
        http.close()
    return BATCH * BATCHES / elapsed


def _raw_run(start: float) -> float:
    rows = [
        (r["asset_id"], r["metric"], datetime.fromisoformat(str(r["ts"])).timestamp(), r["value"])
        for readings in _batches(start)
        for r in readings
    ]
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE telemetry (asset_id TEXT, metric TEXT, ts REAL, value REAL NOT NULL, "
            "PRIMARY KEY (asset_id, metric, ts)) WITHOUT ROWID"
        )
        began = time.perf_counter()
        for i in range(BATCHES):
            with conn:
                conn.executemany(
                    "INSERT OR IGNORE INTO telemetry VALUES (?, ?, ?, ?)",
                    rows[i * BATCH : (i + 1) * BATCH],
                )
        elapsed = time.perf_counter() - began
        conn.close()
    return BATCH * BATCHES / elapsed


def main() -> None:
    start = time.time() - 3 * 86_400
    http: list[float] = []
    raw: list[float] = []
    for _ in range(REPEATS):  # alternately: on a shared machine both then see the same load
        http.append(_http_run(start))
        raw.append(_raw_run(start))
    h, r = statistics.median(http), statistics.median(raw)
    print(f"ingestion, {BATCHES} x {BATCH} readings, median of {REPEATS}")
    print(f"  HTTP API (validate, JSON, rollup): {h:12,.0f} readings/s")
    print(f"  raw SQLite executemany (baseline): {r:12,.0f} readings/s")
    print(f"  ratio: {h / r:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
