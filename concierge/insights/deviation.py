# SPDX-License-Identifier: Apache-2.0
"""DEVIATION findings: level shift, spikes or noise growth against the asset's own baseline.

The last ``RECENT_DAYS`` are compared with everything before.  Values are first
deseasonalised with the baseline's hour-of-day profile (like hours are compared
with like hours).  Changes must be statistically clear *and* material: at least
``MATERIAL_SHARE`` of the headroom between the baseline level and the warning
threshold, so a tiny but clean change never sends a technician out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from concierge.domain import BadDirection, InsightKind, MetricSpec, Severity
from concierge.insights.finding import Evidence, Finding, make_finding
from concierge.insights.series import (
    DAY,
    HOUR,
    FloatArray,
    Groups,
    IntArray,
    TimeLayoutCache,
    bin_index,
    group_medians,
    median,
    percentile,
    row_medians,
    row_percentiles,
)
from concierge.insights.stats import MAD_TO_SIGMA, robust_scale, saturate
from concierge.insights.text import (
    fmt_date,
    fmt_number,
    fmt_span,
    noise_headline,
    shift_headline,
    spikes_headline,
    with_unit,
)
from concierge.insights.trend import SlotGrid, Trend, grid_medians, slot_grid

BoolArray = npt.NDArray[np.bool_]

RECENT_DAYS = 2.0
MIN_BASELINE_DAYS = 2.0
SEASON_MIN_BASELINE_DAYS = 3.0
MIN_BASELINE_POINTS = 48
MIN_RECENT_POINTS = 12
MATERIAL_SHARE = 0.2
LEVEL_Z = 4.0
TREND_Z = 3.0  # a trend this significant explains part of a level change
SPIKE_K = 4.0
SPIKE_MIN_EVENTS = 4
SPIKE_MIN_RATIO = 3.0
SPIKE_MAX_SHARE = 0.1  # more than this beyond the spike level is not a spike pattern
SPIKE_LOG_P = math.log(1e-6)
NOISE_RATIO = 2.0
NOISE_MIN_POINTS = 30
LOCAL_POINTS = 8  # a local level is the median of at least this many points (when possible)
_LOCAL_WIDTHS = (HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR, DAY)


@dataclass(frozen=True)
class Windows:
    """The baseline (``[:split]``) and recent (``[split:]``) windows of one series."""

    t: FloatArray
    d: FloatArray  # values minus the baseline's hour-of-day profile
    split: int  # first index of the recent window
    v_base: FloatArray  # raw values
    v_recent: FloatArray
    base_level: float  # raw medians
    recent_level: float
    jitter: FloatArray  # ``d`` minus its local (few-hour) median: short-term variation
    center: float  # deseasonalised baseline median
    sigma: float  # robust sigma of baseline points
    sigma_days: float  # robust sigma of baseline daily medians
    jitter_sigma: float  # robust sigma of baseline jitter
    jitter_p90: float  # 90th percentile of the baseline's daily jitter sigmas
    headroom: float  # baseline level to warning, on the bad side
    sign: float  # +1 when up is bad
    gap_days: float  # days between the medians of recent and baseline times

    @property
    def base_days(self) -> float:
        return max(float(self.t[self.split - 1] - self.t[0]) / DAY, 1.0 / 24.0)

    @property
    def recent_days(self) -> float:
        return max(float(self.t[-1] - self.t[self.split]) / DAY, 1.0 / 24.0)

    @property
    def data_factor(self) -> float:
        n_recent = self.t.size - self.split
        return n_recent / (n_recent + 10.0) * math.sqrt(min(1.0, self.base_days / 7.0))


def deviation_finding(
    asset_id: str, spec: MetricSpec, w: Windows | None, trend: Trend | None
) -> Finding | None:
    """The clearest deviation of the recent window (level > noise > spikes), or None.

    ``w``: the series' ``deviation_windows``.  ``trend`` is the full-window trend: a
    significant one explains its share of a level change, so a steady drift is reported
    as a TREND, not as a shift.
    """
    if w is None:
        return None
    return (
        _level_shift(asset_id, spec, w, trend)
        or _noise_growth(asset_id, spec, w)
        or _spikes(asset_id, spec, w)
    )


@dataclass(frozen=True)
class _Layout:
    """Everything of ``_windows`` that depends on the timestamps only."""

    split: int
    by_hour: Groups  # points grouped by UTC hour
    base_hours: SlotGrid | None  # baseline hours by hour of day (None: no profile)
    point_hour: IntArray  # UTC hour of day of every point
    by_local: Groups | None  # local-level bins (None: the hours themselves)
    by_day: Groups  # baseline points grouped by UTC day
    full_days: BoolArray | None  # well-covered baseline days (None: fewer than 3)
    gap_days: float  # days between the medians of recent and baseline times


def _layout(t: FloatArray) -> _Layout | None:
    if t.size < MIN_BASELINE_POINTS + MIN_RECENT_POINTS:
        return None
    span = float(t[-1] - t[0])
    split = int(np.searchsorted(t, t[-1] - min(RECENT_DAYS * DAY, span / 4.0)))
    if split < MIN_BASELINE_POINTS or t.size - split < MIN_RECENT_POINTS:
        return None
    if float(t[split - 1] - t[0]) < MIN_BASELINE_DAYS * DAY:
        return None
    hours = bin_index(t, HOUR)
    by_hour = Groups.of(hours)
    base_hours = None
    if float(t[split - 1] - t[0]) >= SEASON_MIN_BASELINE_DAYS * DAY:
        n_base = int(by_hour.group[split])  # hours before the recent window's first hour
        base_hours = slot_grid(hours.take(by_hour.starts[:n_base]) % 24, 24)
    step = median(np.diff(t)) if t.size > 1 else HOUR
    width = next((w for w in _LOCAL_WIDTHS if w >= LOCAL_POINTS * step), DAY)
    by_local = None if width == HOUR else Groups.of(bin_index(t, width))
    by_day = Groups.of(bin_index(t[:split], DAY))
    full: BoolArray = by_day.counts >= 0.5 * float(np.max(by_day.counts))
    full_days = full if int(np.sum(full)) >= 3 else None
    gap_days = (median(t[split:]) - median(t[:split])) / DAY
    return _Layout(split, by_hour, base_hours, hours % 24, by_local, by_day, full_days, gap_days)


_LAYOUTS: TimeLayoutCache[_Layout | None] = TimeLayoutCache(_layout)


def deviation_windows(
    t: FloatArray, v: FloatArray, specs: Sequence[MetricSpec]
) -> list[Windows | None]:
    """Baseline and recent windows of every row of ``v`` (series sharing the times ``t``)."""
    lay = _LAYOUTS.get(t)
    if lay is None:
        return [None] * len(specs)
    split = lay.split
    profile, local = _profile_and_local_level(lay, v)
    d = v - profile
    d_base = d[:, :split]
    jitter = d - local
    center = row_medians(d_base)
    sigma_days, jitter_p90 = _daily_variation(lay, d_base, jitter[:, :split])
    base_level, recent_level = row_medians(v[:, :split]), row_medians(v[:, split:])
    mad = MAD_TO_SIGMA * row_medians(np.abs(d_base - center[:, None]))
    jitter_scale = _row_scales(jitter[:, :split])
    out: list[Windows | None] = []
    for i, spec in enumerate(specs):
        c = float(center[i])
        floor = max(0.01 * abs(spec.critical - spec.warning), 1e-9 * max(1.0, abs(c)))
        sign = 1.0 if spec.bad_direction is BadDirection.UP else -1.0
        base = float(base_level[i])
        headroom = max(sign * (spec.warning - base), 0.25 * abs(spec.critical - spec.warning))
        out.append(
            Windows(
                t=t,
                d=d[i],
                split=split,
                v_base=v[i, :split],
                v_recent=v[i, split:],
                base_level=base,
                recent_level=float(recent_level[i]),
                jitter=jitter[i],
                center=c,
                sigma=max(float(mad[i]), floor),
                sigma_days=float(sigma_days[i]),
                jitter_sigma=max(float(jitter_scale[i]), floor),
                jitter_p90=float(jitter_p90[i]),
                headroom=headroom,
                sign=sign,
                gap_days=lay.gap_days,
            )
        )
    return out


def _profile_and_local_level(lay: _Layout, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per point (of every row): the baseline's offset for its UTC hour, and its local
    deseasonalised level.

    The profile is the median, per hour of day, of the baseline's hourly medians
    (zero when the baseline is under three days).  The local level is the
    median of the point's bin: an hour, or wider for sparse data.
    """
    by_hour = lay.by_hour
    medians = by_hour.medians(v)
    profile = np.zeros((v.shape[0], 24))
    if lay.base_hours is not None:
        grid = lay.base_hours
        hourly = grid_medians(grid, medians[:, : grid.order.size])
        good = grid.slot_counts >= 3
        if bool(np.any(good)):
            profile[:, good] = hourly[:, good] - row_medians(hourly[:, good])[:, None]
    point_profile = profile[:, lay.point_hour]
    if lay.by_local is None:
        local = (v if medians is v else medians[:, by_hour.group]) - point_profile
    else:
        local = lay.by_local.medians(v - point_profile)[:, lay.by_local.group]
    return point_profile, local


def _daily_variation(
    lay: _Layout, d: FloatArray, jitter: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(robust sigma of daily medians, 90th percentile of daily jitter sigmas), baseline."""
    full = lay.full_days
    if full is None:
        return np.zeros(d.shape[0]), np.zeros(d.shape[0])
    medians = lay.by_day.medians(d)
    mads = lay.by_day.medians(np.abs(jitter))
    return _row_scales(medians[:, full]), row_percentiles(MAD_TO_SIGMA * mads[:, full], 90.0)


def _row_scales(x: FloatArray) -> FloatArray:
    """``robust_scale`` of every row."""
    if x.shape[1] < 2:
        return np.zeros(x.shape[0])
    return MAD_TO_SIGMA * row_medians(np.abs(x - row_medians(x)[:, None]))


def _level_shift(
    asset_id: str, spec: MetricSpec, w: Windows, trend: Trend | None
) -> Finding | None:
    shift = median(w.d[w.split :]) - w.center
    explained = 0.0
    if trend is not None and trend.slope_z >= TREND_Z:
        explained = trend.slope_per_day * w.gap_days
    bad = w.sign * (shift - explained)
    z = bad / max(w.sigma, w.sigma_days)
    if z < LEVEL_Z or bad < MATERIAL_SHARE * w.headroom:
        return None
    before, after = w.base_level, w.recent_level
    changed_at = _change_time(w)
    confidence = round(w.data_factor * (0.5 + 0.5 * saturate(z - LEVEL_Z, 4.0)), 2)
    verb = "rose" if shift > 0 else "dropped"
    unit = spec.unit
    return make_finding(
        asset_id=asset_id,
        metric=spec.key,
        kind=InsightKind.DEVIATION,
        severity=_level_severity(spec, after),
        confidence=confidence,
        predicted_impact_at=None,
        evidence=_evidence(spec, w, "level_shift") | {"sigma": z, "changed_at": changed_at},
        explanation=(
            f"{spec.label} {verb} from {with_unit(before, unit)} to {with_unit(after, unit)} "
            f"(level shift, {z:.1f}σ) since {fmt_date(changed_at, float(w.t[-1]))}"
        ),
        headline=shift_headline(
            spec, shift > 0, abs(after - before), changed_at, float(w.t[-1])
        ),
    )


def _spikes(asset_id: str, spec: MetricSpec, w: Windows) -> Finding | None:
    distance = max(SPIKE_K * w.jitter_sigma, MATERIAL_SHARE * w.headroom)
    beyond = w.sign * w.jitter > distance
    recent = beyond[w.split :]
    if float(np.mean(recent)) > SPIKE_MAX_SHARE:
        return None
    events = _events(recent)
    base_rate = max(_events(beyond[: w.split]), 0.5) / w.base_days
    expected = base_rate * w.recent_days
    if events < SPIKE_MIN_EVENTS or events < SPIKE_MIN_RATIO * expected:
        return None
    log_p = events - expected - events * math.log(events / expected)  # Chernoff bound
    if log_p > SPIKE_LOG_P:
        return None
    worst = w.v_recent[recent]
    worst_value = float(np.max(worst) if w.sign > 0 else np.min(worst))
    spike_level = w.recent_level + w.sign * distance
    severity = Severity.WARNING if spec.reached(worst_value, spec.warning) else Severity.INFO
    confidence = round(w.data_factor * (0.5 + 0.5 * saturate(SPIKE_LOG_P - log_p, 10.0)), 2)
    side = "above" if w.sign > 0 else "below"
    rate = events / w.recent_days
    return make_finding(
        asset_id=asset_id,
        metric=spec.key,
        kind=InsightKind.DEVIATION,
        severity=severity,
        confidence=confidence,
        predicted_impact_at=None,
        evidence=_evidence(spec, w, "spikes")
        | {
            "spike_count": float(events),
            "spike_rate_per_day": rate,
            "baseline_spike_rate_per_day": base_rate,
            "spike_level": spike_level,
            "spike_worst": worst_value,
        },
        explanation=(
            f"{spec.label}: {events} spikes {side} {with_unit(spike_level, spec.unit)} in "
            f"{fmt_span(w.recent_days)} ({fmt_number(rate)}/day vs "
            f"{fmt_number(base_rate)}/day before), worst {with_unit(worst_value, spec.unit)}"
        ),
        headline=spikes_headline(spec, events, w.recent_days),
    )


def _noise_growth(asset_id: str, spec: MetricSpec, w: Windows) -> Finding | None:
    if w.t.size - w.split < NOISE_MIN_POINTS:
        return None
    spread = robust_scale(w.jitter[w.split :])
    reference = max(w.jitter_sigma, w.jitter_p90)
    ratio = spread / reference
    if ratio < NOISE_RATIO or 3.0 * spread < MATERIAL_SHARE * w.headroom:
        return None
    tail = percentile(w.v_recent, 95.0 if w.sign > 0 else 5.0)
    severity = Severity.WARNING if spec.reached(tail, spec.warning) else Severity.INFO
    confidence = round(w.data_factor * (0.5 + 0.5 * saturate(ratio - NOISE_RATIO, 2.0)), 2)
    return make_finding(
        asset_id=asset_id,
        metric=spec.key,
        kind=InsightKind.DEVIATION,
        severity=severity,
        confidence=confidence,
        predicted_impact_at=None,
        evidence=_evidence(spec, w, "noise_growth") | {"noise_ratio": ratio},
        explanation=(
            f"{spec.label} noise up {ratio:.1f}× over {fmt_span(w.recent_days)} "
            f"(spread {with_unit(spread, spec.unit)} vs {with_unit(reference, spec.unit)} before)"
        ),
        headline=noise_headline(spec, ratio),
    )


def _events(beyond: BoolArray) -> int:
    """Number of runs of consecutive True values."""
    if beyond.size == 0:
        return 0
    return int(beyond[0]) + int(np.sum(beyond[1:] & ~beyond[:-1]))


def _change_time(w: Windows) -> float:
    """Most likely step time (CUSUM maximum over hourly medians, winsorised)."""
    keys, medians, _ = group_medians(bin_index(w.t, HOUR), w.d)
    if keys.size < 2:
        return float(w.t[w.split])
    limit = 6.0 * max(w.sigma, w.sigma_days)
    y = np.clip(medians, w.center - limit, w.center + limit)
    m = y.size
    k = np.arange(1, m)
    csum = np.cumsum(y)
    left = csum[:-1] / k
    right = (csum[-1] - csum[:-1]) / (m - k)
    stat = w.sign * (right - left) * np.sqrt(k * (m - k) / m)
    best = int(np.argmax(stat)) + 1
    return float(keys[best]) * HOUR


def _level_severity(spec: MetricSpec, level: float) -> Severity:
    """Critical/warning by threshold; warning outside the normal range; info otherwise."""
    threshold_severity = spec.severity_of(level)
    if threshold_severity is not None:
        return threshold_severity
    up = spec.bad_direction is BadDirection.UP
    outside_normal = level > spec.normal_high if up else level < spec.normal_low
    return Severity.WARNING if outside_normal else Severity.INFO


def _evidence(spec: MetricSpec, w: Windows, deviation: str) -> Evidence:
    return {
        "deviation": deviation,
        "baseline_mean": w.base_level,
        "baseline_std": w.sigma,
        "recent_mean": w.recent_level,
        "recent_std": robust_scale(w.d[w.split :]),
        "window_start": float(w.t[w.split]),
        "window_end": float(w.t[-1]),
        "unit": spec.unit,
    }
