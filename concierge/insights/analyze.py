# SPDX-License-Identifier: Apache-2.0
"""Entry points: every finding for one metric, or for all metrics of one asset."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from concierge.domain import METRIC_CATALOGUE, AssetKind, MetricSpec
from concierge.insights.counters import analyze_counter
from concierge.insights.deviation import Windows, deviation_finding, deviation_windows
from concierge.insights.drift import analyze_trend, fit_trends, fit_trends_together
from concierge.insights.finding import Finding
from concierge.insights.series import FloatArray, as_series
from concierge.insights.trend import Trend


def analyze_metric(
    asset_id: str, spec: MetricSpec, t: npt.ArrayLike, v: npt.ArrayLike, now: float
) -> list[Finding]:
    """TREND and DEVIATION findings for a gauge, a COUNTER finding for a counter.

    ``t`` in epoch seconds (any order), ``v`` values; NaN/inf are ignored.  The
    result is deterministic: the same input always gives equal findings.
    """
    ts, vs = as_series(t, v)
    return _findings(asset_id, spec, ts, vs, now)


Fitted = tuple[tuple[Trend | None, Trend | None], Windows | None]  # fit_trends, windows


def _findings(
    asset_id: str,
    spec: MetricSpec,
    ts: FloatArray,
    vs: FloatArray,
    now: float,
    *,
    fitted: Fitted | None = None,
) -> list[Finding]:
    """``analyze_metric`` of a cleaned series, with its fits if already known."""
    if ts.size == 0:
        return []
    if spec.counter:
        counter = analyze_counter(asset_id, spec, ts, vs, now)
        return [] if counter is None else [counter]
    if fitted is None:
        fitted = fit_trends(ts, vs, spec), deviation_windows(ts, vs[None, :], [spec])[0]
    (full, forecast), windows = fitted
    found = (
        analyze_trend(asset_id, spec, ts, vs, now=now, trend=forecast),
        deviation_finding(asset_id, spec, windows, full),
    )
    return [f for f in found if f is not None]


Series = Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]]


def analyze_asset(
    asset_id: str, kind: AssetKind | str, series: Series, now: float
) -> list[Finding]:
    """Findings for every catalogued metric of ``kind`` present in ``series``.

    ``series`` maps metric key to (t, v); keys not in the catalogue are ignored.
    Findings come in catalogue order.  An unknown ``kind`` raises ValueError.
    """
    return analyze_assets([(asset_id, kind, series)], now)


def analyze_assets(
    assets: Sequence[tuple[str, AssetKind | str, Series]],
    now: float,
    *,
    between: Callable[[], object] | None = None,
) -> list[Finding]:
    """``analyze_asset`` of each (asset id, kind, series) in turn, findings in that order.

    Gauges sampled at the same times (often a whole fleet's) are fitted together, in a
    few array operations instead of a few per series; the findings are the same.
    ``between`` is called between series (e.g. to let other threads run).
    """
    cleaned = [
        (asset_id, spec, *as_series(*series[spec.key]))
        for asset_id, kind, series in assets
        for spec in METRIC_CATALOGUE[AssetKind(kind)]
        if spec.key in series
    ]
    same_times: dict[bytes, list[int]] = defaultdict(list)
    for i, (_, spec, ts, _) in enumerate(cleaned):
        if not spec.counter and ts.size:
            same_times[ts.tobytes()].append(i)
    fitted: dict[int, Fitted] = {}
    for rows in same_times.values():
        ts = cleaned[rows[0]][2]
        values = np.stack([cleaned[i][3] for i in rows])
        specs = [cleaned[i][1] for i in rows]
        trends = fit_trends_together(ts, values, specs)
        if trends is None:
            trends = [fit_trends(ts, v, spec) for v, spec in zip(values, specs, strict=True)]
        windows = deviation_windows(ts, values, specs)
        fitted |= dict(zip(rows, zip(trends, windows, strict=True), strict=True))
    findings: list[Finding] = []
    for i, (asset_id, spec, ts, vs) in enumerate(cleaned):
        if between is not None:
            between()
        findings.extend(_findings(asset_id, spec, ts, vs, now, fitted=fitted.get(i)))
    return findings
