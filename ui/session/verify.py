# SPDX-License-Identifier: Apache-2.0
"""Step 4: after-measurements, the before/after table and chart, and each insight's fate."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from concierge.session.engine import SessionEngine
from concierge.session.impact import HORIZON_DAYS
from concierge.session.text import fmt_days, fmt_pct, fmt_value
from ui.session.chart import BeforeAfterChart
from ui.session.common import card, fill, label, table
from ui.session.measure import MeasureEntry

VERDICT_COLOURS = {"better": "#2e7d32", "worse": "#c62828"}
STATUS = {"resolved": ("Resolved", "#2e7d32"), "mitigated": ("Mitigated", "#a15c00"),
          "open": ("Still open", "#c62828")}


class VerifyPage(QWidget):
    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verifyPage")
        self.engine = engine
        layout = QVBoxLayout(self)
        layout.addWidget(label("Verify", "verifyTitle", "pageTitle"))
        layout.addWidget(label(
            "Measure again after tuning. Before is your spot measurement, else the 14-day "
            "baseline; the change is positive when things got better.", role="muted"))
        self.entry = MeasureEntry(engine, "after", "after", "After-measurement")
        self.entry.recorded.connect(self.refresh)
        layout.addWidget(self.entry)
        row = QHBoxLayout()
        kpis, kl = card("Before and after", "beforeAfterCard")
        self.table = table("beforeAfterTable", "Before and after per KPI",
                           ["Equipment", "KPI", "Before", "After", "Change"])
        kl.addWidget(self.table, 1)
        self.chart = BeforeAfterChart()
        kl.addWidget(self.chart)
        ins, il = card("Insights", "insightStatusCard")
        self.insights = table("insightStatusTable", "Insight status and time to impact",
                              ["Insight", "Status", "Impact before", "Impact after"],
                              stretch=0)
        il.addWidget(self.insights)
        row.addWidget(kpis, 3)
        row.addWidget(ins, 2)
        layout.addLayout(row, 1)
        self.refresh()

    def refresh(self) -> None:
        e = self.engine
        rows = e.comparisons()
        colours = {}
        table_rows = []
        for r, c in enumerate(rows):
            source = " (spot)" if c.before_source == "spot" else ""
            table_rows.append([e.asset_names[c.asset_id], c.kpi.label,
                               fmt_value(c.before, c.kpi.unit) + source,
                               fmt_value(c.after, c.kpi.unit), fmt_pct(c.improvement_pct)])
            if c.verdict in VERDICT_COLOURS:
                colours[(r, 4)] = VERDICT_COLOURS[c.verdict]
        fill(self.table, table_rows, colours)
        self.chart.set_rows(rows, e.asset_names)
        outcomes = e.outcomes()
        fill(self.insights, [
            [f"{o.insight.headline}\n{e.asset_names.get(o.insight.asset_id, '')}",
             STATUS[o.status][0], fmt_days(o.days_before, HORIZON_DAYS),
             fmt_days(o.days_after, HORIZON_DAYS)
             if o.after is not None or o.status == "resolved" else o.reason]
            for o in outcomes
        ], {(r, 1): STATUS[o.status][1] for r, o in enumerate(outcomes)})
