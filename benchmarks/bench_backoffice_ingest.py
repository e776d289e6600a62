"""Ingestion throughput through the HTTP API vs raw SQLite executemany of the same rows.

Both sides get their input ready before the clock starts: the baseline its row tuples
(series ids and timestamps already numbers, into the API's table layout), the API its
request bodies (JSON bytes, as a device sends them).  The API's figure with this client's
``json.dumps`` inside the timing is printed too.

python benchmarks/bench_backoffice_ingest.py
"""

from __future__ import annotations

import json
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


def _http_run(start: float) -> tuple[float, float]:
    """Readings/s with the bodies ready, and with their encoding counted in."""
    batches = _batches(start)
    encode_began = time.perf_counter()
    bodies = [  # as requests' ``json=`` encodes them
        json.dumps({"readings": readings}, allow_nan=False).encode() for readings in batches
    ]
    encoding = time.perf_counter() - encode_began
    with start_embedded(live=False) as office:
        assert office.service.wait_ready()  # demo history and engine done: measure ingestion only
        http = requests.Session()
        token = http.post(
            f"{office.url}/v1/auth/login",
            json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD},
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        http.headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        for body in bodies:
            response = http.post(f"{office.url}/v1/telemetry", data=body)
            accepted = response.status_code == 200 and not response.json()["rejected"]
            assert accepted, response.text[:300]
        elapsed = time.perf_counter() - began
        http.close()
    return BATCH * BATCHES / elapsed, BATCH * BATCHES / (elapsed + encoding)


def _raw_run(start: float) -> float:
    """The rows into the API's table layout (series id, time, value), ids mapped beforehand."""
    ids: dict[tuple[str, str], int] = {}
    rows = [
        (
            ids.setdefault((r["asset_id"], r["metric"]), len(ids) + 1),
            datetime.fromisoformat(str(r["ts"])).timestamp(),
            r["value"],
        )
        for readings in _batches(start)
        for r in readings
    ]
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE telemetry (series_id INTEGER, ts REAL, value REAL NOT NULL, "
            "PRIMARY KEY (series_id, ts)) WITHOUT ROWID"
        )
        began = time.perf_counter()
        for i in range(BATCHES):
            with conn:
                conn.executemany(
                    "INSERT OR IGNORE INTO telemetry VALUES (?, ?, ?)",
                    rows[i * BATCH : (i + 1) * BATCH],
                )
        elapsed = time.perf_counter() - began
        conn.close()
    return BATCH * BATCHES / elapsed


def main() -> None:
    start = time.time() - 3 * 86_400
    http: list[tuple[float, float]] = []
    raw: list[float] = []
    for _ in range(REPEATS):  # alternately: on a shared machine both then see the same load
        http.append(_http_run(start))
        raw.append(_raw_run(start))
    ready = statistics.median(h for h, _ in http)
    encoded = statistics.median(e for _, e in http)
    r = statistics.median(raw)
    print(f"ingestion, {BATCHES} x {BATCH} readings, median of {REPEATS}")
    print(f"  HTTP API (validate, parse, store, rollup): {ready:12,.0f} readings/s")
    print(f"  the same plus the client's json.dumps:     {encoded:12,.0f} readings/s")
    print(f"  raw SQLite executemany (baseline):         {r:12,.0f} readings/s")
    print(f"  ratio: {ready / r:.2f} (target >= 0.5); with the client's encoding {encoded / r:.2f}")


if __name__ == "__main__":
    main()
