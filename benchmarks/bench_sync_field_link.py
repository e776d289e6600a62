"""The demo technician's first sync over a field link, through a shaping proxy on loopback.

Links: "rural LTE" (1 Mbit/s down, 256 kbit/s up, 150 ms RTT, 1 % loss as
retransmission delay) and "good 4G" (10 Mbit/s, 40 ms RTT).  For each: time to a
usable board (the visits of the first two days with visits, each with its evidence),
time to a complete first sync, bytes down and up, and a no-change sync in round trips
and time.  Baselines from the same run: the same first sync's bytes as plain JSON
(``Accept-Encoding: identity``), and the time to move that many bytes raw through
the same proxy.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import targets
from bench_sync_initial import ChildOffice
from shaping_proxy import GOOD_4G, RURAL_LTE, Link, ShapingProxy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.auth import Account, MemoryTokenStore
from concierge.store import Store
from concierge.sync import SyncEngine
from concierge_office.demo_fleet import DEMO_PASSWORD, DEMO_TECHNICIANS

POLL = 0.05


class BoardWatch:
    """Snapshots of which visits and which assets' evidence the store holds, over time."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self.snapshots: list[tuple[float, set[str], set[str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, began: float) -> None:
        self._began = began
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(POLL):
            try:
                with sqlite3.connect(f"file:{self._path}?mode=ro", uri=True) as db:
                    visits = {r[0] for r in db.execute(
                        "SELECT id FROM records WHERE entity = 'visit'")}
                    fetched = {r[0] for r in db.execute("SELECT asset_id FROM telemetry_fetched")}
            except sqlite3.Error:
                continue  # not created yet
            self.snapshots.append((time.perf_counter() - self._began, visits, fetched))


def usable_board_visits(path: Path) -> tuple[set[str], set[str]]:
    """The visits of the first two days with visits, and the assets they need evidence for."""
    with sqlite3.connect(path) as db:
        visits = [json.loads(r[0]) for r in db.execute(
            "SELECT data FROM records WHERE entity = 'visit'")]
    starts = {v["id"]: datetime.fromisoformat(v["window_start"]) for v in visits}
    first = min(starts.values()).replace(hour=0, minute=0, second=0)
    near = {v["id"] for v in visits if starts[v["id"]] < first + timedelta(days=2)}
    assets = {a for v in visits if v["id"] in near for a in v["asset_ids"]}
    return near, assets


def first_sync(url: str, folder: Path, *, plain: bool = False) -> tuple[float, float]:
    """(seconds to a usable board, seconds to a complete first sync)."""
    path = folder / "concierge.sqlite3"
    with Store.open(path, folder / "att") as store:
        account = Account(store, MemoryTokenStore())
        account.sign_in(url, DEMO_TECHNICIANS[0], DEMO_PASSWORD)
        with account.client() as client:
            if plain:  # the baseline: what the same sync moves as plain JSON
                client._session.headers["Accept-Encoding"] = "identity"
                client.compact_telemetry = False
            watch = BoardWatch(path)
            began = time.perf_counter()
            watch.start(began)
            result = SyncEngine(store, client).run_once()
            total = time.perf_counter() - began
            watch.stop()
            assert result.ok, result.error
    near, assets = usable_board_visits(path)
    usable = next((t for t, v, a in watch.snapshots if near <= v and assets <= a), total)
    return usable, total


def no_change_sync(url: str, folder: Path) -> float:
    with Store.open(folder / "concierge.sqlite3", folder / "att") as store:
        account = Account(store, MemoryTokenStore())
        account.sign_in(url, DEMO_TECHNICIANS[0], DEMO_PASSWORD)
        with account.client() as client:
            began = time.perf_counter()
            result = SyncEngine(store, client).run_once()
            assert result.ok and result.pulled == 0, result
            return time.perf_counter() - began


def raw_transfer(proxy: ShapingProxy, size: int) -> float:
    """Seconds to move ``size`` bytes downstream through ``proxy`` from a bare TCP sender."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    payload = b"x" * size

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(16)
            conn.sendall(payload)

    sender = threading.Thread(target=serve, daemon=True)
    sender.start()
    raw = ShapingProxy(port, proxy.link)
    try:
        with socket.create_connection(("127.0.0.1", raw.port)) as sock:
            began = time.perf_counter()
            sock.sendall(b"go")
            received = 0
            while received < size and (chunk := sock.recv(65536)):
                received += len(chunk)
            return time.perf_counter() - began
    finally:
        raw.stop()
        listener.close()
        sender.join(10)


def measure(office_port: int, link: Link, root: Path, plain_bytes: int) -> None:
    proxy = ShapingProxy(office_port, link)
    try:
        folder = root / link.name.replace(" ", "-")
        usable, total = first_sync(proxy.url, folder)
        down, up = proxy.down.bytes, proxy.up.bytes
        proxy.reset_counts()
        quiet = no_change_sync(proxy.url, folder)
        trips = proxy.requests
        raw = raw_transfer(proxy, plain_bytes)
    finally:
        proxy.stop()
    print(f"{link.name}: usable board {usable:.1f} s, complete first sync {total:.1f} s, "
          f"{down / 1024:,.0f} KiB down, {up / 1024:,.0f} KiB up; no-change sync "
          f"{trips} requests, {quiet * 1000:.0f} ms")
    print(f"  baseline: {plain_bytes / 1024:,.0f} KiB of plain JSON, moved raw in {raw:.1f} s")
    if link is RURAL_LTE:
        targets.check(f"{link.name}: time to a usable board", usable, "s", at_most=10.0,
                      baseline=f"raw transfer of the plain JSON {raw:.1f} s")
        targets.check(f"{link.name}: complete first sync", total, "s", at_most=60.0,
                      baseline=f"raw transfer of the plain JSON {raw:.1f} s")
        targets.check(f"{link.name}: no-change sync round trips", trips, "requests",
                      at_most=2)
        targets.check("first sync bytes on the wire vs plain JSON", 100 * down / plain_bytes,
                      "%", at_most=25.0, baseline=f"plain JSON {plain_bytes / 1024:,.0f} KiB")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        office = ChildOffice(f"sqlite:///{root / 'office.sqlite'}", demo=True)
        try:
            port = int(office.url.rsplit(":", 1)[1])
            counter = ShapingProxy(port, Link("loopback", 1e12, 1e12, 0.0))
            try:
                first_sync(counter.url, root / "plain", plain=True)
                plain_bytes = counter.down.bytes
            finally:
                counter.stop()
            for link in (RURAL_LTE, GOOD_4G):
                measure(port, link, root, plain_bytes)
        finally:
            office.stop()
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
