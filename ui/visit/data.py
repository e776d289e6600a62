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
    insights: list[Any] = field(default_factory=list)  # every insight on this metric
    attempts: list[Any] = field(default_factory=list)  # remote attempts on this metric


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
    held: list[Any] = field(default_factory=list)  # the office's checks at the site (#19.3)


def attempts_on_chart(visit: Any, insights: list[Any], asset_id: str, metric: str
                      ) -> list[Any]:
    """The remote attempts of one asset's metric: the visit's and its insights', once each,
    in the order they were tried."""
    found: dict[str, Any] = {}
    for attempt in [*getattr(visit, "remote_attempts", []),
                    *(a for i in insights for a in getattr(i, "remote_attempts", []))]:
        if attempt.asset_id == asset_id and attempt.metric == metric:
            found.setdefault(attempt.decision_key, attempt)
    return sorted(found.values(), key=lambda a: a.sent_at or a.decided_at)


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
    from ui.serve.digest import held_lines

    bundle.held = held_lines(store, visit.site_id)
    until = time.time() if now is None else now
    for past in history[:HISTORY_SHOWN]:
        rows = outcome_since(store, past.id, until)
        if rows:
            bundle.outcomes[past.id] = rows
    for asset in assets:
        available = list(store.metrics_for_asset(asset.id))
        for metric in chart_metrics(asset, insights, available):
            related = [i for i in insights if i.asset_id == asset.id and i.metric == metric]
            trend = next((i for i in related if str(i.kind) != "anomaly"), None)
            bundle.charts.append(ChartData(
                asset, spec_for(asset.kind, metric), metric,
                store.telemetry(asset.id, metric), trend or next(iter(related), None),
                related, attempts_on_chart(visit, related, asset.id, metric)))
    return bundle
