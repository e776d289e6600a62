# SPDX-License-Identifier: Apache-2.0
"""Did the optimisation hold? Each KPI since the visit against its baseline, from fresh
telemetry (for the visit history, after later syncs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from concierge.session import kpi
from concierge.session.engine import SessionStore
from concierge.session.kpi import KpiDef
from concierge.session.model import SessionDoc

OutcomeVerdict = Literal["held", "unchanged", "regressed", "no verdict", "no data yet"]


@dataclass(frozen=True)
class KpiOutcome:
    asset_id: str
    kpi: KpiDef
    baseline: float | None
    after: float | None  # the technician's after-measurement
    since: float | None  # the KPI over the telemetry since the visit
    since_n: int
    since_slope_per_day: float | None
    change_pct: float | None  # since against baseline, the honest signed change
    verdict: OutcomeVerdict


def outcome_since(store: SessionStore, visit_id: str, now: float) -> list[KpiOutcome]:
    """Per KPI of a completed session: baseline vs the telemetry since completion up to
    ``now``; empty when the visit has no completed session."""
    record = store.load_session(visit_id)
    if not record or record.get("status") != "completed" or not record.get("completed_at"):
        return []
    since = datetime.fromisoformat(str(record["completed_at"])).timestamp()
    doc = SessionDoc.model_validate(record.get("data") or {})
    kinds = {a.id: a.kind for a in store.assets_for_visit(visit_id)}
    out = []
    for b in doc.baseline:
        if b.asset_id not in kinds:
            continue
        d = kpi.kpi_def(kinds[b.asset_id], b.kpi)
        window = store.telemetry(b.asset_id, d.metric, since, now)
        row = kpi.window_kpi(d, b.asset_id, window.t, window.mean, start=since, end=now)
        after = doc.latest("after", b.asset_id, b.kpi)
        pct, verdict = None, None
        if b.value is not None and row.value is not None:
            pct = kpi.change_pct(b.value, row.value)
            verdict = kpi.judge(d, b.value, row.value)
        out.append(
            KpiOutcome(
                asset_id=b.asset_id,
                kpi=d,
                baseline=b.value,
                after=after.value if after else None,
                since=row.value,
                since_n=row.n,
                since_slope_per_day=row.slope_per_day,
                change_pct=pct,
                verdict=_verdict(verdict),
            )
        )
    return out


def _verdict(verdict: kpi.Verdict | None) -> OutcomeVerdict:
    if verdict is None or verdict == "not measured":
        return "no data yet"
    return {"improved": "held", "worse": "regressed"}.get(verdict, verdict)  # type: ignore[return-value]
