"""Robust, season-aware linear trend: seasonal Theil–Sen on a bounded number of bins."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from concierge.insights.series import (
    DAY,
    HOUR,
    FloatArray,
    IntArray,
    as_series,
    bin_index,
    group_medians,
    median,
    slot_of_day,
)
from concierge.insights.stats import lag1_autocorrelation, robust_scale

MIN_POINTS = 8
MAX_BINS = 360  # Theil–Sen cost grows with bins squared
SEASON_MIN_SPAN = 3 * DAY  # a daily profile needs a few days to be estimated
SEASON_MAX_SLOT = 3 * HOUR
SEASON_MIN_PER_SLOT = 2
# Bin widths that divide a day (so bins map onto daily slots), then whole days.
_WIDTHS = (60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400)


@dataclass(frozen=True)
class Trend:
    """A straight line through the level of a series (daily seasonality removed)."""

    slope_per_day: float  # units per day
    intercept: float  # fitted level at t_ref
    t_ref: float  # epoch seconds (the last sample when fitted by robust_trend)
    residual_scale: float  # robust sigma of the raw points around trend + daily profile
    n: int  # finite points used
    slope_stderr: float = math.inf  # standard error of the slope, autocorrelation-aware
    span_days: float = 0.0  # time covered by the data (0 = unknown)
    seasonal_amplitude: float = 0.0  # peak-to-peak of the removed daily profile

    def value_at(self, t: float) -> float:
        return self.intercept + self.slope_per_day * (t - self.t_ref) / DAY

    @property
    def slope_z(self) -> float:
        """Slope in standard errors (inf for a noiseless non-flat line, 0 for a flat one)."""
        if self.slope_per_day == 0.0:
            return 0.0
        if self.slope_stderr <= 0.0:
            return math.inf
        return abs(self.slope_per_day) / self.slope_stderr


def robust_trend(t: npt.ArrayLike, v: npt.ArrayLike) -> Trend | None:
    """Theil–Sen trend of ``v`` over ``t`` (epoch seconds); NaN/inf ignored, order free.

    None with fewer than 8 finite points or a zero time span.  Long series are
    reduced to at most ``MAX_BINS`` UTC-aligned bin medians.  From three days of
    data on, the slope only compares like times of day (seasonal Sen slope) and
    the daily profile (median per time-of-day slot) is removed from the level.
    """
    ts, vs = as_series(t, v)
    return fit_trend(ts, vs)


def fit_trend(t: FloatArray, v: FloatArray) -> Trend | None:
    """``robust_trend`` for arrays already cleaned by ``as_series``."""
    if t.size < MIN_POINTS:
        return None
    span = float(t[-1] - t[0])
    if not span > 0.0:
        return None
    x, y, slot_width = _aggregate(t, v, span)
    if x.size < 3:
        return None
    t_ref = float(t[-1])
    xd = (x - t_ref) / DAY
    profile = np.zeros(1)
    amplitude = 0.0
    if slot_width > 0.0:
        slots = slot_of_day(x, slot_width)
        slope = seasonal_sen_slope(xd, y, slots)
        profile = _daily_profile(slots, y - slope * xd, round(DAY / slot_width))
        y = y - profile[slots]
        intercept = median(y - slope * xd)
        amplitude = float(np.max(profile) - np.min(profile))
    else:
        slope, intercept = theil_sen(xd, y)
    bin_resid = y - (intercept + slope * xd)
    raw_resid = v - (intercept + slope * (t - t_ref) / DAY)
    if slot_width > 0.0:
        raw_resid = raw_resid - profile[slot_of_day(t, slot_width)]
    return Trend(
        slope_per_day=slope,
        intercept=intercept,
        t_ref=t_ref,
        residual_scale=robust_scale(raw_resid),
        n=int(t.size),
        slope_stderr=_slope_stderr(xd, bin_resid),
        span_days=span / DAY,
        seasonal_amplitude=amplitude,
    )


def theil_sen(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """(slope, intercept at x=0): median pairwise slope, median offset; ``x`` ascending."""
    i, j = _pairs(int(x.size))
    dx = x[j] - x[i]
    ok = dx > 0.0
    if not bool(np.any(ok)):
        return 0.0, median(y)
    slope = median((y[j] - y[i])[ok] / dx[ok])
    return slope, median(y - slope * x)


@functools.lru_cache(maxsize=16)
def _pairs(n: int) -> tuple[IntArray, IntArray]:
    i, j = np.triu_indices(n, 1)
    return i.astype(np.int64), j.astype(np.int64)


def _aggregate(t: FloatArray, v: FloatArray, span: float) -> tuple[FloatArray, FloatArray, float]:
    """(times, values, daily slot width or 0): raw points if few, else bin medians."""
    seasonal = span >= SEASON_MIN_SPAN
    if t.size <= MAX_BINS:
        return t, v, (HOUR if seasonal else 0.0)
    width = float(next((w for w in _WIDTHS if span / w <= MAX_BINS), math.ceil(span / MAX_BINS)))
    bins = bin_index(t, width)
    _, medians, _ = group_medians(bins, v)
    starts = np.flatnonzero(np.concatenate(([True], bins[1:] != bins[:-1])))
    counts = np.diff(np.append(starts, t.size))
    times = np.add.reduceat(t, starts) / counts  # t is sorted, so bins are contiguous
    slot = max(width, HOUR)
    return times, medians, (slot if seasonal and slot <= SEASON_MAX_SLOT else 0.0)


def seasonal_sen_slope(x: FloatArray, y: FloatArray, slots: IntArray) -> float:
    """Median slope over pairs in the same time-of-day slot (seasonal Kendall–Sen).

    Comparing like hours only, the daily pattern cancels out of every pair.
    """
    order = np.argsort(slots, kind="stable")
    xs, ys, ss = x[order], y[order], slots[order]
    starts = np.flatnonzero(np.concatenate(([True], ss[1:] != ss[:-1])))
    sizes = np.diff(np.append(starts, ss.size))
    if bool(np.all(sizes == sizes[0])):  # every slot equally filled: one vectorised pass
        i, j = _pairs(int(sizes[0]))
        xg, yg = xs.reshape(sizes.size, -1), ys.reshape(sizes.size, -1)
        dx, dy = (xg[:, j] - xg[:, i]).ravel(), (yg[:, j] - yg[:, i]).ravel()
    else:
        dx_parts, dy_parts = [], []
        for a, n in zip(starts.tolist(), sizes.tolist(), strict=True):
            i, j = _pairs(n)
            dx_parts.append(xs[a : a + n][j] - xs[a : a + n][i])
            dy_parts.append(ys[a : a + n][j] - ys[a : a + n][i])
        dx, dy = np.concatenate(dx_parts), np.concatenate(dy_parts)
    ok = dx > 0.0
    if not bool(np.any(ok)):
        return theil_sen(x, y)[0]
    return median(dy[ok] / dx[ok])


def _daily_profile(slots: IntArray, level: FloatArray, n_slots: int) -> FloatArray:
    """Median detrended level per time-of-day slot, centred; 0 for thinly covered slots."""
    profile = np.zeros(n_slots)
    keys, medians, counts = group_medians(slots, level)
    good = counts >= SEASON_MIN_PER_SLOT
    if bool(np.any(good)):
        profile[keys[good]] = medians[good] - median(medians[good])
    return profile


def _slope_stderr(xd: FloatArray, resid: FloatArray) -> float:
    """Robust OLS-style slope error, inflated by lag-1 autocorrelation of the residuals."""
    n = xd.size
    sxx = float(np.sum((xd - np.mean(xd)) ** 2))
    if n < 3 or sxx <= 0.0:
        return math.inf
    scale = robust_scale(resid)
    centred = resid - median(resid)
    if scale > 0.0:
        centred = np.clip(centred, -3.0 * scale, 3.0 * scale)
    rho = lag1_autocorrelation(centred)
    n_eff = max(n * (1.0 - rho) / (1.0 + rho), 3.0)
    return scale / math.sqrt(sxx) * math.sqrt(n / n_eff)
