# SPDX-License-Identifier: Apache-2.0
"""Telemetry storage: readings in, and read raw or bucketed (min/mean/max/count per bucket)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    select,
)

from concierge_office import db
from concierge_office.db import Database

DAY = 86_400.0
HOUR = 3600
Reading = tuple[str, str, float, float]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
_NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)


@dataclass(frozen=True)
class ReadingColumns:
    """Readings as columns: asset, metric, time (epoch seconds) and value of each."""

    asset_ids: list[str]
    metrics: list[str]
    ts: FloatArray
    values: FloatArray

    @cached_property
    def series(self) -> tuple[list[tuple[str, str]], IntArray]:
        """The distinct (asset, metric) pairs in key order, and each reading's index among them."""
        n = len(self.asset_ids)
        first: dict[tuple[str, str], int] = {}  # dict and map run in C
        pairs = zip(self.asset_ids, self.metrics, strict=True)
        at = np.fromiter(map(first.setdefault, pairs, itertools.count()), np.int64, n)
        names = sorted(first)
        index = np.zeros(n, np.int64)
        index[[first[name] for name in names]] = np.arange(len(names))
        return names, index[at]


@dataclass
class Columns:
    t: list[float] = field(default_factory=list)
    min: list[float] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    max: list[float] = field(default_factory=list)
    count: list[int] = field(default_factory=list)


def bucket_count(start: float, end: float, bucket: int) -> int:
    return math.floor(end / bucket) - math.floor(start / bucket) + 1


def fit_bucket(start: float, end: float, max_points: int, at_least: int = 1) -> int:
    """The smallest round bucket >= ``at_least`` giving at most ``max_points`` buckets."""
    start = max(start, EARLIEST)
    end = max(end, start)
    steps = [s for s in _NICE_STEPS if s >= at_least]
    candidates = steps or [at_least]
    for step in candidates:
        if bucket_count(start, end, step) <= max_points:
            return step
    days = max(1, math.ceil((end - start) / DAY / max(1, max_points - 1)))
    step = max(days * int(DAY), at_least)
    while bucket_count(start, end, step) > max_points:
        step += int(DAY)
    return step


def read_series(
    database: Database,
    conn: Connection,
    asset_ids: Sequence[str],
    *,
    start: float,
    end: float,
    bucket: int,
    metric: str | None = None,
    metrics: Collection[str] = (),
) -> dict[tuple[str, str], Columns]:
    """Raw readings (``bucket`` 0) or per-bucket aggregates, keyed by (asset, metric).

    One query for all the series.  A bucket always aggregates all of its readings, also
    at the edges of the range.  Whole-hour buckets are read from the hourly rollup.
    ``metrics`` (every metric the assets may have) lets the database seek each series'
    time range in its primary key instead of scanning the assets' whole history.
    """
    stmt: Any
    t, s = db.telemetry, db.series
    readings = t.join(s, s.c.id == t.c.series_id)
    if bucket == 0:
        stmt = select(s.c.asset_id, s.c.metric, t.c.ts, t.c.value).select_from(readings)
        stmt = stmt.where(
            _series_filter(s, asset_ids, metric, metrics), t.c.ts >= start, t.c.ts <= end
        )
        return _columns(fetch_plain(conn, stmt.order_by(s.c.asset_id, s.c.metric, t.c.ts)), 0)
    first, last = math.floor(start / bucket), math.floor(end / bucket)
    if bucket % HOUR == 0:
        h, per = db.telemetry_hourly, bucket // HOUR
        where = and_(
            _series_filter(h, asset_ids, metric, metrics),
            h.c.hour >= first * per,
            h.c.hour < (last + 1) * per,
        )
        if per == 1:  # one rollup row per bucket
            stmt = select(h.c.asset_id, h.c.metric, h.c.hour, h.c.min, h.c.sum, h.c.max, h.c.count)
            stmt = stmt.where(where).order_by(*h.primary_key)
        else:
            keys: tuple[Any, ...] = (h.c.asset_id, h.c.metric, database.bucket(h.c.hour, per))
            columns: tuple[Any, ...] = (
                func.min(h.c.min),
                func.sum(h.c.sum),
                func.max(h.c.max),
                func.sum(h.c.count),
            )
            stmt = select(*keys, *columns).where(where).group_by(*keys).order_by(*keys)
    else:
        # Grouped by the series' integer key, not its two names: cheaper to group and to
        # fetch (a 14-day window of 100 assets is some 300,000 buckets); names once per series.
        wanted = _series_filter(s, asset_ids, metric, metrics)
        names = {i: (a, m) for i, a, m in conn.execute(
            select(s.c.id, s.c.asset_id, s.c.metric).where(wanted))}
        keys = (t.c.series_id, database.bucket(t.c.ts, bucket))
        columns = (func.min(t.c.value), func.sum(t.c.value), func.max(t.c.value), func.count())
        where = and_(
            t.c.series_id.in_(select(s.c.id).where(wanted)),
            t.c.ts >= first * bucket,
            t.c.ts < (last + 1) * bucket,
        )
        stmt = select(*keys, *columns).where(where).group_by(*keys).order_by(*keys)
        return _columns(fetch_plain(conn, stmt), bucket, names)
    return _columns(fetch_plain(conn, stmt), bucket)


def _columns(
    rows: Sequence[Any], bucket: int, names: dict[int, tuple[str, str]] | None = None
) -> dict[tuple[str, str], Columns]:
    """Rows grouped by series as columns per series, converted column-wise.  A row starts
    with the series' asset and metric, or with its key in ``names`` if that is given.

    Each column is taken from the rows on its own (``zip(*rows)`` over some 300,000 rows
    of a 14-day window costs more than the rest of the conversion)."""
    out: dict[tuple[str, str], Columns] = {}
    if not rows:
        return out
    n = len(rows)
    at = 1 if names is not None else 2  # the first column after the series

    def column(index: int, dtype: Any = np.float64) -> Any:
        return np.fromiter(map(itemgetter(at + index), rows), dtype, n)

    if bucket == 0:
        t = column(0).tolist()
        low = mean = high = column(1).tolist()
        count = [1] * n
    else:
        number = column(4, np.int64)
        t = (column(0) * bucket).tolist()
        low = column(1).tolist()
        mean = (column(2) / number).tolist()
        high = column(3).tolist()
        count = number.tolist()
    keys: Any = (map(itemgetter(0), rows) if names is not None
                 else zip(map(itemgetter(0), rows), map(itemgetter(1), rows), strict=True))
    first = 0
    for key, group in groupby(keys):
        last = first + sum(1 for _ in group)
        series = names[key] if names is not None else key
        out[series] = Columns(
            t[first:last], low[first:last], mean[first:last], high[first:last], count[first:last]
        )
        first = last
    return out if names is None else dict(sorted(out.items()))  # in (asset, metric) order


def fetch_plain(conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of a query as the driver's plain tuples (no SQLAlchemy row processing).

    For large reads of plain columns (strings and floats) on any PEP 249 driver.
    """
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        args: Any = tuple(params[name] for name in compiled.positiontup or ())
    else:
        args = params
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _series_filter(
    table: Table, asset_ids: Sequence[str], metric: str | None, metrics: Collection[str] = ()
) -> ColumnElement[bool]:
    where = table.c.asset_id.in_(asset_ids)
    if metric is not None:
        return and_(where, table.c.metric == metric)
    if metrics:
        return and_(where, table.c.metric.in_(sorted(metrics)))
    return where


def store_readings(database: Database, conn: Connection, rows: Sequence[Reading]) -> None:
    """Insert readings given as rows; see :func:`store_columns`."""
    if rows:
        asset_ids, metrics, ts, values = zip(*rows, strict=True)
        columns = ReadingColumns(
            list(asset_ids), list(metrics), np.array(ts, np.float64), np.array(values, np.float64)
        )
        store_columns(database, conn, columns)


def store_columns(database: Database, conn: Connection, readings: ReadingColumns) -> None:
    """Insert readings (repeats are ignored) and bring the hourly rollup up to date.

    Readings go in in primary key order.  When every reading was new, the rollup is
    updated from the readings alone; otherwise the hours they touch are recomputed
    from the stored readings.
    """
    n = len(readings.asset_ids)
    if n == 0:
        return
    names, series = readings.series
    ids = np.array(series_ids(database, conn, names), np.int64)
    order = np.lexsort((readings.ts, ids[series]))
    series, ts, values = series[order], readings.ts[order], readings.values[order]
    from concierge_office.foresight import late_readings, note_late  # (it imports this module)

    late = late_readings(conn, ids[series], ts)
    rows: list[Any] = [None] * (3 * n)  # db.telemetry's columns, row after row
    rows[0::3], rows[1::3], rows[2::3] = ids[series].tolist(), ts.tolist(), values.tolist()
    inserted = database.insert_flat(conn, db.telemetry, rows, skip_existing=True)
    note_late(late, n - inserted)
    if inserted == n:
        _add_to_rollup(database, conn, names, series, ts=ts, values=values)
    else:
        _recompute_rollup(database, conn, names, series, ts, ids=ids.tolist())


def series_ids(database: Database, conn: Connection, names: Sequence[tuple[str, str]]) -> list[int]:
    """The key of each (asset, metric) series; missing series are created."""
    s = db.series
    assets = sorted({asset_id for asset_id, _ in names})
    query = select(s.c.asset_id, s.c.metric, s.c.id).where(s.c.asset_id.in_(assets))
    known = {(a, m): i for a, m, i in conn.execute(query)}
    missing = [{"asset_id": a, "metric": m} for a, m in names if (a, m) not in known]
    if missing:
        conn.execute(database.insert_ignore(s), missing)
        known = {(a, m): i for a, m, i in conn.execute(query)}
    return [known[name] for name in names]


_ROLLUP = ("asset_id", "metric", "hour", "min", "max", "sum", "count")


def _add_to_rollup(
    database: Database,
    conn: Connection,
    names: list[tuple[str, str]],
    series: IntArray,
    *,
    ts: FloatArray,
    values: FloatArray,
) -> None:
    """Add new readings, sorted by series and time, to the hourly rollup in one executemany."""
    hours = np.floor(ts / HOUR).astype(np.int64)
    new = (series[1:] != series[:-1]) | (hours[1:] != hours[:-1])
    starts = np.flatnonzero(np.concatenate(([True], new)))
    database.run_many(
        conn,
        _increment_statement(database),
        _ROLLUP,
        list(
            zip(
                (names[i] for i in series[starts].tolist()),
                hours[starts].tolist(),
                np.minimum.reduceat(values, starts).tolist(),
                np.maximum.reduceat(values, starts).tolist(),
                np.add.reduceat(values, starts).tolist(),
                np.diff(np.append(starts, len(ts))).tolist(),
                strict=True,
            )
        ),
        flatten=True,
    )


def _increment_statement(database: Database) -> Any:
    h = db.telemetry_hourly
    stmt = database.dialect_insert(h).values({name: bindparam(name) for name in _ROLLUP})
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["asset_id", "metric", "hour"],
        set_={
            "min": case((new.min < h.c.min, new.min), else_=h.c.min),
            "max": case((new.max > h.c.max, new.max), else_=h.c.max),
            "sum": h.c.sum + new.sum,
            "count": h.c.count + new.count,
        },
    )


def _recompute_rollup(
    database: Database,
    conn: Connection,
    names: list[tuple[str, str]],
    series: IntArray,
    ts: FloatArray,
    *,
    ids: list[int],
) -> None:
    """Recompute, from the stored readings, every hour each series' readings span."""
    starts = np.flatnonzero(np.concatenate(([True], series[1:] != series[:-1])))
    ends = np.append(starts[1:], len(ts)) - 1
    conn.execute(
        _rollup_statement(database),
        [
            {
                "a": names[i][0],
                "m": names[i][1],
                "s": ids[i],
                "lo": math.floor(lo / HOUR) * HOUR,
                "hi": (math.floor(hi / HOUR) + 1) * HOUR,
            }
            for i, lo, hi in zip(
                series[starts].tolist(), ts[starts].tolist(), ts[ends].tolist(), strict=True
            )
        ],
    )


def _rollup_statement(database: Database) -> Any:
    t, h = db.telemetry, db.telemetry_hourly
    hour = database.bucket(t.c.ts, HOUR)
    source = (
        select(
            bindparam("a", type_=String),
            bindparam("m", type_=String),
            hour,
            func.min(t.c.value),
            func.max(t.c.value),
            func.sum(t.c.value),
            func.count(),
        )
        .where(
            t.c.series_id == bindparam("s"),
            t.c.ts >= bindparam("lo"),
            t.c.ts < bindparam("hi"),
        )
        .group_by(hour)
    )
    names = ["asset_id", "metric", "hour", "min", "max", "sum", "count"]
    stmt = database.dialect_insert(h).from_select(names, source)
    return stmt.on_conflict_do_update(
        index_elements=["asset_id", "metric", "hour"],
        set_={n: stmt.excluded[n] for n in ("min", "max", "sum", "count")},
    )


def max_series_count(
    conn: Connection,
    asset_ids: Sequence[str],
    start: float,
    end: float,
    *,
    metric: str | None = None,
    metrics: Collection[str] = (),
) -> int:
    """An upper bound of the readings of any one series in the range (from the rollup)."""
    h = db.telemetry_hourly
    where = and_(
        _series_filter(h, asset_ids, metric, metrics),
        h.c.hour >= math.floor(start / HOUR),
        h.c.hour <= math.floor(end / HOUR),
    )
    counts = select(func.sum(h.c.count).label("n")).where(where).group_by(h.c.asset_id, h.c.metric)
    return int(conn.execute(select(func.max(counts.subquery().c.n))).scalar_one() or 0)
