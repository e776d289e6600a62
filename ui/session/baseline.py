# SPDX-License-Identifier: Apache-2.0
"""Step 2: where things stand — baseline KPIs per asset beside the open insights."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from concierge.i18n import _
from concierge.session.engine import SessionEngine
from concierge.session.impact import HORIZON_DAYS
from concierge.session.kpi import kpi_def
from concierge.session.text import fmt_days, fmt_value, label_name
from ui.format import headline_of, number, severity_name
from ui.session.common import card, fill, label, table
from ui.session.measure import MeasureEntry


def signed(value: float) -> str:
    """A trend per day with its sign, in the UI locale: ``+0,12``."""
    text = number(float(f"{value:.3g}"))
    return text if value < 0 else "+" + text


class BaselinePage(QWidget):
    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("baselinePage")
        self.engine = engine
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Where things stand"), "baselineTitle", "pageTitle"))
        layout.addWidget(label(
            _("The last 14 days from the cached telemetry (median, and the range of the middle 90 "
            "percent). Add a spot measurement where you measure it yourself."), role="muted"))
        row = QHBoxLayout()
        kpis, kl = card(_("KPIs per equipment"), "kpiCard")
        self.kpis = table("baselineTable", _("Baseline KPIs"),
                          [_("Equipment"), _("KPI"), _("Baseline"), _("Usual range"),
                           _("Trend / day"), _("Spot")])
        kl.addWidget(self.kpis)
        self.entry = MeasureEntry(engine, "spot", "spot", _("Spot measurement"))
        self.entry.recorded.connect(self.refresh)
        kl.addWidget(self.entry)
        insights, il = card(_("Open insights"), "insightCard")
        self.insights = table("insightTable", _("Open insights"),
                              [_("Insight"), _("Severity"), _("Impact")], stretch=0)
        il.addWidget(self.insights)
        row.addWidget(kpis, 3)
        row.addWidget(insights, 2)
        layout.addLayout(row, 1)
        self.refresh()

    def refresh(self) -> None:
        e = self.engine
        rows, colours = [], {}
        for r, b in enumerate(e.doc.baseline):
            d = kpi_def(e.kinds[b.asset_id], b.kpi)
            spot = e.doc.latest("spot", b.asset_id, b.kpi)
            span = (f"{fmt_value(b.p05)}–{fmt_value(b.p95, d.unit)}"
                    if b.p05 is not None else "—")
            slope = "—" if b.slope_per_day is None else signed(b.slope_per_day)
            rows.append([e.asset_names[b.asset_id], label_name(d.label),
                         fmt_value(b.value, d.unit) if b.n else _("no data"), span, slope,
                         fmt_value(spot.value, d.unit) if spot else ""])
            if b.value is not None and d.spec.severity_of(b.value / d.scale) is not None:
                colours[(r, 2)] = "error"
        fill(self.kpis, rows, colours)
        outcomes = {o.insight.id: o for o in e.outcomes()}
        open_insights = [i for i in e.insights if i.status == "open"]
        fill(self.insights, [
            [f"{headline_of(i)}\n{e.asset_names.get(i.asset_id, i.asset_id)}",
             severity_name(str(i.severity)),
             fmt_days(outcomes[i.id].days_before, HORIZON_DAYS) if i.id in outcomes else "—"]
            for i in open_insights
        ])
        if not open_insights:
            fill(self.insights, [[_("No open insights"), "", ""]])
