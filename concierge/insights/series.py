"""Input hygiene and aggregation: finite, time-sorted float arrays and group medians."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MINUTE = 60.0
HOUR = 3_600.0
DAY = 86_400.0

_MAX_ODD_GROUPS = 4


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


def group_medians(keys: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray, IntArray]:
    """Median of ``values`` per distinct key: (keys ascending, medians, counts)."""
    if keys.size == 0:
        return keys, values, np.zeros(0, dtype=np.int64)
    if bool(np.all(keys[1:] >= keys[:-1])):
        fast = _regular_group_medians(keys, values)
        if fast is not None:
            return fast
    order = np.argsort(_group_sort_key(keys, values), kind="stable")
    k = keys[order]
    x = values[order]
    starts = _starts(k)
    counts = np.diff(np.append(starts, k.size)).astype(np.int64)
    lo = x[starts + (counts - 1) // 2]
    hi = x[starts + counts // 2]
    return k[starts], (lo + hi) / 2.0, counts


def _regular_group_medians(
    keys: IntArray, values: FloatArray
) -> tuple[IntArray, FloatArray, IntArray] | None:
    """Sorted keys, regular sampling: one vectorised median over the equal-sized groups.

    None unless the groups of the most common size form one run with at most a
    few odd-sized groups around it (typically the partial first and last bins).
    """
    starts = _starts(keys)
    counts = np.diff(np.append(starts, keys.size)).astype(np.int64)
    size = int(np.max(counts))
    full = np.flatnonzero(counts == size)
    first, last = int(full[0]), int(full[-1])
    if last - first + 1 != full.size or counts.size - full.size > _MAX_ODD_GROUPS:
        return None
    medians = np.empty(counts.size)
    a, b = int(starts[first]), int(starts[last]) + size
    rows = np.sort(values[a:b].reshape(-1, size), axis=1)  # faster than np.median(axis=1)
    medians[first : last + 1] = (rows[:, (size - 1) // 2] + rows[:, size // 2]) / 2.0
    for g in (*range(first), *range(last + 1, counts.size)):
        group = np.sort(values[starts[g] : starts[g] + counts[g]])
        medians[g] = (group[(group.size - 1) // 2] + group[group.size // 2]) / 2.0
    return keys[starts], medians, counts


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
