# SPDX-License-Identifier: Apache-2.0
"""Telemetry windows: one row per (series, chunk), columns compact (``protocol.columns``).

numpy is imported by the functions that use it, so opening the store and reading the
board (the app's first paint) does not wait for it.
"""

from __future__ import annotations

import math
import sqlite3
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from concierge.protocol import columns
from concierge.store.models import TelemetryWindow
from concierge.store.schema import COARSE_BUCKET  # 15-minute buckets ...

if TYPE_CHECKING:
    from concierge.store.models import FloatArray

COARSE_SPAN = 14 * 86_400.0  # ... over 14 days
DETAIL_BUCKET = 0  # raw readings ...
DETAIL_SPAN = 86_400.0  # ... over the last 24 h
RESOLUTIONS = ((COARSE_BUCKET, COARSE_SPAN), (DETAIL_BUCKET, DETAIL_SPAN))

_COLUMNS = ("t", "mean", "min", "max")
# One row per (series, chunk): the points of a series from ``chunk_start`` for this long.
# A day per row keeps a row within what SQLite stores in its b-tree page (no overflow
# pages, whose unused ends would cost more than the data: measured 24 % vs 34 % of the
# old layout's size with 7-day chunks).
CHUNK_SECONDS = {COARSE_BUCKET: 86_400, DETAIL_BUCKET: 86_400}
STORE_LEVEL = 9  # deflate level of stored chunks (written once, read often)


def chunk_span(bucket: int) -> int:
    return CHUNK_SECONDS.get(bucket, 86_400)


def empty() -> TelemetryWindow:
    import numpy as np

    nothing = np.zeros(0, dtype=np.float64)
    return TelemetryWindow(nothing, nothing, nothing, nothing)


_ROW = "points, t_codec, value_codec, data"


def _decode_row(row: tuple[int, str, str, bytes]) -> TelemetryWindow:
    """One chunk: ``data`` is the deflated packed columns t, mean[, min, max] back to back
    (min and max only when they differ from mean)."""
    points, t_codec, value_codec, data = row
    raw = zlib.decompress(data)
    t_end = points * columns.width(t_codec)
    step = points * columns.width(value_codec)
    t = columns.unpack(raw[:t_end], t_codec)
    mean = columns.unpack(raw[t_end : t_end + step], value_codec)
    if len(raw) == t_end + step:
        return TelemetryWindow(t, mean, mean, mean)
    low = columns.unpack(raw[t_end + step : t_end + 2 * step], value_codec)
    high = columns.unpack(raw[t_end + 2 * step :], value_codec)
    return TelemetryWindow(t, mean, low, high)


def _concat(parts: Sequence[TelemetryWindow]) -> TelemetryWindow:
    import numpy as np

    if not parts:
        return empty()
    if len(parts) == 1:
        return parts[0]
    return TelemetryWindow(
        *(np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMNS)
    )


def read(
    conn: sqlite3.Connection, asset_id: str, metric: str, bucket: int, since: float | None = None
) -> TelemetryWindow:
    """The series' points (of the chunks that may hold points from ``since`` on)."""
    low = -math.inf if since is None else since - chunk_span(bucket)
    rows = conn.execute(
        f"SELECT {_ROW} FROM telemetry_chunks "
        "WHERE asset_id = ? AND metric = ? AND bucket_seconds = ? AND chunk_start > ? "
        "ORDER BY chunk_start",
        (asset_id, metric, bucket, low),
    ).fetchall()
    return _concat([_decode_row(r) for r in rows])


def write_chunks(
    conn: sqlite3.Connection, asset_id: str, metric: str, bucket: int, points: TelemetryWindow,
    *, allow_float32: bool = True,
) -> None:
    """Store ``points`` (sorted by t) as chunks, replacing the chunks they fall in."""
    import numpy as np

    if not len(points):
        return
    span = chunk_span(bucket)
    starts = np.floor(points.t / span) * span
    bounds = np.flatnonzero(np.diff(starts)) + 1
    rows = []
    for lo, hi in zip(
        np.concatenate(([0], bounds)), np.concatenate((bounds, [len(points)])), strict=True
    ):
        part = TelemetryWindow(*(getattr(points, n)[lo:hi] for n in _COLUMNS))
        t_codec = columns.time_codec(part.t)
        raw = np.array_equal(part.min, part.mean) and np.array_equal(part.max, part.mean)
        value_codec, bits = _chunk_codec(part, allow_float32, raw=raw)
        values = (part.mean,) if raw else (part.mean, part.min, part.max)
        packed = [columns.pack(part.t, t_codec), *(
            columns.pack(v, value_codec, bits=b) for v, b in zip(values, bits, strict=True))]
        rows.append((asset_id, metric, bucket, int(starts[lo]), int(hi - lo), t_codec,
                     value_codec, zlib.compress(b"".join(packed), STORE_LEVEL)))
    conn.executemany(
        "INSERT OR REPLACE INTO telemetry_chunks (asset_id, metric, bucket_seconds, "
        f"chunk_start, {_ROW}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _chunk_codec(
    part: TelemetryWindow, allow_float32: bool, *, raw: bool = False
) -> tuple[str, list[Any]]:
    """One codec for a chunk's value columns: F4 if all of them may narrow, else F8; with
    each column's F4 bits (None for F8).  ``raw``: min and max are the mean (raw
    readings), which alone is checked."""
    values = (part.mean,) if raw else (part.mean, part.min, part.max)
    if allow_float32:
        bits = []
        for v in values:
            narrow = columns.narrowed(v)
            if narrow is None:
                break
            bits.append(narrow)
        else:
            return columns.F4, bits
    return columns.F8, [None] * len(values)


def merge(
    conn: sqlite3.Connection,
    asset_id: str,
    metric: str,
    bucket: int,
    *,
    fresh: TelemetryWindow,
    replace_from: float,
    keep_from: float,
    allow_float32: bool = True,
) -> None:
    """Replace points from ``replace_from`` on with ``fresh``; drop those before ``keep_from``.

    Only the chunks from ``replace_from`` on are rewritten.
    """
    import numpy as np

    span = chunk_span(bucket)
    first_touched = math.floor(replace_from / span) * span
    old = read(conn, asset_id, metric, bucket, since=replace_from)
    keep_old = (old.t < replace_from) & (old.t >= first_touched)
    parts = [
        np.concatenate((getattr(old, name)[keep_old], getattr(fresh, name))) for name in _COLUMNS
    ]
    recent = parts[0] >= keep_from
    key = (asset_id, metric, bucket)
    conn.execute(
        "DELETE FROM telemetry_chunks WHERE asset_id = ? AND metric = ? AND bucket_seconds = ? "
        "AND (chunk_start >= ? OR chunk_start + ? <= ?)",
        (*key, first_touched, span, keep_from),
    )
    _trim_chunk(conn, key, span, keep_from, before=first_touched, allow_float32=allow_float32)
    write_chunks(
        conn, *key, TelemetryWindow(*(p[recent] for p in parts)), allow_float32=allow_float32
    )


def _trim_chunk(
    conn: sqlite3.Connection, key: tuple[str, str, int], span: int, keep_from: float, *,
    before: float, allow_float32: bool,
) -> None:
    """Drop the points before ``keep_from`` from the chunk holding it (if not rewritten)."""
    chunk_start = math.floor(keep_from / span) * span
    if chunk_start >= before:
        return
    row = conn.execute(
        f"SELECT {_ROW} FROM telemetry_chunks "
        "WHERE asset_id = ? AND metric = ? AND bucket_seconds = ? AND chunk_start = ?",
        (*key, chunk_start),
    ).fetchone()
    if row is None:
        return
    points = _decode_row(row)
    keep = points.t >= keep_from
    if keep.all():
        return
    conn.execute(
        "DELETE FROM telemetry_chunks WHERE asset_id = ? AND metric = ? AND bucket_seconds = ? "
        "AND chunk_start = ?",
        (*key, chunk_start),
    )
    trimmed = TelemetryWindow(*(getattr(points, n)[keep] for n in _COLUMNS))
    write_chunks(conn, *key, trimmed, allow_float32=allow_float32)


def migrate_series_rows(conn: sqlite3.Connection) -> None:
    """Schema 3: the one-row-per-series float64 table becomes chunks (nothing dropped)."""
    import numpy as np

    for asset_id, metric, bucket, *blobs in conn.execute(
        "SELECT asset_id, metric, bucket_seconds, t, mean, min, max FROM telemetry"
    ).fetchall():
        arrays = [np.frombuffer(b, dtype="<f8").astype(np.float64) for b in blobs]
        order = np.argsort(arrays[0], kind="stable")
        write_chunks(
            conn, asset_id, metric, bucket, TelemetryWindow(*(a[order] for a in arrays)),
            allow_float32=False,  # lossless: the next refresh narrows what it may
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
        "SELECT DISTINCT metric FROM telemetry_chunks WHERE asset_id = ? ORDER BY metric",
        (asset_id,),
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
    for table in ("telemetry_chunks", "telemetry_fetched"):
        stored = {r[0] for r in conn.execute(f"SELECT DISTINCT asset_id FROM {table}")}
        conn.executemany(
            f"DELETE FROM {table} WHERE asset_id = ?", [(a,) for a in stored - keep_assets]
        )


def as_array(values: Sequence[float]) -> FloatArray:
    import numpy as np

    return np.asarray(values, dtype=np.float64)
