"""Full pull for a technician with 5,000 visits: time and the server's peak RSS (VmHWM).

python benchmarks/bench_backoffice_pull.py

Baseline in the same run: the same records read straight out of the SQLite file and
encoded as JSON in this process (no HTTP, no paging, no authorisation).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import targets

from concierge_office.demo_fleet import DEMO_PASSWORD, seed_bulk

VISITS = 5_000
REPEATS = 3
TABLES = ("visits", "sites", "assets", "templates")


def _vm(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise KeyError(key)


def _raw_read(path: Path) -> float:
    began = time.perf_counter()
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        for table in TABLES:
            json.dumps([dict(row) for row in conn.execute(f"SELECT * FROM {table}")])
    return time.perf_counter() - began


def _full_pull(http: requests.Session, base: str) -> tuple[float, int]:
    began, cursor, count = time.perf_counter(), None, 0
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = http.get(f"{base}/v1/sync/changes", params=params, timeout=60).json()
        count += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return time.perf_counter() - began, count


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bulk.sqlite"
        seed_bulk(f"sqlite:///{path}", technician_login="bulk", visits=VISITS, assets=2_000,
                  telemetry_assets=0, telemetry_days=0, step_seconds=300)
        server = subprocess.Popen(
            [sys.executable, "-m", "concierge_office", "serve", "--db", f"sqlite:///{path}",
             "--port", "0", "--no-live", "--announce"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert server.stdout is not None and server.stdin is not None
        try:
            base = json.loads(server.stdout.readline())["url"]  # printed once it serves
            idle = _vm(server.pid, "VmRSS")
            http = requests.Session()
            token = http.post(f"{base}/v1/auth/login", timeout=30,
                              json={"username": "bulk", "password": DEMO_PASSWORD}
                              ).json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            pulls = [_full_pull(http, base) for _ in range(REPEATS)]
            http.close()
            peak = _vm(server.pid, "VmHWM")
        finally:
            server.stdin.close()  # the office stops when its standard input closes
            server.wait(timeout=60)
        raw = statistics.median(_raw_read(path) for _ in range(REPEATS))
    pull = statistics.median(seconds for seconds, _ in pulls)
    count = pulls[-1][1]
    print(f"full pull of {count:,} changes ({VISITS:,} visits + sites, assets, templates), "
          f"pages of 1000, median of {REPEATS}")
    print(f"  baseline, the same tables read from SQLite and JSON-encoded: {raw:.3f} s")
    print(f"  server RSS idle: {idle / 1024:.0f} MiB")
    print(f"  full pull over HTTP: {pull:.3f} s")
    targets.check("full pull, 5k visits, x the raw read", pull / raw, "x", at_most=6.0,
                  baseline=f"raw {raw:.3f} s, pull {pull:.3f} s")
    targets.check("office peak RSS growth during the pulls", (peak - idle) / 1024, "MiB",
                  at_most=150, baseline=f"idle {idle / 1024:.0f} MiB")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
