# SPDX-License-Identifier: Apache-2.0
"""Small device scenarios for the tests and benchmarks: elevators whose doors drift."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge_office.db import Database
from concierge_office.demo_fleet import DAY, Signal, _gauge, insert_readings, sample


def elevator_signals(asset_id: str, *, drifting: bool, now: float, seed: int) -> list[Signal]:
    """An elevator's gauges; ``drifting``: its door cycle time has crept up for 15 days
    and would cross the warning threshold in about a week."""
    rng = np.random.default_rng(seed)
    signals = [
        _gauge(asset_id, spec, rng)
        for spec in METRIC_CATALOGUE[AssetKind.ELEVATOR]
        if not spec.counter
    ]
    if drifting:
        door = next(s for s in signals if s.metric == "door_cycle_time")
        slope = (6.0 - door.level) / 22.0
        signals = [
            replace(s, drift_from=now - 15 * DAY, slope=slope) if s is door else s
            for s in signals
        ]
    return signals


def store_history(database: Database, signals: list[Signal], now: float, seed: int) -> None:
    """30 days of two-hourly readings up to a minute before ``now``."""
    history = sample(signals, now - 30 * DAY, now - 60.0, 7200.0, seed)
    with database.write() as conn:
        insert_readings(database, conn, history.rows())
