# SPDX-License-Identifier: Apache-2.0
"""A KPI measurement entry: asset, KPI, value; shows the refusal or the flag inline."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from concierge.i18n import _, pgettext, tr
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.text import fmt_value, label_name, unit_name
from concierge.session.validation import MeasurementError
from ui.session.common import error_text, label, named


class MeasureEntry(QWidget):
    recorded = Signal()

    def __init__(self, engine: SessionEngine, which: Literal["spot", "after"], prefix: str,
                 what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.which = which
        self.asset = named(QComboBox(), f"{prefix}Asset", _("{what}: equipment").format(what=what))
        for a in engine.assets:
            self.asset.addItem(engine.asset_names[a.id], a.id)
        self.kpi = named(QComboBox(), f"{prefix}Kpi", _("{what}: KPI").format(what=what))
        self.value = named(QLineEdit(), f"{prefix}Value", _("{what}: value").format(what=what))
        self.add = named(QPushButton(pgettext("measurement", "Add")), f"{prefix}Add",
                         _("Add: {what}").format(what=what))
        self.message = label("", f"{prefix}Message")
        self.message.setAccessibleName(_("{what}: message").format(what=what))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.asset, 2)
        row.addWidget(self.kpi, 2)
        row.addWidget(self.value, 1)
        row.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.asset.currentIndexChanged.connect(self._fill_kpis)
        self.kpi.currentIndexChanged.connect(self.offer)
        self.add.clicked.connect(self.submit)
        self.value.returnPressed.connect(self.submit)
        self._fill_kpis()

    def _fill_kpis(self) -> None:
        self.kpi.clear()
        asset_id = self.asset.currentData()
        if asset_id is None:
            return
        for key in self.engine.kpi_keys(asset_id):
            d = self.engine.kpi(asset_id, key)
            name = label_name(d.label)
            self.kpi.addItem(f"{name} ({unit_name(d.unit)})" if d.unit else name, d.key)

    def offer(self) -> None:
        asset_id, key = self.asset.currentData(), self.kpi.currentData()
        if asset_id and key:
            unit = self.engine.kpi(asset_id, key).unit
            example = f"{fmt_value(12.5)} {unit_name(unit)}".strip()
            self.value.setPlaceholderText(_("e.g. {example}").format(example=example))
            self._carry_over(asset_id, key)

    def _carry_over(self, asset_id: str, key: str) -> None:
        """Offer the value measured in the checklist, editable, until one is recorded here."""
        if self.which != "after" or self.engine.doc.latest("after", asset_id, key):
            return
        carried = self.engine.carried_after(asset_id, key)
        if carried is not None:
            self.value.setText(fmt_value(carried))
            self.value.selectAll()  # typing replaces it
            self._show(_("Carried over from the checklist; correct it if needed, then Add."),
                       "muted")

    def select(self, asset_id: str, key: str) -> None:
        self.asset.setCurrentIndex(self.asset.findData(asset_id))
        self.kpi.setCurrentIndex(self.kpi.findData(key))
        self.offer()

    def submit(self) -> None:
        asset_id, key = self.asset.currentData(), self.kpi.currentData()
        if not asset_id or not key:
            return
        record = self.engine.add_spot if self.which == "spot" else self.engine.add_after
        try:
            flag = record(asset_id, key, self.value.text())
        except (MeasurementError, SessionError) as error:
            self._show(error_text(error), "error")
            return
        latest = self.engine.doc.latest(self.which, asset_id, key)
        unit = self.engine.kpi(asset_id, key).unit
        recorded = _("Recorded {value}.").format(
            value=fmt_value(latest.value if latest else None, unit))
        self._show(f"{recorded} {tr(flag.message)}" if flag else recorded,
                   "flag" if flag else "ok")
        self.value.clear()
        self.recorded.emit()

    def _show(self, text: str, role: str) -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
