# SPDX-License-Identifier: Apache-2.0
"""Step 5: recommendations, "How did we do?", the customer's signature, the sign-off."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, tr
from concierge.session.engine import SessionEngine, SessionError
from ui.session.common import TextSaver, card, error_text, label, named
from ui.session.goodwill import GoodwillCard
from ui.session.handover import Handover
from ui.session.signature import SignaturePad


class DelightPage(QWidget):
    def __init__(self, engine: SessionEngine, default_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("delightPage")
        self.engine = engine
        doc = engine.doc
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Delight"), "delightTitle", "pageTitle"))
        grid = QGridLayout()
        layout.addLayout(grid, 1)

        recs, rl = card(_("Recommendations and follow-ups"), "recommendationsCard")
        self.recommendations = named(QPlainTextEdit("\n".join(doc.recommendations)),
                                     "recommendations", _("Recommendations, one per line"))
        self.recommendations.setPlaceholderText(_("Recommendations for the customer, one per line"))
        self.follow_ups = named(QPlainTextEdit("\n".join(doc.follow_ups)), "followUps",
                                _("Follow-ups, one per line"))
        self.follow_ups.setPlaceholderText(_("Follow-ups we agreed, one per line"))
        self.savers = [
            TextSaver(self.recommendations.toPlainText,
                      lambda t: engine.set_recommendations(t.splitlines()), self),
            TextSaver(self.follow_ups.toPlainText,
                      lambda t: engine.set_follow_ups(t.splitlines()), self),
        ]
        self.recommendations.textChanged.connect(self.savers[0].touch)
        self.follow_ups.textChanged.connect(self.savers[1].touch)
        rl.addWidget(self.recommendations)
        rl.addWidget(self.follow_ups)

        rate, fl = card(_("How did we do?"), "ratingCard")
        stars = QHBoxLayout()
        self.stars = QButtonGroup(self)
        self.stars.setExclusive(False)
        for n in range(1, 6):
            star = named(QToolButton(), f"rating{n}", _("Rate {n} of 5").format(n=n))
            star.setText("★")
            star.setCheckable(True)
            star.setChecked(doc.rating is not None and n <= doc.rating)
            star.setProperty("star", True)
            self.stars.addButton(star, n)
            stars.addWidget(star)
        stars.addStretch(1)
        self.stars.idClicked.connect(self._rate)
        self.rating_text = label("", "ratingText", "muted")
        self.comment = named(QLineEdit(doc.comment), "ratingComment", _("The customer's comment"))
        self.comment.setPlaceholderText(_("Anything you would like to tell us?"))
        self.savers.append(TextSaver(self.comment.text, engine.set_comment, self))
        self.comment.textChanged.connect(self.savers[-1].touch)
        fl.addLayout(stars)
        fl.addWidget(self.rating_text)
        fl.addWidget(self.comment)

        sign, sl = card(_("Customer's signature"), "signatureCard")
        self.pad = SignaturePad()
        self.pad.set_strokes(doc.signature.strokes)
        self.pad.stroke_finished.connect(self._stroke)
        self.clear = named(QPushButton(_("Clear signature")), "clearSignature",
                           _("Clear the signature"))
        self.clear.clicked.connect(self._clear)
        self.signer = named(QLineEdit(doc.signature.signer), "signerName",
                            _("The customer's name in print"))
        self.signer.setPlaceholderText(_("Name in print, under the signature"))
        self.savers.append(TextSaver(self.signer.text, engine.set_signer, self))
        self.signer.textChanged.connect(self.savers[-1].touch)
        self.handover = Handover(engine, self)
        self.preview = named(QPushButton(_("Preview report")), "previewReportBeforeSigning",
                             _("Show the customer the report before they sign"))
        self.preview.clicked.connect(self.handover.preview)
        sl.addWidget(self.pad)
        sl.addWidget(self.signer)
        under = QHBoxLayout()
        under.addWidget(self.clear)
        under.addWidget(self.preview)
        under.addStretch(1)
        sl.addLayout(under)

        tech, tl = card(_("Technician's sign-off"), "signOffCard")
        self.name = named(QLineEdit(doc.sign_off.name if doc.sign_off else default_name),
                          "signOffName", _("Technician's name"))
        self.sign_button = named(QPushButton(), "signOff", _("Sign off the session"))
        self.sign_button.setCheckable(True)
        self.sign_button.clicked.connect(self._sign)
        self.sign_message = label("", "signOffMessage", "muted")
        row = QHBoxLayout()
        row.addWidget(self.name, 1)
        row.addWidget(self.sign_button)
        tl.addLayout(row)
        tl.addWidget(self.sign_message)

        self.wishes_card, self.wishes_layout = card(_("Did we solve this for you?"),
                                                    "wishAnswersCard")
        self.answers: dict[str, QButtonGroup] = {}
        self.wish_comments: dict[str, QLineEdit] = {}
        self._wish_ids: list[str] = []
        self._build_answers()
        layout.insertWidget(1, self.wishes_card)

        self.goodwill = GoodwillCard(engine)
        layout.insertWidget(2, self.goodwill)

        grid.addWidget(recs, 0, 0)
        grid.addWidget(rate, 0, 1)
        grid.addWidget(sign, 1, 0)
        grid.addWidget(tech, 1, 1)
        self.missing = label("", "missingList", "missing")
        layout.addWidget(self.missing)
        self.refresh()

    def _build_answers(self) -> None:
        """Per wish: yes / partly / not yet, and the customer's comment."""
        while self.wishes_layout.count() > 1:  # keep the card's title
            item = self.wishes_layout.takeAt(1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for saver in getattr(self, "wish_savers", []):
            saver.flush()
        self.answers, self.wish_comments = {}, {}
        self.wish_savers: list[TextSaver] = []
        wishes = self.engine.doc.wishes.items
        self._wish_ids = [w.id for w in wishes]
        words = {"yes": _("Yes"), "partly": _("Partly"), "not_yet": _("Not yet")}
        for n, wish in enumerate(wishes):
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(label(f"“{wish.text}”", f"wishAnswerText{n}"), 2)
            group = QButtonGroup(row)
            for answer, word in words.items():
                button = named(QPushButton(word), f"wishAnswer{n}_{answer}",
                               _("{answer}: {wish}").format(answer=word, wish=wish.text))
                button.setCheckable(True)
                button.setChecked(wish.answer == answer)
                group.addButton(button)
                button.clicked.connect(
                    lambda _on, wid=wish.id, a=answer: self._answer(wid, a))
                line.addWidget(button)
            comment = named(QLineEdit(wish.comment), f"wishComment{n}",
                            _("The customer's comment on: {wish}").format(wish=wish.text))
            comment.setPlaceholderText(_("Comment (optional)"))
            saver = TextSaver(comment.text, partial(self._comment, wish.id), self)
            comment.textChanged.connect(saver.touch)
            self.wish_savers.append(saver)
            line.addWidget(comment, 2)
            self.answers[wish.id] = group
            self.wish_comments[wish.id] = comment
            self.wishes_layout.addWidget(row)
        if not wishes:
            self.wishes_layout.addWidget(label(_("No wishes were recorded."), role="muted"))

    def _comment(self, wish_id: str, text: str) -> None:
        if any(w.id == wish_id for w in self.engine.doc.wishes.items):
            self.engine.answer_wish(wish_id, self.engine.wish(wish_id).answer, text)

    def _answer(self, wish_id: str, answer: str) -> None:
        self.engine.answer_wish(wish_id, answer)
        self.refresh()

    def _rate(self, n: int) -> None:
        self.engine.set_rating(n)
        self.refresh()

    def _stroke(self, stroke: list[tuple[float, float]]) -> None:
        self.engine.add_stroke(stroke)
        self.refresh()

    def _clear(self) -> None:
        self.engine.clear_signature()
        self.pad.set_strokes([])
        self.refresh()

    def _sign(self, on: bool) -> None:
        try:
            self.engine.sign_off(self.name.text() if on else None)
        except SessionError as error:
            self.sign_message.setText(error_text(error))
        self.refresh()

    def flush(self) -> None:
        for saver in [*self.savers, *self.wish_savers]:
            saver.flush()

    def refresh(self) -> None:
        doc = self.engine.doc
        if [w.id for w in doc.wishes.items] != self._wish_ids:
            self._build_answers()
        self.goodwill.refresh()
        for button in self.stars.buttons():
            n = self.stars.id(button)
            button.setChecked(doc.rating is not None and n <= doc.rating)
        self.rating_text.setText(_("{n} of 5").format(n=doc.rating) if doc.rating
                                 else _("Not rated yet (optional)"))
        signed = doc.sign_off is not None
        self.sign_button.setChecked(signed)
        self.sign_button.setText(_("Withdraw sign-off") if signed else _("Sign off"))
        self.name.setReadOnly(signed)
        if signed and doc.sign_off:
            self.sign_message.setText(_("Signed off by {name}.").format(name=doc.sign_off.name))
        self.pad.read_only = self.engine.completed
        self.signer.setReadOnly(self.engine.completed)
        missing = self.engine.blockers()
        self.missing.setText(_("Still missing before the session can complete:") + "\n• "
                             + "\n• ".join(tr(m) for m in missing) if missing
                             else _("Ready to complete."))
