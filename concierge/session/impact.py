# SPDX-License-Identifier: Apache-2.0
"""Each insight after the session: resolved, mitigated or still open, with time-to-impact.

Time-to-impact before is forecast from the insight's own trend (its evidence) at ``now``;
after, the same drift is assumed to start again from the after-measurement, so tuning
that lowers the level pushes the crossing out, or beyond the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from concierge.domain import AssetKind, MetricSpec, metric_spec
from concierge.i18n import Msg, msg, nmsg
from concierge.insights import Trend, forecast_crossing
from concierge.protocol.schemas import Insight
from concierge.session.kpi import DAY, kpi_for_metric, latest_after
from concierge.session.model import SessionDoc

HORIZON_DAYS = 60.0
InsightStatus = Literal["resolved", "mitigated", "open"]


@dataclass(frozen=True)
class InsightOutcome:
    insight: Insight
    status: InsightStatus
    before: float | None  # level in the metric's unit
    after: float | None  # None: not re-measured
    days_before: float | None  # None: no crossing within the horizon
    days_after: float | None
    reason: Msg


def insight_outcomes(
    insights: Iterable[Insight], doc: SessionDoc, kinds: Mapping[str, AssetKind], now: float
) -> list[InsightOutcome]:
    """Outcome of every insight of the session's assets (``kinds``: asset id to kind)."""
    return [
        _outcome(i, kinds[i.asset_id], doc, now) for i in insights if i.asset_id in kinds
    ]


def _number(evidence: Mapping[str, float | str | None], key: str) -> float | None:
    value = evidence.get(key)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _days(insight: Insight, spec: MetricSpec, level: float | None, now: float) -> float | None:
    """Days until the insight's drift, started from ``level`` now, reaches its threshold."""
    ev = insight.evidence
    threshold = _number(ev, "threshold") or spec.warning
    slope = _number(ev, "slope_per_day")
    if level is None:
        at = insight.predicted_impact_at
        return None if at is None else max((at.timestamp() - now) / DAY, 0.0)
    trend = Trend(
        slope_per_day=slope or 0.0,
        intercept=level,
        t_ref=now,
        residual_scale=_number(ev, "residual_scale") or 0.0,
        n=1,
    )
    return forecast_crossing(trend, spec, threshold, now, HORIZON_DAYS).days


def _outcome(insight: Insight, kind: AssetKind, doc: SessionDoc, now: float) -> InsightOutcome:
    spec = metric_spec(kind, insight.metric)
    if insight.status == "resolved":
        return InsightOutcome(insight, "resolved", None, None, None, None, msg("Resolved before"))
    d = kpi_for_metric(kind, insight.metric)
    if d is None or spec.counter:
        return _by_checklist(insight, doc, now)
    spot = doc.latest("spot", insight.asset_id, d.key)
    after_value, _ = latest_after(doc, insight.asset_id, d)
    before = spot.value / d.scale if spot else _level_now(insight, now)
    days_before = _days(insight, spec, before, now)
    if after_value is None:
        return InsightOutcome(
            insight, "open", before, None, days_before, None, msg("Not re-measured yet")
        )
    after = after_value / d.scale
    days_after = _days(insight, spec, after, now)
    if days_after is None:
        status: InsightStatus = "resolved"
        reason = nmsg("No crossing expected within {count} day",
                      "No crossing expected within {count} days", round(HORIZON_DAYS))
    elif days_after > 0.0 and (days_before is None or days_after > days_before):
        status, reason = "mitigated", msg("Time to impact pushed out")
    else:
        status, reason = "open", msg("Still heading for the threshold as before")
    return InsightOutcome(insight, status, before, after, days_before, days_after, reason)


def _level_now(insight: Insight, now: float) -> float | None:
    """The insight's level at ``now``: its trend line, else its recent level."""
    ev = insight.evidence
    slope, intercept, t_ref = (_number(ev, k) for k in ("slope_per_day", "intercept", "t_ref"))
    if slope is not None and intercept is not None and t_ref is not None:
        return intercept + slope * (now - t_ref) / DAY
    return _number(ev, "recent_mean")


def _by_checklist(insight: Insight, doc: SessionDoc, now: float) -> InsightOutcome:
    """Counters and unmeasurable metrics: resolved once every step addressing it is done."""
    linked = [i for i in doc.checklist if insight.id in i.insight_ids]
    done = bool(linked) and all(doc.result(i.id).status == "done" for i in linked)
    at = insight.predicted_impact_at
    days = None if at is None else max((at.timestamp() - now) / DAY, 0.0)
    if done:
        return InsightOutcome(insight, "resolved", None, None, days, None, msg("Service done"))
    return InsightOutcome(insight, "open", None, None, days, days, msg("Service step not done"))
