# SPDX-License-Identifier: Apache-2.0
"""Step 4: after-measurements, the before/after table and chart, and each insight's fate."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from concierge.i18n import _, pmsg, tr
from concierge.session.engine import SessionEngine
from concierge.session.impact import HORIZON_DAYS
from concierge.session.text import (
    fmt_change,
    fmt_days,
    fmt_value,
    label_name,
)
from ui.format import headline_of
from ui.session.chart import BeforeAfterChart
from ui.session.common import card, fill, label, table
from ui.session.measure import MeasureEntry

STATUS = {"resolved": (pmsg("insight outcome", "Resolved"), "ok"),  # tone: ui.theme.semantic
          "mitigated": (pmsg("insight outcome", "Mitigated"), "warn"),
          "open": (pmsg("insight outcome", "Still open"), "error")}
VERDICT_TONES = {"improved": "ok", "worse": "error"}


class VerifyPage(QWidget):
    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verifyPage")
        self.engine = engine
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Verify"), "verifyTitle", "pageTitle"))
        layout.addWidget(label(
            _("Measure again after tuning. Before is your spot measurement, else the 14-day "
            "baseline. The change is shown with its true sign and says whether that is better "
            "for this KPI; usage figures get no verdict."), role="muted"))
        self.entry = MeasureEntry(engine, "after", "after", _("After-measurement"))
        self.entry.recorded.connect(self.refresh)
        layout.addWidget(self.entry)
        row = QHBoxLayout()
        kpis, kl = card(_("Before and after"), "beforeAfterCard")
        self.table = table("beforeAfterTable", _("Before and after per KPI"),
                           [_("Equipment"), _("KPI"), _("Before"), _("After"), _("Change")])
        kl.addWidget(self.table, 1)
        self.chart = BeforeAfterChart()
        kl.addWidget(self.chart)
        ins, il = card(_("Insights"), "insightStatusCard")
        self.insights = table("insightStatusTable", _("Insight status and time to impact"),
                              [_("Insight"), _("Status"), _("Impact before"), _("Impact after")],
                              stretch=0)
        il.addWidget(self.insights)
        row.addWidget(kpis, 3)
        row.addWidget(ins, 2)
        layout.addLayout(row, 1)
        self.refresh()

    def refresh(self) -> None:
        e = self.engine
        if not self.entry.value.text():
            self.entry.offer()
        rows = e.comparisons()
        colours = {}
        table_rows = []
        for r, c in enumerate(rows):
            source = " " + _("(spot)") if c.before_source == "spot" else ""
            table_rows.append([e.asset_names[c.asset_id], label_name(c.kpi.label),
                               fmt_value(c.before, c.kpi.unit) + source,
                               fmt_value(c.after, c.kpi.unit), fmt_change(c.change_pct, c.verdict)])
            if c.verdict in VERDICT_TONES:
                colours[(r, 4)] = VERDICT_TONES[c.verdict]
        fill(self.table, table_rows, colours)
        self.chart.set_rows(rows, e.asset_names)
        outcomes = e.outcomes()
        fill(self.insights, [
            [f"{headline_of(o.insight)}\n{e.asset_names.get(o.insight.asset_id, '')}",
             tr(STATUS[o.status][0]), fmt_days(o.days_before, HORIZON_DAYS),
             fmt_days(o.days_after, HORIZON_DAYS)
             if o.after is not None or o.status == "resolved" else tr(o.reason)]
            for o in outcomes
        ], {(r, 1): STATUS[o.status][1] for r, o in enumerate(outcomes)})
