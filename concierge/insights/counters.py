# SPDX-License-Identifier: Apache-2.0
"""COUNTER findings: a cumulative usage counter nearing its service limit."""

from __future__ import annotations

import math

import numpy as np

from concierge.domain import InsightKind, MetricSpec, Severity
from concierge.insights.finding import Finding, make_finding
from concierge.insights.series import DAY, FloatArray, median
from concierge.insights.text import (
    fmt_confidence,
    fmt_date,
    fmt_number,
    in_days,
    limit_reached_headline,
    limit_share_headline,
    limit_soon_headline,
)

WITHIN_DAYS = 45.0
USED_SHARE = 0.9
CRITICAL_WITHIN_DAYS = 7.0
RATE_WINDOW_DAYS = 14.0
RESET_DROP_SHARE = 0.05  # a drop of this share of the limit is a reset (service done)
FULL_CONFIDENCE_DAYS = 7.0  # a rate measured over a week or more is fully trusted


def analyze_counter(
    asset_id: str, spec: MetricSpec, t: FloatArray, v: FloatArray, now: float
) -> Finding | None:
    """A COUNTER finding when the limit is within ``WITHIN_DAYS`` or 90% is used."""
    limit = spec.service_limit
    if limit is None or limit <= 0.0 or t.size == 0:
        return None
    t, v = _since_last_reset(t, v, limit)
    tail = min(3, t.size)
    current = median(v[-tail:])
    at_time = median(t[-tail:])
    rate, rate_days, stability = _rate_per_day(t, v, current, at_time)
    reached = current >= limit
    days_left: float | None = None
    limit_at: float | None = None
    if reached:
        limit_at, days_left = now, 0.0
    elif rate > 0.0:
        limit_at = at_time + (limit - current) / rate * DAY
        days_left = max((limit_at - now) / DAY, 0.0)
    soon = days_left is not None and days_left <= WITHIN_DAYS
    if not (reached or soon or current >= USED_SHARE * limit):
        return None
    confidence = 1.0 if reached else min(1.0, rate_days / FULL_CONFIDENCE_DAYS) * stability
    if not soon and not reached:
        confidence = max(confidence, 0.9)  # the usage itself is measured, not predicted
    confidence = round(confidence, 2)
    critical = reached or (days_left is not None and days_left <= CRITICAL_WITHIN_DAYS)
    used = f"{_count(current, spec)} of {_count(limit, spec)}"
    if reached:
        outlook = "service limit reached"
        headline = limit_reached_headline(spec)
    elif days_left is not None:
        outlook = f"limit reached {in_days(days_left)}"
        if days_left >= 1.0:
            outlook += f" ({fmt_date(now + days_left * DAY, now)})"
        outlook += f" at about {fmt_number(rate)} per day"
        headline = limit_soon_headline(spec, days_left)
    else:
        outlook = f"{round(100 * current / limit)}% of the service limit used"
        headline = limit_share_headline(spec, current, limit)
    return make_finding(
        asset_id=asset_id,
        metric=spec.key,
        kind=InsightKind.COUNTER,
        severity=Severity.CRITICAL if critical else Severity.WARNING,
        confidence=confidence,
        predicted_impact_at=limit_at,
        evidence={
            "counter_value": current,
            "service_limit": limit,
            "rate_per_day": rate,
            "crossing_at": limit_at,
            "window_start": at_time - rate_days * DAY,
            "window_end": at_time,
            "unit": spec.unit,
        },
        explanation=f"{spec.label} at {used}; {outlook} (confidence {fmt_confidence(confidence)})",
        headline=headline,
    )


def _since_last_reset(t: FloatArray, v: FloatArray, limit: float) -> tuple[FloatArray, FloatArray]:
    drops = np.flatnonzero(np.diff(v) < -RESET_DROP_SHARE * limit)
    if drops.size == 0:
        return t, v
    start = int(drops[-1]) + 1
    return t[start:], v[start:]


def _rate_per_day(
    t: FloatArray, v: FloatArray, current: float, at_time: float
) -> tuple[float, float, float]:
    """(usage per day, days it was measured over, stability 0.5..1).

    Measured over whole days when possible, so daily usage patterns cancel out;
    stability compares the rates of the older and the newer part of the window.
    """
    span_days = (at_time - float(t[0])) / DAY
    if span_days <= 0.0:
        return 0.0, 0.0, 0.0
    window = min(RATE_WINDOW_DAYS, span_days)
    if window >= 2.0:
        window = math.floor(window)
    newer = math.floor(window / 2.0) if window >= 2.0 else window / 2.0
    start_value = float(np.interp(at_time - window * DAY, t, v))
    mid_value = float(np.interp(at_time - newer * DAY, t, v))
    rate = max((current - start_value) / window, 0.0)
    older_rate = (mid_value - start_value) / (window - newer)
    newer_rate = (current - mid_value) / newer
    total = abs(older_rate) + abs(newer_rate)
    stability = 1.0 if total <= 0.0 else 1.0 - 0.5 * abs(newer_rate - older_rate) / total
    return rate, window, stability


def _count(x: float, spec: MetricSpec) -> str:
    """'1,912,000' for 'Door cycles' (the label names the unit), '28,910 h' otherwise."""
    number = fmt_number(x)
    if not spec.unit or spec.label.lower().endswith(spec.unit.lower()):
        return number
    return f"{number} {spec.unit}"
