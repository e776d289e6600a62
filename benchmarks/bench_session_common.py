"""Shared set-up of the session benchmarks: a store with 5 assets and 14 days of telemetry."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.protocol.schemas import TelemetrySeries
from concierge.store import Store
from tests.core.session_factories import (
    DAY,
    NOW,
    NOW_DT,
    seeded_store,
    trend_insight,
)

METRICS = ("door_cycle_time", "motor_temp", "vibration", "trips_per_hour", "availability")


def fleet_store(root: Path) -> Store:
    """5 elevators: 14 days of 15-minute buckets plus the last 24 h of raw 1-minute readings."""
    ins = [trend_insight(f"i{n}", f"e{n}", "door_cycle_time", level=5.5, slope=0.1,
                         threshold=6.0) for n in range(1, 6)]
    store = seeded_store(root, n_assets=5, insights=ins)
    t = np.arange(NOW - DAY, NOW, 60.0)
    v = 5.0 + np.random.default_rng(1).normal(0, 0.2, t.size)
    series = [
        TelemetrySeries(asset_id=f"e{n}", metric=m, start=NOW_DT, end=NOW_DT, bucket_seconds=0,
                        t=t.tolist(), min=v.tolist(), mean=v.tolist(), max=v.tolist(),
                        count=[1] * t.size)
        for n in range(1, 6) for m in METRICS
    ]
    store.replication.store_telemetry(0, asset_ids=[f"e{n}" for n in range(1, 6)],
                                      series=series, replace_from=float(t[0]),
                                      keep_from=float(t[0]), until=NOW)
    return store


def ms(values: list[float]) -> str:
    q = np.percentile(np.asarray(values) * 1000, [50, 99])
    return f"median {statistics.median(values) * 1000:7.2f} ms, p99 {q[1]:7.2f} ms"
