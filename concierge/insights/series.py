# SPDX-License-Identifier: Apache-2.0
"""Input hygiene and aggregation: finite, time-sorted float arrays and group medians."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MINUTE = 60.0
HOUR = 3_600.0
DAY = 86_400.0


def as_series(t: npt.ArrayLike, v: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Float64 copies of ``t``/``v`` without non-finite pairs, sorted by time (stable).

    Raises ValueError when the two arrays differ in length.
    """
    ta = np.asarray(t, dtype=np.float64).ravel()
    va = np.asarray(v, dtype=np.float64).ravel()
    if ta.shape != va.shape:
        raise ValueError(f"t and v differ in length: {ta.size} != {va.size}")
    keep = np.isfinite(ta) & np.isfinite(va)
    ta, va = ta[keep], va[keep]
    if ta.size > 1 and bool(np.any(ta[1:] < ta[:-1])):
        order = np.argsort(ta, kind="stable")
        ta, va = ta[order], va[order]
    return ta, va


def median(x: FloatArray) -> float:
    """Median of a non-empty 1-D array (as np.median, without its overhead)."""
    return median_of_scratch(x.copy())


def median_of_scratch(part: FloatArray) -> float:
    """``median`` of an array the caller no longer needs: it is reordered in place."""
    k = part.size // 2
    if part.size % 2:
        part.partition(k)
        return float(part[k])
    part.partition((k - 1, k))
    return 0.5 * (float(part[k - 1]) + float(part[k]))


def row_medians(x: FloatArray) -> FloatArray:
    """``median`` of every row of a 2-D array (the same values)."""
    k = x.shape[1] // 2
    if x.shape[1] % 2:
        return np.partition(x, k, axis=1)[:, k]
    part = np.partition(x, (k - 1, k), axis=1)
    return 0.5 * (part[:, k - 1] + part[:, k])


def row_percentiles(x: FloatArray, q: float) -> FloatArray:
    """``percentile(row, q)`` of every row of a 2-D array (the same values)."""
    pos = q / 100.0 * (x.shape[1] - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, x.shape[1] - 1)
    part = np.partition(x, (lo, hi) if hi != lo else lo, axis=1)
    a, b = part[:, lo], part[:, hi]
    frac = pos - lo
    diff = b - a
    out: FloatArray = b - diff * (1.0 - frac) if frac >= 0.5 else a + diff * frac
    return out


def percentile(x: FloatArray, q: float) -> float:
    """``np.percentile(x, q)`` (linear method, same rounding) of a non-empty 1-D array."""
    pos = q / 100.0 * (x.size - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, x.size - 1)
    part = np.partition(x, (lo, hi)) if hi != lo else np.partition(x, lo)
    a, b = float(part[lo]), float(part[hi])
    frac = pos - lo
    diff = b - a
    if frac >= 0.5:
        return b - diff * (1.0 - frac)
    return a + diff * frac


def group_medians(keys: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray, IntArray]:
    """Median of ``values`` per distinct key: (keys ascending, medians, counts)."""
    n = keys.size
    if n == 0:
        return keys, values, np.zeros(0, dtype=np.int64)
    if n == 1 or bool(np.all(keys[1:] >= keys[:-1])):
        groups = Groups.of(keys)
        return keys.take(groups.starts), groups.medians(values), groups.counts
    return _sorted_group_medians(keys, values)


@dataclass(frozen=True)
class Groups:
    """Runs of equal keys in an ascending, non-empty key array, laid out for medians.

    Build once with :meth:`of`; :meth:`medians` then costs one sort of a padded
    (groups x largest group) grid per value array.
    """

    keys: IntArray
    starts: IntArray  # first position of each group
    counts: IntArray
    group: IntArray  # group number of every position
    cells: IntArray | None  # flat grid cell of every position (None: no padding needed)
    pad: int  # leading padding of the contiguous layout
    width: int  # grid row length (0: groups too unequal for a grid)

    @staticmethod
    def of(keys: IntArray) -> Groups:
        n = keys.size
        change = np.empty(n, dtype=bool)
        change[0] = True
        np.not_equal(keys[1:], keys[:-1], out=change[1:])
        starts = np.flatnonzero(change)
        g = starts.size
        if g == n:  # one value per key
            return Groups(keys, starts, np.ones(n, dtype=np.int64), starts, None, 0, 1)
        counts = np.empty(g, dtype=np.int64)
        counts[:-1] = starts[1:] - starts[:-1]
        counts[-1] = n - starts[-1]
        group = np.cumsum(change) - 1
        size = int(counts[1]) if g > 2 else int(np.max(counts))
        head, tail = int(counts[0]), int(counts[-1])
        if head <= size and tail <= size and (g <= 2 or bool(np.all(counts[1:-1] == size))):
            return Groups(keys, starts, counts, group, None, size - head, size)  # regular
        width = int(np.max(counts))
        if g * width > 4 * n + 64:
            return Groups(keys, starts, counts, group, None, 0, 0)
        cells = group * width + (np.arange(n) - starts.take(group))
        return Groups(keys, starts, counts, group, cells, 0, width)

    def medians(self, values: FloatArray) -> FloatArray:
        """Median per group along the last axis (of every row of a 2-D array)."""
        g, width = self.counts.size, self.width
        if g == values.shape[-1]:
            return values
        if width == 0:
            if values.ndim == 1:
                return _sorted_group_medians(self.keys, values)[1]
            return np.stack([_sorted_group_medians(self.keys, row)[1] for row in values])
        lead = values.shape[:-1]
        grid = np.full((*lead, g * width), np.nan)
        if self.cells is None:
            grid[..., self.pad : self.pad + values.shape[-1]] = values
        else:
            grid[..., self.cells] = values
        rows = grid.reshape(*lead, g, width)
        if width == 2:  # pairs and singles (e.g. hourly data in two-hour bins): no sort
            lo, hi = np.fmin(rows[..., 0], rows[..., 1]), np.fmax(rows[..., 0], rows[..., 1])
            pair_medians: FloatArray = (lo + hi) / 2.0
            return pair_medians
        lo_at, hi_at = (self.counts - 1) // 2, self.counts // 2
        rows.sort(axis=-1)  # NaN padding sorts last
        r = np.arange(g)
        medians: FloatArray = (rows[..., r, lo_at] + rows[..., r, hi_at]) / 2.0
        return medians


def _sorted_group_medians(
    keys: IntArray, values: FloatArray
) -> tuple[IntArray, FloatArray, IntArray]:
    order = np.argsort(_group_sort_key(keys, values), kind="stable")
    k = keys[order]
    x = values[order]
    starts = _starts(k)
    counts = np.diff(np.append(starts, k.size)).astype(np.int64)
    lo = x[starts + (counts - 1) // 2]
    hi = x[starts + counts // 2]
    return k[starts], (lo + hi) / 2.0, counts


def _starts(sorted_keys: IntArray) -> IntArray:
    return np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))


def _group_sort_key(keys: IntArray, values: FloatArray) -> FloatArray:
    """One float key ordering by group, then by value (faster than a lexsort)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    rank = (keys - np.min(keys)).astype(np.float64)
    if hi > lo:
        rank += (values - lo) * (0.5 / (hi - lo))
    return rank


def bin_index(t: FloatArray, width: float) -> IntArray:
    """UTC-aligned bin number of each timestamp for bins of ``width`` seconds."""
    return np.floor(t / width).astype(np.int64)


def slot_of_day(t: FloatArray, width: float) -> IntArray:
    """Slot within the UTC day (0 .. DAY/width - 1) for slots of ``width`` seconds."""
    return np.floor(np.mod(t, DAY) / width).astype(np.int64)


T = TypeVar("T")


class TimeLayoutCache(Generic[T]):
    """Work that depends on the timestamps only, shared by series with equal ``t``.

    Metrics of one asset (and often of a whole fleet) share their sampling
    times; binning, grouping and pair layouts are computed once per distinct
    ``t`` and reused.  Entries are matched on the full array contents, so a hit
    gives exactly what a fresh computation would.  Bounded and thread-safe.
    """

    def __init__(self, build: Callable[[FloatArray], T], size: int = 16) -> None:
        self._build = build
        self._size = size
        self._entries: OrderedDict[tuple[int, float, float], tuple[bytes, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, t: FloatArray) -> T:
        """``build(t)``, computed once per distinct contents of ``t`` while cached."""
        raw = t.tobytes()  # exact match: equal bytes, equal array
        key = (int(t.size), float(t[0]), float(t[-1])) if t.size else (0, 0.0, 0.0)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == raw:
                self._entries.move_to_end(key)
                return hit[1]
        value = self._build(t)
        with self._lock:
            self._entries[key] = (raw, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value
