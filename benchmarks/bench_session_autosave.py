"""One autosave. The GUI thread's part (an input applied, the record snapshotted and queued
for the database worker, as ``ui.session`` does): p99 <= 10 ms. The write itself (through
the store: the document serialised once, an in-progress autosave committed with
synchronous=NORMAL, see docs/sync.md "Durability") is reported too: it runs on the worker,
in order.  The baseline is a plain INSERT committed with synchronous=FULL."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

import targets
from bench_session_common import NOW_DT, fleet_store, ms

from concierge.session.engine import SessionEngine

RUNS = 500
LIMIT_MS = 10.0


def raw_inserts(path: Path, payload: str) -> list[float]:
    """Baseline: one plain INSERT OR REPLACE per commit, same pragmas as the store."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, data TEXT)")
    times = []
    for n in range(RUNS):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", ("s", payload + str(n)))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = fleet_store(Path(tmp) / "fleet")
        engine = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
        for k in range(40):  # a realistic document: strokes and results
            engine.add_stroke([(0.01 * i, 0.5) for i in range(30)])
            engine.set_remark("e1/inspect", f"remark {k}")
        size = len(json.dumps(engine.record()["data"]))
        saves = []
        for n in range(RUNS):
            start = time.perf_counter()
            engine.set_comment(f"comment {n}")
            saves.append(time.perf_counter() - start)
        queued: list[dict[str, object]] = []

        def hand_over(record: dict[str, object]) -> None:
            queued[:] = [record]  # the worker drops each record once written

        engine.persist = hand_over  # what the window does: hand it to the DB worker
        gui = []
        for n in range(RUNS):
            start = time.perf_counter()
            engine.set_comment(f"queued {n}")
            gui.append(time.perf_counter() - start)
        base = raw_inserts(Path(tmp) / "raw.sqlite3", "x" * size)
        store.close()
    p99 = sorted(gui)[int(RUNS * 0.99) - 1] * 1000
    print(f"document size {size / 1024:.1f} KiB")
    print(f"baseline: raw SQLite insert  {ms(base)}")
    print(f"write through the store      {ms(saves)}  (database worker)")
    print(f"GUI thread: apply + queue    {ms(gui)}")
    targets.check("session autosave through the store (p99)", p99, "ms", at_most=LIMIT_MS,
                  baseline=f"raw SQLite insert {ms(base)}")
    return targets.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
