"""Input hygiene and aggregation: finite, time-sorted float arrays and group medians."""

from __future__ import annotations

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
    k = x.size // 2
    if x.size % 2:
        return float(np.partition(x, k)[k])
    part = np.partition(x, (k - 1, k))
    return 0.5 * (float(part[k - 1]) + float(part[k]))


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
        starts, counts, medians, _ = sorted_group_medians(keys, values)
        return keys[starts], medians, counts
    return _sorted_group_medians(keys, values)


def sorted_group_medians(
    keys: IntArray, values: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Group medians for ascending ``keys``: (starts, counts, medians, group of each value)."""
    n = keys.size
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    if starts.size == n:  # one value per key: the values are the medians
        return starts, np.ones(n, dtype=np.int64), values, starts
    counts = np.empty(starts.size, dtype=np.int64)
    counts[:-1] = starts[1:] - starts[:-1]
    counts[-1] = n - starts[-1]
    group = np.cumsum(change) - 1
    medians = _padded_medians(group, starts.take(group), counts, values)
    if medians is None:
        _, medians, _ = _sorted_group_medians(keys, values)
    return starts, counts, medians, group


def _padded_medians(
    group: IntArray, first: IntArray, counts: IntArray, values: FloatArray
) -> FloatArray | None:
    """Per-group medians from one NaN-padded (groups x largest group) sort.

    ``group`` numbers each value's group (0..G-1), ``first`` is the position of
    the first value of that group in ``values`` (values of a group contiguous).
    None when padding would waste too much (very unequal groups).
    """
    width = int(np.max(counts))
    if counts.size * width > 4 * values.size + 64:
        return None
    grid = np.full((counts.size, width), np.nan)
    grid[group, np.arange(values.size) - first] = values
    grid.sort(axis=1)  # NaN padding sorts last
    rows = np.arange(counts.size)
    return (grid[rows, (counts - 1) // 2] + grid[rows, counts // 2]) / 2.0


def slot_medians(
    slots: IntArray, values: FloatArray, n_slots: int
) -> tuple[FloatArray, IntArray]:
    """(median per slot 0..n_slots-1 (NaN where empty), count per slot); any order."""
    counts = np.bincount(slots, minlength=n_slots).astype(np.int64)
    order = np.argsort(slots, kind="stable")
    ss = slots[order]
    starts = np.cumsum(counts) - counts
    width = max(int(np.max(counts)), 1)
    grid = np.full((n_slots, width), np.nan)
    grid[ss, np.arange(ss.size) - starts[ss]] = values[order]
    grid.sort(axis=1)
    rows = np.arange(n_slots)
    lo = np.maximum(counts - 1, 0) // 2
    return (grid[rows, lo] + grid[rows, counts // 2]) / 2.0, counts


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
