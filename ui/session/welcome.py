# SPDX-License-Identifier: Apache-2.0
"""Step 1: "How can I help you today?" — wishes, tags and who is present."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _
from concierge.session.engine import SessionEngine
from concierge.session.model import WISH_TAGS
from ui.format import summary_text
from ui.session.common import TextSaver, card, label, named


class WelcomePage(QWidget):
    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.engine = engine
        wishes = engine.doc.wishes
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("How can I help you today?"), "welcomeTitle", "pageTitle"))
        layout.addWidget(label(
            _("Why we are here: {reason}. Before we start, what matters most to you?")
            .format(reason=summary_text(engine.visit.summary)), role="muted"))

        self.text = named(QPlainTextEdit(wishes.text), "wishText", _("The customer's wishes"))
        self.text.setPlaceholderText(_("In the customer's own words: what should be better?"))
        self.text.setMaximumHeight(120)
        self.text_saver = TextSaver(self.text.toPlainText, engine.set_wish_text, self)
        self.text.textChanged.connect(self.text_saver.touch)
        layout.addWidget(self.text)

        tags = QHBoxLayout()
        tags.addWidget(label(_("It is about:"), role="muted", wrap=False))
        self.tags: dict[str, QPushButton] = {}
        for tag, text in WISH_TAGS.items():
            text = _(text)  # noqa: PLW2901 (stored in English, shown translated)
            button = named(QPushButton(text), f"tag_{tag}", _("Wish: {wish}").format(wish=text))
            button.setCheckable(True)
            button.setChecked(tag in wishes.tags)
            button.setProperty("tag", True)
            button.toggled.connect(lambda on, t=tag: self._toggle(t, on))
            tags.addWidget(button)
            self.tags[tag] = button
        tags.addStretch(1)
        layout.addLayout(tags)

        box, inner = card(_("Who is present?"), "presenceCard")
        self.customer = named(QCheckBox(_("The customer is present (they will sign at the end)")),
                              "customerPresent", _("The customer is present"))
        self.customer.setChecked(wishes.customer_present)
        self.others = named(QLineEdit(", ".join(wishes.present)), "presentOthers",
                            _("Others present"))
        self.others.setPlaceholderText(
            _("Others present, e.g. Ms Jones (building manager), tenant"))
        self.presence_saver = TextSaver(self.others.text, self._save_presence, self)
        self.others.textChanged.connect(self.presence_saver.touch)
        self.customer.toggled.connect(self.presence_saver.touch)
        self.customer.toggled.connect(self.presence_saver.flush)
        inner.addWidget(self.customer)
        inner.addWidget(self.others)
        layout.addWidget(box)
        layout.addStretch(1)

    def _toggle(self, tag: str, on: bool) -> None:
        self.engine.set_tag(tag, on)

    def _save_presence(self, others: str) -> None:
        self.engine.set_presence(self.customer.isChecked(), others.split(","))

    def flush(self) -> None:
        self.text_saver.flush()
        self.presence_saver.flush()
