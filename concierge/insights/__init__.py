# SPDX-License-Identifier: Apache-2.0
"""Qt-free telemetry analytics: trends, forecasts, deviations, counters and KPIs.

Shared by the back office (creating proactive visits) and the laptop (explaining
them offline).  numpy and the standard library only; deterministic throughout.
The names below load on first use, so ``concierge.insights.text`` (headlines on the
board's first paint) imports without numpy and the analysers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.lazy import lazy_exports

if TYPE_CHECKING:
    from concierge.insights.analyze import analyze_asset, analyze_assets, analyze_metric
    from concierge.insights.finding import Finding
    from concierge.insights.forecast import Crossing, forecast_crossing
    from concierge.insights.scorer import AnomalyExplanation, AnomalyScorer
    from concierge.insights.stats import Summary, summarize
    from concierge.insights.trend import Trend, robust_trend

_HOMES = {
    **dict.fromkeys(("analyze_asset", "analyze_assets", "analyze_metric"),
                    "concierge.insights.analyze"),
    "Finding": "concierge.insights.finding",
    "Crossing": "concierge.insights.forecast",
    "forecast_crossing": "concierge.insights.forecast",
    "AnomalyExplanation": "concierge.insights.scorer",
    "AnomalyScorer": "concierge.insights.scorer",
    "Summary": "concierge.insights.stats",
    "summarize": "concierge.insights.stats",
    "Trend": "concierge.insights.trend",
    "robust_trend": "concierge.insights.trend",
}
__all__ = [
    "AnomalyExplanation",
    "AnomalyScorer",
    "Crossing",
    "Finding",
    "Summary",
    "Trend",
    "analyze_asset",
    "analyze_assets",
    "analyze_metric",
    "forecast_crossing",
    "robust_trend",
    "summarize",
]


__getattr__ = lazy_exports(__name__, _HOMES)
