# SPDX-License-Identifier: Apache-2.0
"""TREND findings: a metric sitting beyond, or heading for, its thresholds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from concierge.domain import BadDirection, InsightKind, MetricSpec, Severity
from concierge.insights.finding import Evidence, Finding, make_finding
from concierge.insights.forecast import Crossing, forecast_crossing
from concierge.insights.series import DAY, FloatArray, median
from concierge.insights.text import (
    beyond_headline,
    crosses_headline,
    fmt_confidence,
    in_days,
    per_day,
    with_unit,
)
from concierge.insights.trend import (
    LineFit,
    Trend,
    finish_trend,
    finish_trends,
    fit_line,
    fit_lines,
    fit_trend,
    slope_stage,
    slope_stages,
)

HORIZON_DAYS = 60.0
CRITICAL_WITHIN_DAYS = 7.0
MIN_CONFIDENCE = 0.5
LEVEL_WINDOW = DAY  # "sits beyond" is judged on the median of the last day
RECENT_FIT_DAYS = (14.0, 7.0)  # shorter fits catch a degradation that started late
KINK_Z = 3.0  # a shorter fit's slope must be this many standard errors worse
KINK_RATIO = 1.5  # ... and this many times as steep towards the bad side


def fit_trends(t: FloatArray, v: FloatArray, spec: MetricSpec) -> tuple[Trend | None, Trend | None]:
    """(full-window trend, trend to forecast with).

    A degradation that started late shows as a shorter recent window (two
    weeks, one week) with a slope clearly worse than the full window's,
    statistically and in size.  The forecast uses the shortest such window that
    is also significantly steeper than the longer one; else the full window.
    """
    full = fit_trend(t, v)
    if full is None:
        return None, None
    sign = 1.0 if spec.bad_direction is BadDirection.UP else -1.0

    def steeper(slope: float, stderr: float, b: Trend) -> bool:
        return sign * (slope - b.slope_per_day) > KINK_Z * stderr

    chosen = full
    for days in RECENT_FIT_DAYS:
        if full.span_days < 2.0 * days:
            continue
        start = int(np.searchsorted(t, t[-1] - days * DAY))
        stage = slope_stage(t[start:], v[start:])
        # Cheap tests first: most recent windows are not steeper at all, and the
        # residual scale is only needed for the window finally chosen.
        if stage is None:
            continue
        if sign * stage.slope <= KINK_RATIO * max(sign * full.slope_per_day, 0.0):
            continue
        line = fit_line(stage)
        if not steeper(stage.slope, line.slope_stderr, full):
            continue
        if chosen is full or steeper(stage.slope, line.slope_stderr, chosen):
            chosen = finish_trend(stage, t[start:], v[start:], line)
    return full, chosen


def fit_trends_together(
    t: FloatArray, v: FloatArray, specs: Sequence[MetricSpec]
) -> list[tuple[Trend | None, Trend | None]] | None:
    """``fit_trends`` of every row of ``v`` (series sharing the times ``t``), the same
    results in a few array operations per window; None where ``slope_stages`` is."""
    stages = slope_stages(t, v)
    if stages is None or stages.layout.span / DAY < 2.0 * max(RECENT_FIT_DAYS):
        return None  # fit_trends would skip a window
    everyone = list(range(len(specs)))
    full = finish_trends(stages, t, everyone, fit_lines(stages, everyone))
    chosen = list(full)
    signs = [1.0 if spec.bad_direction is BadDirection.UP else -1.0 for spec in specs]
    for days in RECENT_FIT_DAYS:
        start = int(np.searchsorted(t, t[-1] - days * DAY))
        recent = slope_stages(t[start:], v[:, start:])
        if recent is None:
            return None
        # As in fit_trends: cheap tests first, lines only for windows steeper at all.
        rows = [
            i
            for i, sign in enumerate(signs)
            if sign * recent.slopes[i] > KINK_RATIO * max(sign * full[i].slope_per_day, 0.0)
        ]
        steeper: list[int] = []
        lines: list[LineFit] = []
        for i, line in zip(rows, fit_lines(recent, rows), strict=True):
            slope = float(recent.slopes[i])
            z = KINK_Z * line.slope_stderr
            if signs[i] * (slope - full[i].slope_per_day) <= z:
                continue
            if chosen[i] is full[i] or signs[i] * (slope - chosen[i].slope_per_day) > z:
                steeper.append(i)
                lines.append(line)
        for i, trend in zip(steeper, finish_trends(recent, t[start:], steeper, lines), strict=True):
            chosen[i] = trend
    return [(f, c) for f, c in zip(full, chosen, strict=True)]


def analyze_trend(
    asset_id: str,
    spec: MetricSpec,
    t: FloatArray,
    v: FloatArray,
    *,
    now: float,
    trend: Trend | None,
) -> Finding | None:
    """A TREND finding when the level sits beyond warning or is forecast to cross it."""
    if t.size == 0:
        return None
    recent = v[t >= t[-1] - LEVEL_WINDOW]
    level = median(recent)
    if spec.reached(level, spec.warning):
        return _beyond(asset_id, spec, recent, level=level, now=now, trend=trend)
    if trend is None:
        return None
    warn = forecast_crossing(trend, spec, spec.warning, now, HORIZON_DAYS)
    if warn.days is None or warn.confidence < MIN_CONFIDENCE:
        return None
    crit = forecast_crossing(trend, spec, spec.critical, now, HORIZON_DAYS)
    critical_soon = crit.days is not None and crit.days <= CRITICAL_WITHIN_DAYS
    main, kind = (crit, "critical") if critical_soon else (warn, "warning")
    main_days = crit.days if critical_soon and crit.days is not None else warn.days
    confidence = round(main.confidence, 2)
    direction = "rising" if trend.slope_per_day > 0 else "falling"
    crossings = _crossing_text(spec, warn.days, crit)
    explanation = (
        f"{spec.label} {direction} {per_day(abs(trend.slope_per_day), spec.unit)}; "
        f"{crossings} (confidence {fmt_confidence(confidence)})"
    )
    headline = crosses_headline(spec, main.threshold, main_days)
    return make_finding(
        asset_id=asset_id,
        metric=spec.key,
        kind=InsightKind.TREND,
        severity=Severity.CRITICAL if critical_soon else Severity.WARNING,
        confidence=confidence,
        predicted_impact_at=main.at,
        evidence=_evidence(
            spec, trend, main=main, kind=kind, warn=warn, crit=crit, level=level, t=t
        ),
        explanation=explanation,
        headline=headline,
    )


def _beyond(
    asset_id: str,
    spec: MetricSpec,
    recent: FloatArray,
    *,
    level: float,
    now: float,
    trend: Trend | None,
) -> Finding:
    critical_now = spec.reached(level, spec.critical)
    threshold, kind = (spec.critical, "critical") if critical_now else (spec.warning, "warning")
    crit: Crossing | None = None
    if not critical_now and trend is not None:
        crit = forecast_crossing(trend, spec, spec.critical, now, HORIZON_DAYS)
        if crit.at is None or crit.confidence < MIN_CONFIDENCE:
            crit = None
    critical_soon = crit is not None and crit.days is not None and crit.days <= CRITICAL_WITHIN_DAYS
    up = spec.bad_direction is BadDirection.UP
    share = float(np.mean(recent >= threshold if up else recent <= threshold))
    confidence = round(share * recent.size / (recent.size + 2.0), 2)
    side = "above" if up else "below"
    explanation = (
        f"{spec.label} at {with_unit(level, spec.unit)}, {side} the "
        f"{with_unit(threshold, spec.unit)} {kind} threshold "
        f"({round(100 * share)}% of readings over the last day)"
    )
    if crit is not None and crit.days is not None and trend is not None:
        explanation += (
            f"; {'rising' if trend.slope_per_day > 0 else 'falling'} "
            f"{per_day(abs(trend.slope_per_day), spec.unit)}, crosses "
            f"{with_unit(spec.critical, spec.unit)} {in_days(crit.days)}"
        )
    explanation += f" (confidence {fmt_confidence(confidence)})"
    evidence: Evidence = {
        "threshold": threshold,
        "threshold_kind": kind,
        "crossing_at": now,
        "recent_mean": level,
        "unit": spec.unit,
        "share_beyond": share,
        "critical_crossing_at": crit.at if crit is not None else None,
    }
    if trend is not None:
        evidence |= _trend_evidence(trend)
    return make_finding(
        asset_id=asset_id,
        metric=spec.key,
        kind=InsightKind.TREND,
        severity=Severity.CRITICAL if critical_now or critical_soon else Severity.WARNING,
        confidence=confidence,
        predicted_impact_at=now,
        evidence=evidence,
        explanation=explanation,
        headline=beyond_headline(spec, side, kind, threshold),
    )


def _crossing_text(spec: MetricSpec, warn_days: float, crit: Crossing) -> str:
    text = f"crosses {with_unit(spec.warning, spec.unit)} {in_days(warn_days)}"
    if crit.days is not None and crit.confidence >= MIN_CONFIDENCE:
        text += f" and {with_unit(spec.critical, spec.unit)} {in_days(crit.days)}"
    return text


def _trend_evidence(trend: Trend) -> Evidence:
    return {
        "slope_per_day": trend.slope_per_day,
        "intercept": trend.intercept,
        "t_ref": trend.t_ref,
        "residual_scale": trend.residual_scale,
        "slope_z": trend.slope_z,
    }


def _evidence(
    spec: MetricSpec,
    trend: Trend,
    *,
    main: Crossing,
    kind: str,
    warn: Crossing,
    crit: Crossing,
    level: float,
    t: FloatArray,
) -> Evidence:
    return {
        **_trend_evidence(trend),
        "threshold": main.threshold,
        "threshold_kind": kind,
        "crossing_at": main.at,
        "warning_crossing_at": warn.at,
        "critical_crossing_at": crit.at,
        "recent_mean": level,
        "window_start": trend.t_ref - trend.span_days * DAY,
        "window_end": float(t[-1]),
        "unit": spec.unit,
    }
