# SPDX-License-Identifier: Apache-2.0
"""The result of analysing one metric: what, how bad, how sure, and why."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from concierge.domain import InsightKind, Severity
from concierge.insights.text import Headline

Evidence = dict[str, float | str | None]


@dataclass(frozen=True)
class Finding:
    """One insight about one metric of one asset.

    ``evidence`` is JSON-serialisable (finite floats, strings or None).  Robust
    estimates are used throughout: ``baseline_mean``/``recent_mean`` hold medians
    and ``baseline_std``/``recent_std`` MAD-based sigmas.
    """

    asset_id: str
    metric: str
    kind: InsightKind
    severity: Severity
    confidence: float  # 0..1, two decimals
    predicted_impact_at: float | None  # epoch seconds
    evidence: Evidence
    explanation: str
    headline: str
    key: str  # stable dedup key: "{asset_id}:{metric}:{kind}"
    headline_code: dict[str, Any] | None = None  # the headline as code + params (any language)


def finding_key(asset_id: str, metric: str, kind: InsightKind) -> str:
    return f"{asset_id}:{metric}:{kind.value}"


def clean_evidence(evidence: Evidence) -> Evidence:
    """Plain floats (no numpy scalars); non-finite numbers become None."""
    out: Evidence = {}
    for name, value in evidence.items():
        if isinstance(value, str) or value is None:
            out[name] = value
        else:
            number = float(value)
            out[name] = number if math.isfinite(number) else None
    return out


def make_finding(
    *,
    asset_id: str,
    metric: str,
    kind: InsightKind,
    severity: Severity,
    confidence: float,
    predicted_impact_at: float | None,
    evidence: Evidence,
    explanation: str,
    headline: Headline | str,
) -> Finding:
    """A finding; a ``Headline`` gives its English text and its code with parameters."""
    coded = headline.coded() if isinstance(headline, Headline) else None
    return Finding(
        asset_id=asset_id,
        metric=metric,
        kind=kind,
        severity=severity,
        confidence=round(min(max(confidence, 0.0), 1.0), 2),
        predicted_impact_at=predicted_impact_at,
        evidence=clean_evidence(evidence),
        explanation=explanation,
        headline=headline.text if isinstance(headline, Headline) else headline,
        key=finding_key(asset_id, metric, kind),
        headline_code=coded,
    )
