# SPDX-License-Identifier: Apache-2.0
"""Telemetry windows: one row per asset, metric and resolution, arrays as float64 BLOBs.

numpy is imported by the functions that use it, so opening the store and reading the
board (the app's first paint) does not wait for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from concierge.store.models import TelemetryWindow

if TYPE_CHECKING:
    from concierge.store.models import FloatArray

COARSE_BUCKET = 900  # 15-minute buckets ...
COARSE_SPAN = 14 * 86_400.0  # ... over 14 days
DETAIL_BUCKET = 0  # raw readings ...
DETAIL_SPAN = 86_400.0  # ... over the last 24 h
RESOLUTIONS = ((COARSE_BUCKET, COARSE_SPAN), (DETAIL_BUCKET, DETAIL_SPAN))

_COLUMNS = ("t", "mean", "min", "max")


def _blob(values: Sequence[float] | FloatArray) -> bytes:
    import numpy as np

    return np.asarray(values, dtype="<f8").tobytes()


def _array(blob: bytes) -> FloatArray:
    import numpy as np

    return np.frombuffer(blob, dtype="<f8").astype(np.float64)


def empty() -> TelemetryWindow:
    import numpy as np

    nothing = np.zeros(0, dtype=np.float64)
    return TelemetryWindow(nothing, nothing, nothing, nothing)


def read(conn: sqlite3.Connection, asset_id: str, metric: str, bucket: int) -> TelemetryWindow:
    row = conn.execute(
        "SELECT t, mean, min, max FROM telemetry WHERE asset_id = ? AND metric = ? "
        "AND bucket_seconds = ?",
        (asset_id, metric, bucket),
    ).fetchone()
    return empty() if row is None else TelemetryWindow(*(_array(b) for b in row))


def merge(
    conn: sqlite3.Connection,
    asset_id: str,
    metric: str,
    bucket: int,
    *,
    fresh: TelemetryWindow,
    replace_from: float,
    keep_from: float,
) -> None:
    """Replace points from ``replace_from`` on with ``fresh``; drop those before ``keep_from``."""
    import numpy as np

    old = read(conn, asset_id, metric, bucket)
    keep_old = old.t < replace_from
    parts = [
        np.concatenate((getattr(old, name)[keep_old], getattr(fresh, name))) for name in _COLUMNS
    ]
    recent = parts[0] >= keep_from
    conn.execute(
        "INSERT OR REPLACE INTO telemetry (asset_id, metric, bucket_seconds, t, mean, min, max) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (asset_id, metric, bucket, *(_blob(p[recent]) for p in parts)),
    )


def window(
    conn: sqlite3.Connection, asset_id: str, metric: str, start: float | None, end: float | None
) -> TelemetryWindow:
    """15-minute buckets up to where the detailed last 24 h begin, then the detail."""
    import numpy as np

    coarse = read(conn, asset_id, metric, COARSE_BUCKET)
    detail = read(conn, asset_id, metric, DETAIL_BUCKET)
    if len(detail):
        cut = coarse.t < detail.t[0] - detail.t[0] % COARSE_BUCKET
        parts = [
            np.concatenate((getattr(coarse, n)[cut], getattr(detail, n))) for n in _COLUMNS
        ]
    else:
        parts = [getattr(coarse, n) for n in _COLUMNS]
    keep = np.ones(parts[0].size, dtype=bool)
    if start is not None:
        keep &= parts[0] >= start
    if end is not None:
        keep &= parts[0] <= end
    return TelemetryWindow(*(p[keep] for p in parts))


def metrics(conn: sqlite3.Connection, asset_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT metric FROM telemetry WHERE asset_id = ? ORDER BY metric", (asset_id,)
    )
    return [r[0] for r in rows]


def fetched_until(conn: sqlite3.Connection, bucket: int) -> dict[str, float]:
    rows = conn.execute(
        "SELECT asset_id, until FROM telemetry_fetched WHERE bucket_seconds = ?", (bucket,)
    )
    return {a: float(u) for a, u in rows}


def mark_fetched(
    conn: sqlite3.Connection, asset_ids: Sequence[str], bucket: int, until: float
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO telemetry_fetched (asset_id, bucket_seconds, until) "
        "VALUES (?, ?, ?)",
        [(a, bucket, until) for a in asset_ids],
    )


def forget_except(conn: sqlite3.Connection, keep_assets: set[str]) -> None:
    """Drop windows of assets no longer assigned."""
    for table in ("telemetry", "telemetry_fetched"):
        stored = {r[0] for r in conn.execute(f"SELECT DISTINCT asset_id FROM {table}")}
        conn.executemany(
            f"DELETE FROM {table} WHERE asset_id = ?", [(a,) for a in stored - keep_assets]
        )


def as_array(values: Sequence[float]) -> FloatArray:
    import numpy as np

    return np.asarray(values, dtype=np.float64)
