# SPDX-License-Identifier: Apache-2.0
"""Help from the field (#19.4): ask for a colleague's remote assistance, an expert, or a
hand-over of the visit, offline (saved in the session, sent with the next sync)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from concierge.i18n import _
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.model import HelpRequest
from ui.session.common import card, error_text, label, named

KIND_WORDS: dict[str, Callable[[], str]] = {
    "remote": lambda: _("Remote assistance from a colleague"),
    "expert": lambda: _("An expert"),
    "handover": lambda: _("Hand the visit over"),
}
STATUS_WORDS: dict[str, Callable[[], str]] = {
    "pending": lambda: _("waiting for the office (sent at the next sync)"),
    "accepted": lambda: _("accepted by the office"),
    "declined": lambda: _("declined by the office"),
}


def help_text(h: HelpRequest) -> str:
    parts = [KIND_WORDS[h.kind](), _("“{note}”").format(note=h.note), STATUS_WORDS[h.status]()]
    if h.helper:
        parts.append(_("with {helper}").format(helper=h.helper))
    return " · ".join(parts + [p for p in (h.reason, h.answer) if p])


class HelpCard(QWidget):
    """Ask for help from the field; what was asked and what the office answered."""

    asked = Signal()

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        box, inner = card(_("Help from the field"), "helpCard")
        self.kind = named(QComboBox(), "helpKind", _("What help you need"))
        for kind, words in KIND_WORDS.items():
            self.kind.addItem(words(), kind)
        self.note = named(QLineEdit(), "helpNote", _("What you need help with"))
        self.note.setPlaceholderText(_("What you need help with"))
        self.reason = named(QLineEdit(), "helpReason", _("Why (needed for a hand-over)"))
        self.reason.setPlaceholderText(_("Why (needed for a hand-over)"))
        self.ask = named(QPushButton(_("Ask")), "helpAsk", _("Ask the office for help"))
        self.ask.clicked.connect(self.submit)
        self.message = label("", "helpMessage")
        self.message.setAccessibleName(_("What happened to the request for help"))
        self.items = label("", "helpItems")
        row = QHBoxLayout()
        for widget, stretch in ((self.kind, 2), (self.note, 3), (self.reason, 2)):
            row.addWidget(widget, stretch)
        row.addWidget(self.ask)
        inner.addLayout(row)
        inner.addWidget(self.message)
        inner.addWidget(self.items)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        self.refresh()

    def submit(self) -> None:
        try:
            self.engine.ask_help(str(self.kind.currentData()), self.note.text(),
                                 self.reason.text())
        except SessionError as error:
            self.message.setText(error_text(error))
            return
        self.message.setText(_("Saved. The office gets it at the next sync and answers; "
                               "you are told when the answer arrives."))
        self.note.clear()
        self.reason.clear()
        self.refresh()
        self.asked.emit()

    def refresh(self) -> None:
        self.items.setText("\n".join(help_text(h) for h in self.engine.doc.help))
        self.ask.setEnabled(not self.engine.completed)
