# SPDX-License-Identifier: Apache-2.0
"""Robust, season-aware linear trend: seasonal Theil–Sen on a bounded number of bins."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from concierge.insights.series import (
    DAY,
    HOUR,
    FloatArray,
    Groups,
    IntArray,
    TimeLayoutCache,
    as_series,
    bin_index,
    median,
    median_of_scratch,
    row_medians,
    slot_of_day,
)
from concierge.insights.stats import MAD_TO_SIGMA, lag1_autocorrelation, robust_scale

MIN_POINTS = 8
MAX_BINS = 360  # Theil–Sen cost grows with bins squared
SEASON_MIN_SPAN = 3 * DAY  # a daily profile needs a few days to be estimated
SEASON_MAX_SLOT = 3 * HOUR
SEASON_MIN_PER_SLOT = 2
BoolArray = npt.NDArray[np.bool_]
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
    """Points as rows of their occupied time-of-day slots (NaN-padded, time order in a row)."""

    n_slots: int
    rows: int  # occupied slots
    width: int  # points in the fullest slot
    order: IntArray  # point indices sorted by slot (stable: time order within a slot)
    cells: IntArray  # flat grid cell of each point in ``order``
    row_slot: IntArray  # slot of each row
    counts: IntArray  # points per row
    slot_counts: IntArray  # points per slot (0 .. n_slots - 1)
    full: bool  # every row holds ``width`` points (no padding)

    def place(self, values: FloatArray) -> FloatArray:
        """Flat grid cells (along the last axis) holding ``values``; NaN padding."""
        grid = np.full((*values.shape[:-1], self.rows * self.width), np.nan)
        grid[..., self.cells] = values[..., self.order]
        return grid


def slot_grid(slots: IntArray, n_slots: int) -> SlotGrid:
    slot_counts = np.bincount(slots, minlength=n_slots)
    row_slot = np.flatnonzero(slot_counts)
    row_of_slot = np.cumsum(slot_counts > 0) - 1
    order = np.argsort(slots, kind="stable")
    ss = slots[order]
    width = int(np.max(slot_counts))
    rank = np.arange(ss.size) - (np.cumsum(slot_counts) - slot_counts)[ss]
    rows = row_slot.size
    cells = row_of_slot[ss] * width + rank
    counts = slot_counts[row_slot]
    full = ss.size == rows * width
    return SlotGrid(n_slots, rows, width, order, cells, row_slot, counts, slot_counts, full)


@dataclass(frozen=True)
class _Layout:
    """Everything of a fit that depends on the timestamps only."""

    span: float
    t_ref: float
    dt: FloatArray  # t - t_ref, seconds
    bins: Groups | None  # aggregation bins (None: raw points used)
    xd: FloatArray  # bin (or point) times, days relative to t_ref
    sxx: float  # sum of squared deviations of xd from its mean
    slot_width: float  # 0 when not seasonal
    slots: IntArray  # daily slot of each bin (empty when not seasonal)
    point_slots: IntArray  # daily slot of each raw point (empty when not seasonal)
    grid: SlotGrid | None
    pair_i: IntArray  # flat grid cells of the same-slot pairs (earlier point)
    pair_j: IntArray  # (later point)
    dx: FloatArray  # time difference of every pair, days (NaN for padding)
    ok: BoolArray  # pairs with dx > 0
    dx_ok: FloatArray  # dx[ok]
    all_ok: bool


def _layout(t: FloatArray) -> _Layout | None:
    if t.size < MIN_POINTS:
        return None
    span = float(t[-1] - t[0])
    if not span > 0.0:
        return None
    t_ref = float(t[-1])
    seasonal = span >= SEASON_MIN_SPAN
    bins: Groups | None = None
    if t.size <= MAX_BINS:
        x, slot_width = t, (HOUR if seasonal else 0.0)
    else:
        width = float(
            next((w for w in _WIDTHS if span / w <= MAX_BINS), math.ceil(span / MAX_BINS))
        )
        bins = Groups.of(bin_index(t, width))  # t is sorted, so bins are contiguous
        x = np.add.reduceat(t, bins.starts) / bins.counts
        slot = max(width, HOUR)
        slot_width = slot if seasonal and slot <= SEASON_MAX_SLOT else 0.0
    if x.size < 3:
        return None
    xd = (x - t_ref) / DAY
    sxx = float(np.sum((xd - np.mean(xd)) ** 2))
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0)
    if slot_width <= 0.0:
        return _Layout(
            span, t_ref, t - t_ref, bins, xd, sxx, 0.0, empty_i, empty_i, None,
            empty_i, empty_i, empty_f, np.zeros(0, dtype=bool), empty_f, False,
        )  # fmt: skip
    slots = slot_of_day(x, slot_width)
    grid = slot_grid(slots, round(DAY / slot_width))
    fi, fj = _grid_pairs(grid.rows, grid.width)
    xg = xd.take(grid.order) if grid.full else grid.place(xd)
    dx = xg.take(fj) - xg.take(fi)
    ok = dx > 0.0  # False for NaN padding
    all_ok = grid.full and dx.size > 0 and bool(np.all(ok))  # no pairs: not all ok
    point_slots = slots if bins is None else slots.take(bins.group)
    return _Layout(
        span, t_ref, t - t_ref, bins, xd, sxx, slot_width, slots, point_slots, grid,
        fi, fj, dx, ok, dx if all_ok else dx[ok], all_ok,
    )  # fmt: skip


_LAYOUTS: TimeLayoutCache[_Layout | None] = TimeLayoutCache(_layout)


@dataclass(frozen=True)
class SlopeStage:
    """The first half of a fit: bin values and the robust slope."""

    layout: _Layout
    y: FloatArray  # bin medians (or raw values)
    slope: float
    intercept: float  # only meaningful when not seasonal


def slope_stage(t: FloatArray, v: FloatArray) -> SlopeStage | None:
    """Aggregation and slope of ``fit_trend``; None where ``fit_trend`` gives None."""
    lay = _LAYOUTS.get(t)
    if lay is None:
        return None
    y = v if lay.bins is None else lay.bins.medians(v)
    if lay.grid is None:
        slope, intercept = theil_sen(lay.xd, y)
        return SlopeStage(lay, y, slope, intercept)
    grid = lay.grid
    yg = y.take(grid.order) if grid.full else grid.place(y)
    dy = yg.take(lay.pair_j) - yg.take(lay.pair_i)
    if lay.all_ok:
        slope = median_of_scratch(dy / lay.dx)
    elif lay.dx_ok.size:
        slope = median_of_scratch(dy[lay.ok] / lay.dx_ok)
    else:
        slope = theil_sen(lay.xd, y)[0]
    return SlopeStage(lay, y, slope, 0.0)


@dataclass(frozen=True)
class LineFit:
    """The line of a fit (profile removed) and its slope error, without residual scale."""

    intercept: float
    profile: FloatArray  # per daily slot (a single zero when not seasonal)
    amplitude: float
    slope_stderr: float


def fit_line(stage: SlopeStage) -> LineFit:
    """Daily profile, intercept and slope error of a fit started by ``slope_stage``."""
    lay = stage.layout
    y, xd, slope, intercept = stage.y, lay.xd, stage.slope, stage.intercept
    profile = np.zeros(1)
    amplitude = 0.0
    if lay.grid is not None:
        profile = _grid_profiles(lay.grid, (y - slope * xd)[None, :])[0]
        y = y - profile.take(lay.slots)
        intercept = median_of_scratch(y - slope * xd)
        amplitude = float(np.max(profile) - np.min(profile))
    bin_resid = y - (intercept + slope * xd)
    return LineFit(intercept, profile, amplitude, _slope_stderr(xd, bin_resid, lay.sxx))


def finish_trend(
    stage: SlopeStage, t: FloatArray, v: FloatArray, line: LineFit | None = None
) -> Trend:
    """The ``Trend`` of a fit started by ``slope_stage`` (``line`` if already fitted)."""
    lay = stage.layout
    if line is None:
        line = fit_line(stage)
    slope, intercept = stage.slope, line.intercept
    raw_resid = v - (intercept + slope * lay.dt / DAY)
    if lay.grid is not None:
        raw_resid = raw_resid - line.profile.take(lay.point_slots)
    return Trend(
        slope_per_day=slope,
        intercept=intercept,
        t_ref=lay.t_ref,
        residual_scale=robust_scale(raw_resid),
        n=int(t.size),
        slope_stderr=line.slope_stderr,
        span_days=lay.span / DAY,
        seasonal_amplitude=line.amplitude,
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


def seasonal_sen_slope(x: FloatArray, y: FloatArray, slots: IntArray) -> float:
    """Median slope over pairs in the same time-of-day slot (seasonal Kendall–Sen).

    Comparing like hours only, the daily pattern cancels out of every pair.
    """
    return _grid_sen_slope(x, y, slot_grid(slots, int(np.max(slots)) + 1))


def _grid_sen_slope(x: FloatArray, y: FloatArray, grid: SlotGrid) -> float:
    """Seasonal Sen slope from a slot grid: all pairs of all slots in one pass.

    Padding cells are NaN, so they never form a pair (NaN > 0 is False).
    """
    fi, fj = _grid_pairs(grid.rows, grid.width)
    xg = x.take(grid.order) if grid.full else grid.place(x)
    yg = y.take(grid.order) if grid.full else grid.place(y)
    dx = xg.take(fj) - xg.take(fi)
    dy = yg.take(fj) - yg.take(fi)
    ok = dx > 0.0
    if grid.full and bool(np.all(ok)):
        return median(dy / dx)
    if not bool(np.any(ok)):
        return theil_sen(x, y)[0]
    return median(dy[ok] / dx[ok])


def grid_medians(grid: SlotGrid, values: FloatArray) -> FloatArray:
    """Median of ``values`` per slot of ``grid`` (NaN for an empty slot), along the last axis."""
    lead = values.shape[:-1]
    rows = grid.place(values).reshape(*lead, grid.rows, grid.width)
    rows.sort(axis=-1)  # NaN padding sorts last
    r, counts = np.arange(grid.rows), grid.counts
    medians = np.full((*lead, grid.n_slots), np.nan)
    lo, hi = rows[..., r, (counts - 1) // 2], rows[..., r, counts // 2]
    medians[..., grid.row_slot] = (lo + hi) / 2.0
    return medians


def _slope_stderr(xd: FloatArray, resid: FloatArray, sxx: float | None = None) -> float:
    """Robust OLS-style slope error, inflated by lag-1 autocorrelation of the residuals."""
    n = xd.size
    if sxx is None:
        sxx = float(np.sum((xd - np.mean(xd)) ** 2))
    if n < 3 or sxx <= 0.0:
        return math.inf
    centred = resid - median(resid)
    scale = MAD_TO_SIGMA * median_of_scratch(np.abs(centred))
    if scale > 0.0:
        centred = np.clip(centred, -3.0 * scale, 3.0 * scale)
    return _stderr_of(scale, centred, sxx)


# --- several series with the same times at once ----------------------------------


@dataclass(frozen=True)
class SlopeStages:
    """``slope_stage`` of the rows of ``y`` (series sharing one layout's times)."""

    layout: _Layout
    y: FloatArray  # one series per row
    slopes: FloatArray


def slope_stages(t: FloatArray, y: FloatArray) -> SlopeStages | None:
    """``slope_stage(t, row)`` of every row of ``y`` in a few array operations.

    Only for the common layout (raw points on a seasonal grid); None otherwise, and
    the caller fits row by row.  Equal, bit for bit, to the one-row results.
    """
    lay = _LAYOUTS.get(t)
    if lay is None or lay.bins is not None or lay.grid is None or not lay.dx_ok.size:
        return None
    yg = y[:, lay.grid.order] if lay.grid.full else lay.grid.place(y)
    dy = yg[:, lay.pair_j] - yg[:, lay.pair_i]
    slopes = row_medians(dy / lay.dx if lay.all_ok else dy[:, lay.ok] / lay.dx_ok)
    return SlopeStages(lay, y, slopes)


def fit_lines(stages: SlopeStages, rows: Sequence[int]) -> list[LineFit]:
    """``fit_line`` of some rows of ``stages``."""
    if not rows:
        return []
    lay = stages.layout
    assert lay.grid is not None
    y, xd = stages.y[rows], lay.xd
    slope = stages.slopes[rows][:, None]
    profile = _grid_profiles(lay.grid, y - slope * xd)
    y = y - profile[:, lay.slots]
    intercept = row_medians(y - slope * xd)
    amplitude = np.max(profile, axis=1) - np.min(profile, axis=1)
    resid = y - (intercept[:, None] + slope * xd)
    centred = resid - row_medians(resid)[:, None]
    scale = MAD_TO_SIGMA * row_medians(np.abs(centred))
    limit = np.where(scale > 0.0, 3.0 * scale, np.inf)[:, None]
    centred = np.clip(centred, -limit, limit)
    return [
        LineFit(
            float(intercept[i]),
            profile[i],
            float(amplitude[i]),
            _stderr_of(float(scale[i]), centred[i], lay.sxx),
        )
        for i in range(len(rows))
    ]


def finish_trends(
    stages: SlopeStages, t: FloatArray, rows: Sequence[int], lines: list[LineFit]
) -> list[Trend]:
    """``finish_trend`` of some rows of ``stages`` with their ``fit_lines``."""
    if not rows:
        return []
    lay = stages.layout
    slope = stages.slopes[rows][:, None]
    intercept = np.array([line.intercept for line in lines])[:, None]
    resid = stages.y[rows] - (intercept + slope * lay.dt / DAY)
    resid = resid - np.stack([line.profile for line in lines])[:, lay.point_slots]
    scale = MAD_TO_SIGMA * row_medians(np.abs(resid - row_medians(resid)[:, None]))
    return [
        Trend(
            slope_per_day=float(slope[i, 0]),
            intercept=line.intercept,
            t_ref=lay.t_ref,
            residual_scale=float(scale[i]) if t.size >= 2 else 0.0,
            n=int(t.size),
            slope_stderr=line.slope_stderr,
            span_days=lay.span / DAY,
            seasonal_amplitude=line.amplitude,
        )
        for i, line in enumerate(lines)
    ]


def _grid_profiles(grid: SlotGrid, level: FloatArray) -> FloatArray:
    """Per row of ``level``: the median detrended level per time-of-day slot, centred;
    0 for thinly covered slots."""
    profile = np.zeros((level.shape[0], grid.n_slots))
    rows = grid.place(level).reshape(level.shape[0], grid.rows, grid.width)
    rows.sort(axis=2)  # NaN padding sorts last
    counts = grid.counts
    good = counts >= SEASON_MIN_PER_SLOT
    if bool(np.any(good)):
        r = np.flatnonzero(good)
        c = counts[r]
        medians = (rows[:, r, (c - 1) // 2] + rows[:, r, c // 2]) / 2.0
        profile[:, grid.row_slot[r]] = medians - row_medians(medians)[:, None]
    return profile


def _stderr_of(scale: float, clipped: FloatArray, sxx: float) -> float:
    """``_slope_stderr`` from the residuals' scale and their clipped centred values."""
    n = clipped.size
    if n < 3 or sxx <= 0.0:
        return math.inf
    rho = lag1_autocorrelation(clipped)
    n_eff = max(n * (1.0 - rho) / (1.0 + rho), 3.0)
    return scale / math.sqrt(sxx) * math.sqrt(n / n_eff)
