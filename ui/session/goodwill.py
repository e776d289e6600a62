# SPDX-License-Identifier: Apache-2.0
"""Saying yes beyond the contract (#19.2): record a request, see the allowance left."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, ui
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.model import GoodwillRequest
from concierge.session.validation import MeasurementError, parse_measurement
from ui.session.common import card, error_text, label, named

STATUS_WORDS = {
    "done": lambda: _("done as goodwill"),
    "pending": lambda: _("waiting for the office's approval"),
    "approved": lambda: _("approved by the office"),
    "declined": lambda: _("declined by the office"),
    "offered": lambda: _("offered: the office prices and schedules it"),
    "referred": lambda: _("referred"),
}


def request_text(r: GoodwillRequest) -> str:
    words = STATUS_WORDS[r.status]()
    amount = _("{minutes} min, material {money}").format(
        minutes=ui().number(r.minutes), money=ui().number(r.money)) if r.kind == "goodwill" else ""
    parts = [f"“{r.text}”", words] + [p for p in (amount, r.note, r.decision_reason) if p]
    return " · ".join(parts)


class GoodwillCard(QWidget):
    """Beyond the contract: goodwill now, offered, or referred; the allowance left."""

    recorded = Signal()

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        box, inner = card(_("Beyond the contract"), "goodwillCard")
        self.terms = label("", "goodwillContract", "muted")
        self.terms.setAccessibleName(_("The contract's goodwill allowance"))
        self.left = label("", "goodwillAllowance", "muted")
        self.text = named(QLineEdit(), "goodwillText", _("What the customer asked for"))
        self.text.setPlaceholderText(_("What the customer asked for, e.g. the garage door"))
        self.kind = named(QComboBox(), "goodwillKind", _("How we say yes"))
        self.kind.addItem(_("Done now as goodwill"), "goodwill")
        self.kind.addItem(_("Offered: quote or visit by the office"), "offered")
        self.kind.addItem(_("Referred to someone else"), "referred")
        self.minutes = named(QLineEdit(), "goodwillMinutes", _("Time spent (minutes)"))
        self.minutes.setPlaceholderText(_("minutes"))
        self.money = named(QLineEdit(), "goodwillMoney", _("Material (money)"))
        self.money.setPlaceholderText(_("material"))
        self.note = named(QLineEdit(), "goodwillNote", _("Note: what to offer, or to whom and why"))
        self.note.setPlaceholderText(_("Note: what to offer, or to whom and why"))
        self.add = named(QPushButton(_("Record")), "goodwillRecord",
                         _("Record the request beyond the contract"))
        self.add.clicked.connect(self.submit)
        self.message = label("", "goodwillMessage")
        self.message.setAccessibleName(_("What happened to the request"))
        self.items = label("", "goodwillItems")
        row = QHBoxLayout()
        for widget, stretch in ((self.text, 3), (self.kind, 2), (self.minutes, 1),
                                (self.money, 1)):
            row.addWidget(widget, stretch)
        second = QHBoxLayout()
        second.addWidget(self.note, 1)
        second.addWidget(self.add)
        inner.addWidget(self.terms)
        inner.addWidget(self.left)
        inner.addLayout(row)
        inner.addLayout(second)
        inner.addWidget(self.message)
        inner.addWidget(self.items)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        self.refresh()

    def _amount(self, field: QLineEdit) -> float:
        return parse_measurement(field.text()) if field.text().strip() else 0.0

    def submit(self) -> None:
        try:
            r = self.engine.record_goodwill(self.text.text(), str(self.kind.currentData()),
                                            self._amount(self.minutes), self._amount(self.money),
                                            self.note.text())
        except (SessionError, MeasurementError) as error:
            self.message.setText(error_text(error))
            return
        self.message.setText(
            _("Recorded. Above the allowance: the office decides, and you get the answer at "
              "the next sync.") if r.status == "pending" else _("Recorded."))
        for field in (self.text, self.minutes, self.money, self.note):
            field.clear()
        self.refresh()
        self.recorded.emit()

    def refresh(self) -> None:
        a = self.engine.allowance
        visit, year = self.engine.goodwill_spent()
        n = ui().number
        site = self.engine.site
        contract = site.contract.name if site is not None and site.contract else ""
        self.terms.setText(_("Allowance of the contract {name}: {vmin} min and {vmoney} "
                             "material per visit, {ymin} min and {ymoney} per year.").format(
            name=contract or _("(standard)"), vmin=n(a.minutes_per_visit),
            vmoney=n(a.money_per_visit), ymin=n(a.minutes_per_year),
            ymoney=n(a.money_per_year)))
        self.left.setText(_("Goodwill left: {vmin} min and {vmoney} material this visit; "
                            "{ymin} min and {ymoney} this year.").format(
            vmin=n(max(a.minutes_per_visit - visit.minutes, 0)),
            vmoney=n(max(a.money_per_visit - visit.money, 0)),
            ymin=n(max(a.minutes_per_year - year.minutes, 0)),
            ymoney=n(max(a.money_per_year - year.money, 0))))
        self.items.setText("\n".join(request_text(r) for r in self.engine.doc.goodwill))
        self.add.setEnabled(not self.engine.completed)
