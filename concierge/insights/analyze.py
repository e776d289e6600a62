"""Entry points: every finding for one metric, or for all metrics of one asset."""

from __future__ import annotations

from collections.abc import Mapping

import numpy.typing as npt

from concierge.domain import METRIC_CATALOGUE, AssetKind, MetricSpec
from concierge.insights.counters import analyze_counter
from concierge.insights.deviation import analyze_deviation
from concierge.insights.drift import analyze_trend, fit_trends
from concierge.insights.finding import Finding
from concierge.insights.series import as_series


def analyze_metric(
    asset_id: str, spec: MetricSpec, t: npt.ArrayLike, v: npt.ArrayLike, now: float
) -> list[Finding]:
    """TREND and DEVIATION findings for a gauge, a COUNTER finding for a counter.

    ``t`` in epoch seconds (any order), ``v`` values; NaN/inf are ignored.  The
    result is deterministic: the same input always gives equal findings.
    """
    ts, vs = as_series(t, v)
    if ts.size == 0:
        return []
    if spec.counter:
        counter = analyze_counter(asset_id, spec, ts, vs, now)
        return [] if counter is None else [counter]
    full, forecast = fit_trends(ts, vs, spec)
    found = (
        analyze_trend(asset_id, spec, ts, vs, now=now, trend=forecast),
        analyze_deviation(asset_id, spec, ts, vs, full),
    )
    return [f for f in found if f is not None]


def analyze_asset(
    asset_id: str,
    kind: AssetKind | str,
    series: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    now: float,
) -> list[Finding]:
    """Findings for every catalogued metric of ``kind`` present in ``series``.

    ``series`` maps metric key to (t, v); keys not in the catalogue are ignored.
    Findings come in catalogue order.  An unknown ``kind`` raises ValueError.
    """
    findings: list[Finding] = []
    for spec in METRIC_CATALOGUE[AssetKind(kind)]:
        if spec.key in series:
            t, v = series[spec.key]
            findings.extend(analyze_metric(asset_id, spec, t, v, now))
    return findings
