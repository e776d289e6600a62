"""Initial sync of a large technician dataset from a loopback back office.

20,000 visits, 2,000 assets, 7 days of 5-minute telemetry for 200 assets.  Prints
records/s beside raw SQLite executemany of the same rows (the baseline), the time
to the board being complete (push + pull), the whole first sync, the telemetry storing
rate beside raw executemany of the same points (one row per point) into the same SQLite
file, the store's size per million telemetry points beside the old layout (one row per
series, float64 arrays: written by a baseline writer from the same points) and the
client's peak RSS growth.
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import targets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.auth import Account, MemoryTokenStore
from concierge.store import Store, telemetry
from concierge.sync import SyncEngine, SyncOptions
from concierge_office.demo_fleet import DEMO_PASSWORD, seed_bulk

VISITS, ASSETS, TELEMETRY_ASSETS, DAYS, STEP = 20_000, 2_000, 200, 7, 300
REPEATS = 3

_SERVE = (
    "import sys; from concierge_office.server import start_embedded; "
    "o = start_embedded(sys.argv[1], demo=sys.argv[2] == '1', live=False); "
    "print(o.url, flush=True); sys.stdin.read(); o.stop()"
)


class ChildOffice:
    def __init__(self, database_url: str, *, demo: bool) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, database_url, "1" if demo else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), "back office did not start"

    def stop(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=60)


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak_rss() -> float:
    """Reset the peak-RSS mark (Linux); returns the current RSS in MiB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mib("VmRSS")


class _StoreTimer:
    """Wraps ``Replication.store_telemetry``: seconds spent in it and points stored."""

    def __init__(self, store: Store) -> None:
        self.seconds, self.points = 0.0, 0
        self._inner = store.replication.store_telemetry
        store.replication.store_telemetry = self  # type: ignore[method-assign]

    def __call__(self, bucket: int, **kwargs: Any) -> None:
        began = time.perf_counter()
        self._inner(bucket, **kwargs)
        self.seconds += time.perf_counter() - began
        self.points += sum(len(s.t) for s in kwargs["series"])


def _one_sync(url: str, folder: Path) -> tuple[float, float, int, int, float]:
    """(seconds to pulled, seconds in all, records, telemetry points, storing points/s)."""
    with Store.open(folder / "concierge.sqlite3", folder / "att") as store:
        account = Account(store, MemoryTokenStore())
        account.sign_in(url, "bulk", DEMO_PASSWORD)
        timer = _StoreTimer(store)
        with account.client() as client:
            engine = SyncEngine(store, client, SyncOptions(page_size=1000))
            # The board is complete when the last page of records is stored (a first sync
            # pulls today's work first, then fetches its telemetry, then the rest).
            stored_pages: list[float] = []
            apply_page = store.replication.apply_page

            def timed_apply_page(*args: Any, **kwargs: Any) -> Any:
                outcome = apply_page(*args, **kwargs)
                stored_pages.append(time.perf_counter())
                return outcome

            store.replication.apply_page = timed_apply_page  # type: ignore[method-assign]
            began = time.perf_counter()
            result = engine.run_once()
            total = time.perf_counter() - began
            assert result.ok, result.error
            pulled = stored_pages[-1] - began
        with sqlite3.connect(folder / "concierge.sqlite3") as db:
            records = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            points = db.execute("SELECT SUM(points) FROM telemetry_chunks").fetchone()[0] or 0
        return pulled, total, records, points, timer.points / timer.seconds


def _raw_points_rate(path: Path) -> float:
    """Points/s of raw executemany, one row per point, into a table of the same file."""
    with sqlite3.connect(path) as db:
        chunks = db.execute("SELECT asset_id, metric, bucket_seconds FROM telemetry_chunks "
                            "GROUP BY asset_id, metric, bucket_seconds").fetchall()
        windows = [(a, m, b, telemetry.read(db, a, m, b)) for a, m, b in chunks]
    rows = [(a, m, b, t, mean, low, high) for a, m, b, w in windows
            for t, mean, low, high in zip(w.t.tolist(), w.mean.tolist(), w.min.tolist(),
                                          w.max.tolist(), strict=True)]
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("DROP TABLE IF EXISTS raw_points")
        db.execute("CREATE TABLE raw_points (asset_id TEXT, metric TEXT, bucket INTEGER, "
                   "t REAL, mean REAL, min REAL, max REAL, "
                   "PRIMARY KEY (asset_id, metric, bucket, t))")
        began = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO raw_points VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        elapsed = time.perf_counter() - began
        db.execute("DROP TABLE raw_points")
    finally:
        db.close()
    return len(rows) / elapsed


_OLD_LAYOUT = """CREATE TABLE telemetry (asset_id TEXT NOT NULL, metric TEXT NOT NULL,
    bucket_seconds INTEGER NOT NULL, t BLOB NOT NULL, mean BLOB NOT NULL, min BLOB NOT NULL,
    max BLOB NOT NULL, PRIMARY KEY (asset_id, metric, bucket_seconds))"""


def _bytes_per_million_points(source: Path, tmp: Path) -> tuple[float, float]:
    """(this store's telemetry, the old one-row-per-series float64 layout), in MB per
    million points: each written alone into a fresh SQLite file, same points."""
    with sqlite3.connect(source) as db:
        chunks = db.execute("SELECT * FROM telemetry_chunks").fetchall()
        columns = ", ".join(r[1] for r in db.execute("PRAGMA table_info(telemetry_chunks)"))
        schema = db.execute("SELECT sql FROM sqlite_master WHERE name = 'telemetry_chunks'"
                            ).fetchone()[0]
        series = db.execute("SELECT asset_id, metric, bucket_seconds FROM telemetry_chunks "
                            "GROUP BY asset_id, metric, bucket_seconds").fetchall()
        windows = [(a, m, b, telemetry.read(db, a, m, b)) for a, m, b in series]
    points = sum(len(w) for *_, w in windows)
    sizes = []
    for name, create, insert, rows in (
        ("new", schema, f"INSERT INTO telemetry_chunks ({columns}) VALUES "
                        f"({', '.join('?' * len(chunks[0]))})", chunks),
        ("old", _OLD_LAYOUT, "INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?, ?)",
         [(a, m, b, *(getattr(w, c).astype("<f8").tobytes() for c in ("t", "mean", "min", "max")))
          for a, m, b, w in windows]),
    ):
        path = tmp / f"{name}.sqlite3"
        with sqlite3.connect(path) as db:
            db.execute(create)
            db.executemany(insert, rows)
        with sqlite3.connect(path) as db:
            db.execute("VACUUM")
        sizes.append(path.stat().st_size / points)  # bytes per point = MB per million
    return sizes[0], sizes[1]


def _baseline(source: Path) -> float:
    """Seconds for raw executemany of the same record rows into a fresh table."""
    with sqlite3.connect(source) as db:
        rows = db.execute("SELECT entity, id, version, data FROM records").fetchall()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "raw.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE records (entity TEXT, id TEXT, version INTEGER, data TEXT, "
                   "PRIMARY KEY (entity, id))")
        began = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        elapsed = time.perf_counter() - began
        db.close()
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'office.sqlite'}"
        print(f"seeding {VISITS:,} visits, {ASSETS:,} assets, {DAYS} days of {STEP // 60}-minute "
              f"telemetry for {TELEMETRY_ASSETS} assets …", flush=True)
        seed_bulk(url, technician_login="bulk", visits=VISITS, assets=ASSETS,
                  telemetry_assets=TELEMETRY_ASSETS, telemetry_days=DAYS, step_seconds=STEP)
        office = ChildOffice(url, demo=False)
        try:
            rss_before = _reset_peak_rss()
            runs = [_one_sync(office.url, root / f"laptop{n}") for n in range(REPEATS)]
            rss_growth = _status_mib("VmHWM") - rss_before
        finally:
            office.stop()
        laptop = root / "laptop0" / "concierge.sqlite3"
        baseline = statistics.median(_baseline(laptop) for _ in range(REPEATS))
        raw_rate = statistics.median(_raw_points_rate(laptop) for _ in range(REPEATS))
        new_size, old_size = _bytes_per_million_points(laptop, root)
    pulled = statistics.median(r[0] for r in runs)
    total = statistics.median(r[1] for r in runs)
    records, points = runs[0][2], runs[0][3]
    storing = statistics.median(r[4] for r in runs)
    print(f"initial sync, median of {REPEATS}: {records:,} records + {points:,} telemetry points")
    print(f"  push + pull (board complete): {pulled:.2f} s = {records / pulled:,.0f} records/s "
          f"(target: 20,000 visits in <= 5 s)")
    print(f"  whole cycle incl. telemetry:  {total:.2f} s")
    print(f"  baseline, raw SQLite executemany of the same rows: {baseline:.3f} s = "
          f"{records / baseline:,.0f} records/s")
    targets.check("initial sync, 20,000 visits (push + pull)", pulled, "s", at_most=5.0,
                  baseline=f"raw executemany {baseline:.3f} s")
    targets.check("demo-size account: complete first sync (loopback)", total, "s", at_most=8.0,
                  baseline=f"push + pull {pulled:.2f} s")
    targets.check("telemetry storing vs raw executemany (same file)", storing / raw_rate, "x",
                  at_least=0.3, baseline=f"raw {raw_rate:,.0f} points/s; ours {storing:,.0f}")
    targets.check("local store size per million telemetry points vs old layout",
                  100 * new_size / old_size, "%", at_most=25.0,
                  baseline=f"old layout {old_size:.1f} MB, now {new_size:.1f} MB per 1M points")
    targets.check("client peak RSS growth during the sync", rss_growth, "MiB", at_most=150.0)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
