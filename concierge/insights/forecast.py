# SPDX-License-Identifier: Apache-2.0
"""When a trend reaches a threshold on the metric's bad side, and how sure that is."""

from __future__ import annotations

import math
from dataclasses import dataclass

from concierge.domain import BadDirection, MetricSpec
from concierge.insights.series import DAY
from concierge.insights.stats import saturate
from concierge.insights.trend import Trend

SIGNIFICANT_Z = 2.0  # slopes below this many standard errors earn no confidence
Z_SCALE = 3.0
EXTRAPOLATION_SCALE = 2.5  # lead time, in data spans, at which this factor is one half
POINTS_HALF = 20  # points at which the sample-size factor is one half


@dataclass(frozen=True)
class Crossing:
    threshold: float
    at: float | None  # epoch seconds; None if not within the horizon or moving away
    days: float | None  # days from ``now``; 0.0 when already beyond
    confidence: float  # 0..1


def forecast_crossing(
    trend: Trend,
    spec: MetricSpec,
    threshold: float,
    now: float,
    horizon_days: float = 60.0,
) -> Crossing:
    """Predicted time at which the trend level reaches ``threshold`` on the bad side.

    Confidence multiplies four factors in [0, 1]: slope significance (z of the
    slope), fit quality (correlation of the deseasonalised data with the line),
    extrapolation distance (lead time relative to the data span) and the number
    of points.  A level already beyond the threshold gives ``days == 0``
    with confidence from its margin in residual sigmas.
    """
    level = trend.value_at(now)
    points = trend.n / (trend.n + POINTS_HALF)
    if spec.reached(level, threshold):
        margin = abs(level - threshold)
        sigmas = margin / trend.residual_scale if trend.residual_scale > 0.0 else math.inf
        return Crossing(threshold, now, 0.0, points * (0.5 + 0.5 * saturate(sigmas, 1.0)))
    up = spec.bad_direction is BadDirection.UP
    toward_bad = trend.slope_per_day if up else -trend.slope_per_day
    if not (toward_bad > 0.0 and math.isfinite(toward_bad)):
        return Crossing(threshold, None, None, 0.0)
    days = abs(threshold - level) / toward_bad
    if days > horizon_days:
        return Crossing(threshold, None, None, 0.0)
    significance = saturate(trend.slope_z - SIGNIFICANT_Z, Z_SCALE)
    lead_days = days + max(now - trend.t_ref, 0.0) / DAY
    extrapolation = 1.0
    if trend.span_days > 0.0:
        extrapolation = 1.0 / (1.0 + (lead_days / (EXTRAPOLATION_SCALE * trend.span_days)) ** 2)
    confidence = significance * _fit_quality(trend) * extrapolation * points
    return Crossing(threshold, now + days * DAY, days, confidence)


def _fit_quality(trend: Trend) -> float:
    """|r| of a straight ramp over the span against the residual noise (1 if unknown)."""
    if trend.span_days <= 0.0 or trend.residual_scale <= 0.0:
        return 1.0
    ramp_variance = (trend.slope_per_day * trend.span_days) ** 2 / 12.0
    return math.sqrt(ramp_variance / (ramp_variance + trend.residual_scale**2))
