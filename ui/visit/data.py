# SPDX-License-Identifier: Apache-2.0
"""Everything the detail page shows, read from the local store in one worker call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from concierge.domain import METRIC_CATALOGUE, AssetKind, MetricSpec

CHARTS_PER_ASSET_WITHOUT_INSIGHT = 2


@dataclass
class ChartData:
    asset: Any
    spec: MetricSpec | None
    metric: str
    window: Any  # TelemetryWindow: t, mean, min, max
    insight: Any | None


@dataclass
class VisitBundle:
    visit: Any
    site: Any
    assets: list[Any]
    insights: list[Any]
    history: list[Any]
    charts: list[ChartData] = field(default_factory=list)
    # per earlier visit with a completed session: did it hold? (KpiOutcome rows)
    outcomes: dict[str, list[Any]] = field(default_factory=dict)
    withdrawn: bool = False  # the office took it off this technician (reassigned)
    withdrawal: Any = None  # then why: concierge.store.WithdrawnVisit
    session: dict[str, Any] | None = None  # the latest session, a draft or completed


def spec_for(kind: str, metric: str) -> MetricSpec | None:
    try:
        specs = METRIC_CATALOGUE[AssetKind(kind)]
    except (KeyError, ValueError):
        return None
    return next((s for s in specs if s.key == metric), None)


def chart_metrics(asset: Any, insights: list[Any], available: list[str]) -> list[str]:
    """The metrics an insight points at first, then the catalogue's leading ones."""
    flagged = [i.metric for i in insights if i.asset_id == asset.id]
    chosen = list(dict.fromkeys(m for m in flagged if m in available or not available))
    if chosen:
        return chosen
    try:
        order = [s.key for s in METRIC_CATALOGUE[AssetKind(asset.kind)]]
    except (KeyError, ValueError):
        order = []
    ranked = [m for m in order if m in available] + [m for m in available if m not in order]
    return ranked[:CHARTS_PER_ASSET_WITHOUT_INSIGHT]


HISTORY_SHOWN = 10


def load_bundle(store: Any, visit_id: str, now: float | None = None) -> VisitBundle:
    """Runs on the database worker (``ctx.tasks.db``), outcomes of earlier sessions too."""
    from concierge.session.outcome import outcome_since  # numpy/pydantic: on the worker


    visit = store.visit(visit_id)
    if visit is None:
        raise LookupError(f"Visit {visit_id} is not in the local store.")
    site = store.site(visit.site_id)
    assets = list(store.assets_for_visit(visit_id))
    insights = list(store.insights_for_visit(visit_id))
    history = list(store.site_history(visit.site_id, visit_id))
    withdrawal = store.withdrawn_visits().get(visit_id)
    bundle = VisitBundle(visit, site, assets, insights, history,
                         withdrawn=withdrawal is not None, withdrawal=withdrawal,
                         session=store.load_session(visit_id))
    until = time.time() if now is None else now
    for past in history[:HISTORY_SHOWN]:
        rows = outcome_since(store, past.id, until)
        if rows:
            bundle.outcomes[past.id] = rows
    for asset in assets:
        available = list(store.metrics_for_asset(asset.id))
        for metric in chart_metrics(asset, insights, available):
            insight = next((i for i in insights
                            if i.asset_id == asset.id and i.metric == metric), None)
            bundle.charts.append(ChartData(
                asset, spec_for(asset.kind, metric), metric,
                store.telemetry(asset.id, metric), insight))
    return bundle
