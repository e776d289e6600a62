"""The streaming detector in the office: one engine tick's scoring for a demo-sized fleet.

Run ``python benchmarks/bench_foresight.py`` from the repository root.  A SQLite office
database holds 600 series (120 assets x 5 metrics, the demo fleet's size) with 800 points
each (past the 750-point probation, scored once).  One tick then brings one new point per
series (the demo's live step and engine interval are both a minute); the figure is the
median time of the engine's scoring step for it (``AnomalyWatch.scan`` + ``commit``),
target <= 100 ms (the pass budget), beside the baseline of scoring the same points with
AnomalyScorers already in memory (no database), measured in the same run.  Also printed:
the same tick right after a restart (every scorer resumed from its checkpoint).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import targets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.insights import AnomalyScorer
from concierge_office.db import Database
from concierge_office.foresight import PROBATION, AnomalyWatch
from concierge_office.series import store_readings

SERIES = 600
HISTORY = 800
STEP = 60.0
TICKS = 7


def readings(first: int, last: int) -> list[tuple[str, str, float, float]]:
    rows = []
    for s in range(SERIES):
        rng = np.random.default_rng(s)
        values = 20.0 + rng.standard_normal(last)
        rows += [(f"asset-{s // 5:03d}", f"m{s % 5}", 1.7e9 + STEP * i, float(values[i]))
                 for i in range(first, last)]
    return rows


def tick(database: Database, watch: AnomalyWatch) -> float:
    start = time.perf_counter()
    scored = watch.scan()
    with database.write() as conn:
        watch.commit(conn, scored, time.time())
    return time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/office.db")
        database.create_schema()
        history = readings(0, HISTORY + TICKS)
        by_series = {}
        for asset, metric, t, v in history:
            by_series.setdefault((asset, metric), []).append((t, v))
        with database.write() as conn:
            store_readings(database, conn, [r for r in history if r[2] < 1.7e9 + STEP * HISTORY])
        watch = AnomalyWatch(database)
        start = time.perf_counter()
        scored = watch.scan(budget=None)
        with database.write() as conn:
            watch.commit(conn, scored, time.time())
        first = time.perf_counter() - start
        print(f"first pass over {SERIES} x {HISTORY} points: {first:.1f} s (one-off)")
        scorers = {}
        for key, points in by_series.items():
            scorer = AnomalyScorer(PROBATION)
            for t, v in points[:HISTORY]:
                scorer.score(t, v)
            scorers[key] = scorer
        samples, baseline = [], []
        for k in range(TICKS):
            new = [r for r in history if r[2] == 1.7e9 + STEP * (HISTORY + k)]
            with database.write() as conn:
                store_readings(database, conn, new)
            if k == TICKS - 1:
                restarted = tick(database, AnomalyWatch(database))
                continue
            samples.append(tick(database, watch))
            start = time.perf_counter()
            for asset, metric, t, v in new:
                scorers[(asset, metric)].score(t, v)
            baseline.append(time.perf_counter() - start)
        database.dispose()
    ms, base = 1e3 * statistics.median(samples), 1e3 * statistics.median(baseline)
    print(f"baseline: the same {SERIES} points scored in memory: {base:.1f} ms")
    print(f"the tick after a restart (scorers resumed from checkpoints): {1e3 * restarted:.0f} ms")
    targets.check("engine scoring step, one tick of the demo fleet", ms, "ms", at_most=100.0,
                  baseline=f"{base:.1f} ms in memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
