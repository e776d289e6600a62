"""Ingestion throughput through the HTTP API vs the raw insert of the same rows, on
SQLite (baseline: raw executemany) and on PostgreSQL (baseline: raw binary COPY).

Both sides get their input ready before the clock starts: the baselines their row tuples
(timestamps already floats), the API its request bodies (JSON bytes, as a device sends
them).  Two baselines: the rows as sent, (asset, metric, ts, value), and the stricter one,
the rows in the API's own table layout (series id, ts, value).  The API's figure with this
client's ``json.dumps`` inside the timing is printed too.  PostgreSQL is a private cluster
started for the run (tests/pgcluster.py), with fsync off on both sides.

python benchmarks/bench_backoffice_ingest.py
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
import targets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD, build_fleet
from concierge_office.server import start_embedded
from tests.officedb import POSTGRESQL, SQLITE, Backend, Template
from tests.pgcluster import PrivateCluster

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


def _http_run(start: float, template: Template) -> tuple[float, float]:
    """Readings/s with the bodies ready, and with their encoding counted in."""
    batches = _batches(start)
    encode_began = time.perf_counter()
    bodies = [  # as requests' ``json=`` encodes them
        json.dumps({"readings": readings}, allow_nan=False).encode() for readings in batches
    ]
    encoding = time.perf_counter() - encode_began
    url = template.copy()
    with start_embedded(url, live=False) as office:
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
    template.backend.drop(url)
    return BATCH * BATCHES / elapsed, BATCH * BATCHES / (elapsed + encoding)


def _rows(start: float, *, series_keys: bool) -> list[tuple[object, ...]]:
    ids: dict[tuple[str, str], int] = {}
    rows: list[tuple[object, ...]] = []
    for readings in _batches(start):
        for r in readings:
            key = (r["asset_id"], r["metric"])
            ts = datetime.fromisoformat(str(r["ts"])).timestamp()
            if series_keys:
                rows.append((ids.setdefault(key, len(ids) + 1), ts, r["value"]))
            else:
                rows.append((*key, ts, r["value"]))
    return rows


def _raw_sqlite(start: float, *, series_keys: bool) -> float:
    """The rows as sent, or in the API's layout (series ids mapped before the clock)."""
    rows = _rows(start, series_keys=series_keys)
    columns = "series_id INTEGER, ts REAL" if series_keys else "asset_id TEXT, metric TEXT, ts REAL"
    key_columns = "series_id, ts" if series_keys else "asset_id, metric, ts"
    marks = ", ".join("?" * len(rows[0]))
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            f"CREATE TABLE telemetry ({columns}, value REAL NOT NULL, "
            f"PRIMARY KEY ({key_columns})) WITHOUT ROWID"
        )
        began = time.perf_counter()
        for i in range(BATCHES):
            with conn:
                conn.executemany(
                    f"INSERT OR IGNORE INTO telemetry VALUES ({marks})",
                    rows[i * BATCH : (i + 1) * BATCH],
                )
        elapsed = time.perf_counter() - began
        conn.close()
    return BATCH * BATCHES / elapsed


def _raw_copy(start: float, cluster: PrivateCluster, *, series_keys: bool) -> float:
    """Binary COPY of the rows into a table of the same key, one transaction per batch."""
    rows = _rows(start, series_keys=series_keys)
    columns = (
        "series_id integer, ts float8" if series_keys else "asset_id text, metric text, ts float8"
    )
    key_columns = "series_id, ts" if series_keys else "asset_id, metric, ts"
    types = ["int4", "float8", "float8"] if series_keys else ["text", "text", "float8", "float8"]
    with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres") as conn:
        conn.execute("DROP TABLE IF EXISTS raw_telemetry")
        conn.execute(
            f"CREATE TABLE raw_telemetry ({columns}, value float8 NOT NULL, "  # type: ignore[arg-type]
            f"PRIMARY KEY ({key_columns}))"
        )
        conn.commit()
        began = time.perf_counter()
        for i in range(BATCHES):
            with conn.cursor() as cursor, cursor.copy(
                "COPY raw_telemetry FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(types)
                for row in rows[i * BATCH : (i + 1) * BATCH]:
                    copy.write_row(row)
            conn.commit()
        elapsed = time.perf_counter() - began
        conn.execute("DROP TABLE raw_telemetry")
        conn.commit()
    return BATCH * BATCHES / elapsed


def _report(
    backend: str, baseline: str, template: Template, raw: Callable[[float, bool], float]
) -> None:
    start = time.time() - 3 * 86_400
    http: list[tuple[float, float]] = []
    as_sent: list[float] = []
    by_series: list[float] = []
    for _ in range(REPEATS):  # alternately: on a shared machine all then see the same load
        http.append(_http_run(start, template))
        as_sent.append(raw(start, False))
        by_series.append(raw(start, True))
    ready = statistics.median(h for h, _ in http)
    encoded = statistics.median(e for _, e in http)
    names, keys = statistics.median(as_sent), statistics.median(by_series)
    print(f"{backend} ingestion, {BATCHES} x {BATCH} readings, median of {REPEATS}")
    print(f"  HTTP API (validate, parse, store, rollup):  {ready:12,.0f} readings/s")
    print(f"  the same plus the client's json.dumps:      {encoded:12,.0f} readings/s")
    print(f"  raw {baseline}, rows as sent (baseline): {names:12,.0f} readings/s")
    print(f"  raw {baseline}, API's layout (stricter): {keys:12,.0f} readings/s")
    print(
        f"  ratio: {ready / names:.2f} of raw {baseline} (target >= 0.5), {ready / keys:.2f} of "
        f"the stricter one; with the client's encoding {encoded / names:.2f} / {encoded / keys:.2f}"
    )
    targets.check(f"{backend} ingestion vs raw {baseline}", ready / names, "x", at_least=0.5,
                  baseline=f"raw {baseline} {names:,.0f} readings/s")


def _demo(url: str) -> None:
    start_embedded(url, live=False).stop()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = Backend(SQLITE, None, Path(tmp))
        _report("SQLite", "executemany", sqlite.template("demo", _demo),
                lambda start, keys: _raw_sqlite(start, series_keys=keys))
    cluster = PrivateCluster()
    try:
        postgres = Backend(POSTGRESQL, cluster, Path(cluster.root))
        _report("PostgreSQL", "COPY", postgres.template("demo", _demo),
                lambda start, keys: _raw_copy(start, cluster, series_keys=keys))
    finally:
        cluster.destroy()
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
