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
    median,
    slot_of_day,
    sorted_group_medians,
)
from concierge.insights.stats import MAD_TO_SIGMA, lag1_autocorrelation, robust_scale

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
    stage = slope_stage(t, v)
    return None if stage is None else finish_trend(stage, t, v)


@dataclass(frozen=True)
class SlotGrid:
    """Points laid out as rows of time-of-day slots (NaN-padded, time order in a row)."""

    n_slots: int
    width: int  # points in the fullest slot
    order: IntArray  # point indices sorted by slot (stable: time order within a slot)
    cells: IntArray  # flat grid cell of each point in ``order``
    counts: IntArray  # points per slot
    full: bool  # every slot holds ``width`` points (no padding)

    def place(self, values: FloatArray) -> FloatArray:
        grid = np.full(self.n_slots * self.width, np.nan)
        grid[self.cells] = values[self.order]
        return grid


def slot_grid(slots: IntArray, n_slots: int) -> SlotGrid:
    counts = np.bincount(slots, minlength=n_slots)
    order = np.argsort(slots, kind="stable")
    ss = slots[order]
    width = int(np.max(counts))
    rank = np.arange(ss.size) - (np.cumsum(counts) - counts)[ss]
    full = ss.size == n_slots * width
    return SlotGrid(n_slots, width, order, ss * width + rank, counts, full)


@dataclass(frozen=True)
class SlopeStage:
    """The first half of a fit: bins, their daily slots and the robust slope."""

    x: FloatArray  # bin times (or raw times)
    y: FloatArray  # bin medians (or raw values)
    xd: FloatArray  # days relative to t_ref
    slot_width: float  # 0 when not seasonal
    slots: IntArray  # daily slot of each bin (empty when not seasonal)
    grid: SlotGrid | None
    point_bin: IntArray | None  # bin of each raw point (None when not aggregated)
    slope: float
    intercept: float  # only meaningful when not seasonal
    t_ref: float
    span: float


def slope_stage(t: FloatArray, v: FloatArray) -> SlopeStage | None:
    """Aggregation and slope of ``fit_trend``; None where ``fit_trend`` gives None."""
    if t.size < MIN_POINTS:
        return None
    span = float(t[-1] - t[0])
    if not span > 0.0:
        return None
    x, y, slot_width, point_bin = _aggregate(t, v, span)
    if x.size < 3:
        return None
    t_ref = float(t[-1])
    xd = (x - t_ref) / DAY
    grid = None
    if slot_width > 0.0:
        slots = slot_of_day(x, slot_width)
        grid = slot_grid(slots, round(DAY / slot_width))
        slope = _grid_sen_slope(xd, y, grid)
        intercept = 0.0
    else:
        slots = np.zeros(0, dtype=np.int64)
        slope, intercept = theil_sen(xd, y)
    return SlopeStage(x, y, xd, slot_width, slots, grid, point_bin, slope, intercept, t_ref, span)


def finish_trend(stage: SlopeStage, t: FloatArray, v: FloatArray) -> Trend:
    """Daily profile, intercept and errors of a fit started by ``slope_stage``."""
    y, xd, slope, intercept = stage.y, stage.xd, stage.slope, stage.intercept
    amplitude = 0.0
    t_ref = stage.t_ref
    if stage.grid is None:
        raw_resid = v - (intercept + slope * (t - t_ref) / DAY)
    else:
        slots = stage.slots
        profile = _grid_profile(stage.grid, y - slope * xd)
        y = y - profile[slots]
        intercept = median(y - slope * xd)
        amplitude = float(np.max(profile) - np.min(profile))
        raw_resid = v - (intercept + slope * (t - t_ref) / DAY)
        point_slots = slots if stage.point_bin is None else slots[stage.point_bin]
        raw_resid = raw_resid - profile[point_slots]
    bin_resid = y - (intercept + slope * xd)
    return Trend(
        slope_per_day=slope,
        intercept=intercept,
        t_ref=t_ref,
        residual_scale=robust_scale(raw_resid),
        n=int(t.size),
        slope_stderr=_slope_stderr(xd, bin_resid),
        span_days=stage.span / DAY,
        seasonal_amplitude=amplitude,
    )


def theil_sen(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """(slope, intercept at x=0): median pairwise slope, median offset; ``x`` ascending."""
    i, j = _pairs(int(x.size))
    dx = x.take(j) - x.take(i)
    ok = dx > 0.0
    if not bool(np.any(ok)):
        return 0.0, median(y)
    slope = median((y.take(j) - y.take(i))[ok] / dx[ok])
    return slope, median(y - slope * x)


@functools.lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[IntArray, IntArray]:
    i, j = np.triu_indices(n, 1)
    return i.astype(np.int64), j.astype(np.int64)


@functools.lru_cache(maxsize=64)
def _grid_pairs(rows: int, width: int) -> tuple[IntArray, IntArray]:
    """Flat cells (i, j), i before j, of every pair within a row of a rows x width grid."""
    i, j = _pairs(width)
    base = (np.arange(rows, dtype=np.int64) * width)[:, None]
    return (base + i).ravel(), (base + j).ravel()


def _aggregate(
    t: FloatArray, v: FloatArray, span: float
) -> tuple[FloatArray, FloatArray, float, IntArray | None]:
    """(times, values, daily slot width or 0, bin of each point): raw points if few."""
    seasonal = span >= SEASON_MIN_SPAN
    if t.size <= MAX_BINS:
        return t, v, (HOUR if seasonal else 0.0), None
    width = float(next((w for w in _WIDTHS if span / w <= MAX_BINS), math.ceil(span / MAX_BINS)))
    bins = bin_index(t, width)
    starts, counts, medians, point_bin = sorted_group_medians(bins, v)
    times = np.add.reduceat(t, starts) / counts  # t is sorted, so bins are contiguous
    slot = max(width, HOUR)
    return times, medians, (slot if seasonal and slot <= SEASON_MAX_SLOT else 0.0), point_bin


def seasonal_sen_slope(x: FloatArray, y: FloatArray, slots: IntArray) -> float:
    """Median slope over pairs in the same time-of-day slot (seasonal Kendall–Sen).

    Comparing like hours only, the daily pattern cancels out of every pair.
    """
    return _grid_sen_slope(x, y, slot_grid(slots, int(np.max(slots)) + 1))


def _grid_sen_slope(x: FloatArray, y: FloatArray, grid: SlotGrid) -> float:
    """Seasonal Sen slope from a slot grid: all pairs of all slots in one pass.

    Padding cells are NaN, so they never form a pair (NaN > 0 is False).
    """
    fi, fj = _grid_pairs(grid.n_slots, grid.width)
    xg = grid.place(x)
    yg = grid.place(y)
    dx = xg.take(fj) - xg.take(fi)
    dy = yg.take(fj) - yg.take(fi)
    ok = dx > 0.0
    if grid.full and bool(np.all(ok)):
        return median(dy / dx)
    if not bool(np.any(ok)):
        return theil_sen(x, y)[0]
    return median(dy[ok] / dx[ok])


def _grid_profile(grid: SlotGrid, level: FloatArray) -> FloatArray:
    """Median detrended level per time-of-day slot, centred; 0 for thinly covered slots."""
    profile = np.zeros(grid.n_slots)
    rows = grid.place(level).reshape(grid.n_slots, grid.width)
    rows.sort(axis=1)  # NaN padding sorts last
    counts = grid.counts
    good = counts >= SEASON_MIN_PER_SLOT
    if bool(np.any(good)):
        r = np.flatnonzero(good)
        c = counts[r]
        medians = (rows[r, (c - 1) // 2] + rows[r, c // 2]) / 2.0
        profile[r] = medians - median(medians)
    return profile


def _daily_profile(slots: IntArray, level: FloatArray, n_slots: int) -> FloatArray:
    """Median detrended level per time-of-day slot, centred; 0 for thinly covered slots."""
    return _grid_profile(slot_grid(slots, n_slots), level)


def _slope_stderr(xd: FloatArray, resid: FloatArray) -> float:
    """Robust OLS-style slope error, inflated by lag-1 autocorrelation of the residuals."""
    n = xd.size
    sxx = float(np.sum((xd - np.mean(xd)) ** 2))
    if n < 3 or sxx <= 0.0:
        return math.inf
    centred = resid - median(resid)
    scale = MAD_TO_SIGMA * median(np.abs(centred)) if n >= 2 else 0.0
    if scale > 0.0:
        centred = np.clip(centred, -3.0 * scale, 3.0 * scale)
    rho = lag1_autocorrelation(centred)
    n_eff = max(n * (1.0 - rho) / (1.0 + rho), 3.0)
    return scale / math.sqrt(sxx) * math.sqrt(n / n_eff)
