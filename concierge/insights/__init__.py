# SPDX-License-Identifier: Apache-2.0
"""Qt-free telemetry analytics: trends, forecasts, deviations, counters and KPIs.

Shared by the back office (creating proactive visits) and the laptop (explaining
them offline).  numpy and the standard library only; deterministic throughout.
"""

from concierge.insights.analyze import analyze_asset, analyze_assets, analyze_metric
from concierge.insights.finding import Finding
from concierge.insights.forecast import Crossing, forecast_crossing
from concierge.insights.scorer import AnomalyExplanation, AnomalyScorer
from concierge.insights.stats import Summary, summarize
from concierge.insights.trend import Trend, robust_trend

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
