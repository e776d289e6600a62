# SPDX-License-Identifier: Apache-2.0
"""Step 1: "How can I help you today?" — wishes, tags and who is present."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _
from concierge.session.engine import SessionEngine
from concierge.session.model import WISH_TAGS, Wish
from ui.format import summary_of
from ui.session.common import TextSaver, card, label, named


def earlier_text(wish: Wish) -> str:
    """``Last time: quieter doors, not yet solved``."""
    status = {"partly": _("partly solved"), "not_yet": _("not yet solved")}.get(
        wish.last_answer or "", _("not answered"))
    return _("Last time: {wish}, {status}").format(wish=wish.text, status=status)


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
            .format(reason=summary_of(engine.visit)), role="muted"))

        self.earlier, earlier_layout = card(_("Last time"), "earlierWishesCard")
        self.earlier_lines = [label(earlier_text(w), f"earlierWish:{w.origin}")
                              for w in wishes.items if w.carried]
        for line in self.earlier_lines:
            earlier_layout.addWidget(line)
        self.earlier.setVisible(bool(self.earlier_lines))
        layout.addWidget(self.earlier)

        self.text = named(QPlainTextEdit("\n".join(w.text for w in wishes.typed)), "wishText",
                          _("The customer's wishes, one per line"))
        self.text.setPlaceholderText(
            _("In the customer's own words: what should be better? One wish per line."))
        self.text.setMaximumHeight(120)
        self.text_saver = TextSaver(self.text.toPlainText, self._save_wishes, self)
        self.text.textChanged.connect(self.text_saver.touch)
        layout.addWidget(self.text)
        self.wish_rows = QVBoxLayout()
        self.wish_tags: dict[str, QComboBox] = {}
        layout.addLayout(self.wish_rows)
        self._rebuild_wishes()

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

    def _save_wishes(self, text: str) -> None:
        self.engine.set_wish_text(text)
        self._rebuild_wishes()

    def _rebuild_wishes(self) -> None:
        """One row per typed wish: its words and what it is about (its tag)."""
        while self.wish_rows.count():
            item = self.wish_rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.wish_tags = {}
        for n, wish in enumerate(self.engine.doc.wishes.typed):
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(label(_("Wish {n}: {text}").format(n=n + 1, text=wish.text),
                                 f"wishItem{n}"), 1)
            combo = named(QComboBox(), f"wishTag{n}",
                          _("What wish {n} is about").format(n=n + 1))
            combo.addItem(_("(no tag)"), "")
            for tag, text in WISH_TAGS.items():
                combo.addItem(_(text), tag)
            combo.setCurrentIndex(max(combo.findData(wish.tags[0] if wish.tags else ""), 0))
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, wid=wish.id: self._tag_wish(wid, str(c.currentData())))
            line.addWidget(combo)
            self.wish_tags[wish.id] = combo
            self.wish_rows.addWidget(row)

    def _tag_wish(self, wish_id: str, tag: str) -> None:
        self.engine.set_wish_tags(wish_id, [tag] if tag else [])

    def _toggle(self, tag: str, on: bool) -> None:
        self.engine.set_tag(tag, on)

    def _save_presence(self, others: str) -> None:
        self.engine.set_presence(self.customer.isChecked(), others.split(","))

    def flush(self) -> None:
        self.text_saver.flush()
        self.presence_saver.flush()
