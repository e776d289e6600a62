"""Cold start of the embedded demo back office vs a bare uvicorn app, in the same run.

python benchmarks/bench_backoffice_start.py

Each start is a fresh process-free run on a new SQLite file (nothing cached).  Measured:
``start_embedded`` returning (serving, demo people/sites/assets stored), and the first
technician sync that returns the engine's visits (login + full pull; the office holds
data requests until the demo history and the engine's first run are done).
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time

import requests
import targets
import uvicorn
from fastapi import FastAPI

from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.server import start_embedded

REPEATS = 5


def _bare_uvicorn() -> float:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    began = time.perf_counter()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    while True:  # ready when it answers
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            continue
    elapsed = time.perf_counter() - began
    server.should_exit = True
    thread.join()
    sock.close()
    return elapsed


def _office() -> tuple[float, float]:
    began = time.perf_counter()
    office = start_embedded(live=False)
    started = time.perf_counter() - began
    try:
        http = requests.Session()
        token = http.post(
            f"{office.url}/v1/auth/login", json={"username": "ana", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        page = http.get(f"{office.url}/v1/sync/changes", params={"limit": 1000}).json()
        synced = time.perf_counter() - began
        assert any(c["entity"] == "visit" for c in page["changes"])
        http.close()
    finally:
        office.stop()
    return started, synced


def main() -> int:
    _bare_uvicorn()  # warm imports
    bare = [_bare_uvicorn() for _ in range(REPEATS)]
    runs = [_office() for _ in range(REPEATS)]
    print(f"cold start, median of {REPEATS}")
    print(f"  bare uvicorn app serving (baseline):    {statistics.median(bare):6.3f} s")
    print(
        f"  start_embedded(live=False) returns:     {statistics.median(r[0] for r in runs):6.3f} s"
    )
    print(
        f"  first sync with the engine's visits:    {statistics.median(r[1] for r in runs):6.3f} s"
    )
    # A technician who starts the demo waits for this before the board fills.
    targets.check("demo office start to first synced visits", statistics.median(r[1] for r in runs),
                  "s", at_most=3.0, baseline=f"bare uvicorn {statistics.median(bare):.3f} s")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
