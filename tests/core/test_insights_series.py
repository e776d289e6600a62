"""Vectorised building blocks agree exactly with the plain numpy definitions."""

from __future__ import annotations

import numpy as np
import pytest

from concierge.insights.series import (
    FloatArray,
    TimeLayoutCache,
    group_medians,
    median,
    percentile,
)
from concierge.insights.trend import seasonal_sen_slope, theil_sen


def brute_group_medians(keys: np.ndarray, values: FloatArray) -> dict[int, float]:
    return {int(k): float(np.median(values[keys == k])) for k in np.unique(keys)}


@pytest.mark.parametrize("seed", range(12))
def test_group_medians_match_np_median_per_group(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    if seed % 3 == 0:  # regular: equal groups with partial first and last
        keys = (np.arange(n) + int(rng.integers(0, 7))) // 7
    elif seed % 3 == 1:  # sorted, irregular (one huge group among small ones)
        keys = np.sort(rng.integers(0, 5, n) ** 3)
    else:  # any order
        keys = rng.integers(0, 30, n)
    keys = keys.astype(np.int64)
    values = rng.normal(size=n).round(int(rng.integers(0, 3)))  # ties too
    got_keys, got, counts = group_medians(keys, values)
    want = brute_group_medians(keys, values)
    assert got_keys.tolist() == sorted(want)
    assert got.tolist() == [want[int(k)] for k in got_keys]
    assert counts.tolist() == [int(np.sum(keys == k)) for k in got_keys]


@pytest.mark.parametrize("q", [5.0, 25.0, 50.0, 90.0, 95.0])
def test_percentile_and_median_match_numpy(q: float) -> None:
    rng = np.random.default_rng(int(q))
    for n in (1, 2, 3, 10, 57, 720):
        x = rng.normal(size=n) * 40.0
        assert percentile(x, q) == float(np.percentile(x, q))
        assert median(x) == float(np.median(x))


def test_seasonal_sen_slope_is_the_median_of_same_slot_pairs() -> None:
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0.0, 20.0, 150))
    y = 0.3 * x + rng.normal(size=x.size)
    slots = rng.integers(0, 6, x.size).astype(np.int64)  # unequal slot sizes
    slopes = [
        (y[j] - y[i]) / (x[j] - x[i])
        for i in range(x.size)
        for j in range(i + 1, x.size)
        if slots[i] == slots[j] and x[j] > x[i]
    ]
    assert seasonal_sen_slope(x, y, slots) == float(np.median(slopes))
    pairs = [(y[j] - y[i]) / (x[j] - x[i]) for i in range(40) for j in range(i + 1, 40)]
    assert theil_sen(x[:40], y[:40])[0] == float(np.median(pairs))


def test_time_layout_cache_reuses_only_for_equal_timestamps() -> None:
    calls: list[int] = []

    def build(t: FloatArray) -> float:
        calls.append(t.size)
        return float(np.sum(t))

    cache: TimeLayoutCache[float] = TimeLayoutCache(build, size=2)
    t = np.arange(10.0)
    assert cache.get(t) == 45.0
    assert cache.get(t.copy()) == 45.0
    assert len(calls) == 1
    other = t.copy()
    other[5] = 5.5  # same size, first and last: must not be mistaken for ``t``
    assert cache.get(other) == 45.5
    assert len(calls) == 2
    for k in range(5):  # bounded
        cache.get(np.arange(float(k + 20)))
    assert len(cache._entries) == 2
