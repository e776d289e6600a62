"""Full pull for a technician with 5,000 visits: time and the server's peak RSS (VmHWM).

python benchmarks/bench_backoffice_pull.py
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from concierge_office.demo_fleet import DEMO_PASSWORD, seed_bulk

VISITS = 5_000
REPEATS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _vm(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise KeyError(key)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bulk.sqlite'}"
        began = time.perf_counter()
        seed_bulk(
            url,
            technician_login="bulk",
            visits=VISITS,
            assets=2_000,
            telemetry_assets=0,
            telemetry_days=0,
            step_seconds=300,
        )
        print(f"seeded {VISITS:,} visits in {time.perf_counter() - began:.1f} s")
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "office.cli",
                "--db",
                url,
                "--port",
                str(port),
                "--no-live",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:  # bounded wait for the subprocess to accept connections
                try:
                    requests.get(f"{base}/v1/health", timeout=1)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            idle = _vm(server.pid, "VmRSS")
            http = requests.Session()
            token = http.post(
                f"{base}/v1/auth/login", json={"username": "bulk", "password": DEMO_PASSWORD}
            ).json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            timings, count = [], 0
            for _ in range(REPEATS):
                began, cursor, count = time.perf_counter(), None, 0
                while True:
                    params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
                    page = http.get(f"{base}/v1/sync/changes", params=params).json()
                    count += len(page["changes"])
                    cursor = page["cursor"]
                    if not page["has_more"]:
                        break
                timings.append(time.perf_counter() - began)
            http.close()
            peak = _vm(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"full pull of {count:,} changes ({VISITS:,} visits + sites, assets, templates), "
        "pages of 1000"
    )
    print(f"  time: median {statistics.median(timings):.2f} s of {REPEATS}")
    print(f"  server RSS: idle {idle / 1024:.0f} MiB (baseline), peak VmHWM {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
