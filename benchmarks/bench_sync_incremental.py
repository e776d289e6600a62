"""No-change incremental sync on loopback: p50 beside one raw pull request (baseline)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
import targets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_sync_initial import ChildOffice
from concierge.auth import Account, MemoryTokenStore
from concierge.store import Store
from concierge.sync import SyncEngine
from concierge_office.demo_fleet import DEMO_PASSWORD, DEMO_TECHNICIANS

SYNCS = 100


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        office = ChildOffice(f"sqlite:///{root / 'office.sqlite'}", demo=True)
        try:
            with Store.open(root / "concierge.sqlite3", root / "att") as store:
                account = Account(store, MemoryTokenStore())
                account.sign_in(office.url, DEMO_TECHNICIANS[0], DEMO_PASSWORD)
                with account.client() as client:
                    engine = SyncEngine(store, client)
                    assert engine.run_once().ok
                    timings = []
                    for _ in range(SYNCS):
                        began = time.perf_counter()
                        result = engine.run_once()
                        timings.append(time.perf_counter() - began)
                        assert result.ok and result.pulled == 0
                cursor = store.status().cursor
                token = account.access_token()
            raw = []
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {token}"
                for _ in range(SYNCS):
                    began = time.perf_counter()
                    http.get(f"{office.url}/v1/sync/changes", params={"cursor": cursor},
                             timeout=10).raise_for_status()
                    raw.append(time.perf_counter() - began)
        finally:
            office.stop()
    p50 = statistics.median(timings) * 1000
    p95 = sorted(timings)[int(SYNCS * 0.95) - 1] * 1000
    raw_p50 = statistics.median(raw) * 1000
    print(f"no-change incremental sync, {SYNCS} runs: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"  baseline, one raw GET /v1/sync/changes: p50 {raw_p50:.1f} ms")
    targets.check("no-change sync on loopback (p50)", p50, "ms", at_most=30.0,
                  baseline=f"raw GET {raw_p50:.1f} ms")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
