# SPDX-License-Identifier: Apache-2.0
"""Plain and robust descriptive statistics (NaN-safe)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from concierge.insights.series import FloatArray, as_series, median, median_of_scratch

MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its sigma


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    median: float
    p05: float
    p95: float
    minimum: float
    maximum: float
    std: float  # population standard deviation (ddof=0)


def summarize(
    t: npt.ArrayLike,
    v: npt.ArrayLike,
    start: float | None = None,
    end: float | None = None,
) -> Summary | None:
    """Summary of the finite values with ``start <= t <= end``; None when there are none."""
    ts, vs = as_series(t, v)
    keep = np.ones(ts.size, dtype=bool)
    if start is not None:
        keep &= ts >= start
    if end is not None:
        keep &= ts <= end
    x = vs[keep]
    if x.size == 0:
        return None
    p05, median, p95 = (float(q) for q in np.percentile(x, [5.0, 50.0, 95.0]))
    return Summary(
        n=int(x.size),
        mean=float(np.mean(x)),
        median=median,
        p05=p05,
        p95=p95,
        minimum=float(np.min(x)),
        maximum=float(np.max(x)),
        std=float(np.std(x)),
    )


def robust_scale(x: FloatArray) -> float:
    """Sigma estimated from the median absolute deviation; 0.0 for fewer than 2 values."""
    if x.size < 2:
        return 0.0
    return MAD_TO_SIGMA * median_of_scratch(np.abs(x - median(x)))


def lag1_autocorrelation(r: FloatArray) -> float:
    """Lag-1 autocorrelation of residuals ``r`` (assumed centred), clipped to [0, 0.98]."""
    if r.size < 3:
        return 0.0
    denom = float(np.dot(r, r))
    if denom <= 0.0:
        return 0.0
    rho = float(np.dot(r[1:], r[:-1])) / denom
    return min(max(rho, 0.0), 0.98)


def saturate(x: float, scale: float) -> float:
    """0 at x <= 0, rising smoothly towards 1 (1 - exp(-x/scale))."""
    if not x > 0.0:
        return 0.0
    if math.isinf(x):
        return 1.0
    return 1.0 - math.exp(-x / scale)
