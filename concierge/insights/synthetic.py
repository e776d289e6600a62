# SPDX-License-Identifier: Apache-2.0
"""Seeded synthetic telemetry for tests, benchmarks and demos (deterministic)."""

from __future__ import annotations

import numpy as np

from concierge.domain import MetricSpec
from concierge.insights.series import DAY, FloatArray

DEFAULT_END = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def synthetic_series(
    *,
    level: float,
    days: float = 30.0,
    step_s: float = 300.0,
    end: float = DEFAULT_END,
    daily_amplitude: float = 0.0,
    weekly_amplitude: float = 0.0,
    noise: float = 1.0,
    wander: float = 0.0,
    slope_per_day: float = 0.0,
    drift_days: float | None = None,
    seed: int = 0,
) -> tuple[FloatArray, FloatArray]:
    """(t, v): level + daily/weekly seasonality + noise + AR(1) wander + linear drift.

    The drift applies over the last ``drift_days`` (all of it when None) and is
    zero before; ``wander`` is the stationary sigma of a slow AR(1) component
    (correlation time about six hours).
    """
    rng = np.random.default_rng(seed)
    t = end - np.arange(int(days * DAY / step_s), 0, -1, dtype=np.float64) * step_s + step_s
    phase = rng.uniform(0.0, 2.0 * np.pi)
    v = level + daily_amplitude * np.sin(2.0 * np.pi * t / DAY + phase)
    v += weekly_amplitude * np.sin(2.0 * np.pi * t / (7.0 * DAY) + rng.uniform(0.0, 2.0 * np.pi))
    v += rng.normal(0.0, noise, t.size) if noise > 0.0 else 0.0
    if wander > 0.0:
        v += _ar1(rng, t.size, wander, step_s / (6.0 * 3600.0))
    start = t[0] if drift_days is None else end - drift_days * DAY
    v += slope_per_day * np.clip(t - start, 0.0, None) / DAY
    return t, v


def healthy_series(
    spec: MetricSpec, *, seed: int, days: float = 30.0, step_s: float = 300.0
) -> tuple[FloatArray, FloatArray]:
    """A plausible healthy gauge: inside its normal range, seasonal, noisy, no drift."""
    rng = np.random.default_rng(seed)
    low, high = spec.normal_low, spec.normal_high
    width = high - low
    return synthetic_series(
        level=float(rng.uniform(low + 0.3 * width, high - 0.3 * width)),
        days=days,
        step_s=step_s,
        daily_amplitude=float(rng.uniform(0.0, 0.15 * width)),
        weekly_amplitude=float(rng.uniform(0.0, 0.05 * width)),
        noise=float(rng.uniform(0.01, 0.06) * width),
        wander=float(rng.uniform(0.0, 0.03) * width),
        seed=int(rng.integers(0, 2**31)),
    )


def _ar1(rng: np.random.Generator, n: int, sigma: float, step_over_tau: float) -> FloatArray:
    phi = float(np.exp(-step_over_tau))
    innovations = rng.normal(0.0, sigma * np.sqrt(1.0 - phi * phi), n)
    out = np.empty(n)
    acc = rng.normal(0.0, sigma)
    for i in range(n):  # short loop; tests and demos only
        acc = phi * acc + innovations[i]
        out[i] = acc
    return out
