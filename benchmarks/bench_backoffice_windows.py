"""Telemetry windows as the laptop fetches them: a technician's assets in requests of 25.

A bulk office of 2,000 assets and visits (the technician's visits reference 1,000 of them);
two resolutions per chunk (15-minute buckets over 14 days, raw over the last 24 h), like
``concierge.sync``; the first 100 assets have 14 days of 5-minute readings, the rest none.
"Per request" is the median request, i.e. one of mostly assets without data.

python benchmarks/bench_backoffice_windows.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
import targets

from concierge_office.demo_fleet import DEMO_PASSWORD, seed_bulk
from concierge_office.server import start_embedded

ASSETS = 2_000
PER_REQUEST = 25
RESOLUTIONS = ((900, 14 * 86_400.0), (0, 86_400.0))
REPEATS = 3


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bulk.sqlite'}"
        seed_bulk(
            url,
            technician_login="bulk",
            visits=ASSETS,
            assets=ASSETS,
            telemetry_assets=100,
            telemetry_days=14,
            step_seconds=300,
        )
        with start_embedded(url, demo=False, live=False) as office:
            assert office.service.wait_ready()
            http = requests.Session()
            pair = http.post(
                f"{office.url}/v1/auth/login", json={"username": "bulk", "password": DEMO_PASSWORD}
            ).json()
            http.headers["Authorization"] = f"Bearer {pair['access_token']}"
            cursor: str | None = None
            assets: list[str] = []
            while True:
                params: dict[str, object] = {
                    "limit": 1000,
                    **({"cursor": cursor} if cursor else {}),
                }
                page = http.get(f"{office.url}/v1/sync/changes", params=params).json()
                assets += [c["id"] for c in page["changes"] if c["entity"] == "asset"]
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            chunks = [assets[i : i + PER_REQUEST] for i in range(0, len(assets), PER_REQUEST)]
            now = time.time()
            totals, per_request, series, points = [], [], 0, 0
            for _ in range(REPEATS):
                began = time.perf_counter()
                series = points = 0
                for bucket, span in RESOLUTIONS:
                    for chunk in chunks:
                        one = time.perf_counter()
                        body = {
                            "asset_ids": chunk,
                            "start": _iso(now - span),
                            "end": _iso(now),
                            "bucket_seconds": bucket,
                        }
                        response = http.post(f"{office.url}/v1/telemetry/windows", json=body)
                        assert response.status_code == 200, response.text[:300]
                        data = response.json()["series"]
                        per_request.append(time.perf_counter() - one)
                        series += len(data)
                        points += sum(len(s["t"]) for s in data)
                totals.append(time.perf_counter() - began)
            http.close()
    print(
        f"telemetry windows for {len(assets):,} assets, {len(chunks)} chunks of {PER_REQUEST} "
        f"x {len(RESOLUTIONS)} resolutions ({series:,} series, {points:,} points)"
    )
    print(f"  whole phase: median {statistics.median(totals):.2f} s of {REPEATS}")
    print(f"  per request: median {statistics.median(per_request) * 1000:.1f} ms")
    # The office's side of a 1,000-asset technician's telemetry phase, on loopback.
    per_request_ms = statistics.median(per_request) * 1000
    targets.check("telemetry windows for 1,000 assets (whole phase)", statistics.median(totals),
                  "s", at_most=20.0, baseline=f"per request {per_request_ms:.1f} ms")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
