# SPDX-License-Identifier: Apache-2.0
"""Step 6: complete the session and make the customer's PDF report (offline)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, tr
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.report import ReportContent
from ui.session.common import SessionIO, TextSaver, card, error_text, label, named
from ui.session.handover import Handover, Launcher, UrlOpener, launch, open_url
from ui.session.report_pdf import render_pdf
from ui.session.signature import png_bytes, signature_image


def render_files(content: ReportContent, strokes: list[list[tuple[float, float]]]
                 ) -> tuple[bytes, bytes | None]:
    """The report PDF and the signature PNG (a worker may run this: images and PDF only)."""
    signature = png_bytes(signature_image(strokes)) if strokes else None
    return render_pdf(content), signature


class FinishPage(QWidget):
    completed = Signal()
    busy = Signal(bool)

    def __init__(self, engine: SessionEngine, io: SessionIO | None = None,
                 opener: UrlOpener = open_url, launcher: Launcher = launch,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportPage")
        self.engine = engine
        self.io = io
        self.working = False
        self.handover = Handover(engine, self, opener=opener, launcher=launcher)
        self.handover.told.connect(self._told)
        layout = QVBoxLayout(self)
        layout.addWidget(label(_("Report"), "reportTitle", "pageTitle"))
        layout.addWidget(label(
            _("Completing makes the customer's PDF report on this laptop (no connection "
            "needed) and queues the session, its photos, signature and report for the "
            "back office. After that the session can no longer be changed."), role="muted"))
        box, bl = card(_("Ready?"), "completeCard")
        self.missing = label("", "reportMissing", "missing")
        self.state = label("", "reportState")
        buttons = QHBoxLayout()
        self.complete_button = named(QPushButton(_("Complete session and create report")),
                                     "completeSession",
                                     _("Complete the session and create the report"))
        self.complete_button.setProperty("primary", True)
        self.complete_button.clicked.connect(self.complete)
        self.preview_button = named(QPushButton(_("Preview report")), "previewReport",
                                    _("Preview the report before the customer signs"))
        self.preview_button.clicked.connect(self.handover.preview)
        self.open_button = named(QPushButton(_("Open report")), "openReport",
                                 _("Open the report in the system viewer"))
        self.open_button.clicked.connect(self.open_report)
        self.save_button = named(QPushButton(_("Save as…")), "saveReport",
                                 _("Save a copy of the report"))
        self.save_button.clicked.connect(self.handover.save_as)
        self.print_button = named(QPushButton(_("Print…")), "printReport",
                                  _("Print the report"))
        self.print_button.clicked.connect(self.handover.print_report)
        self.email_button = named(QPushButton(_("E-mail to the customer")), "emailReport",
                                  _("E-mail the report to the customer"))
        self.email_button.clicked.connect(self.handover.email)
        self.handover_buttons = [self.open_button, self.save_button, self.print_button,
                                 self.email_button]
        buttons.addWidget(self.complete_button)
        buttons.addWidget(self.preview_button)
        for button in self.handover_buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.told = label("", "handoverMessage")
        self.told.setAccessibleName(_("What happened to the report"))
        bl.addWidget(self.missing)
        bl.addWidget(self.state)
        bl.addLayout(buttons)
        bl.addWidget(self.told)
        layout.addWidget(box)
        prep, pl = card(_("How well did the office prepare this visit?"), "preparationCard")
        pl.addWidget(label(_("The office notes, the parts, the evidence: your rating goes to the "
                             "office, not to the customer."), role="muted"))
        row = QHBoxLayout()
        self.prep = QButtonGroup(self)
        for n in range(1, 6):
            button = named(QPushButton(str(n)), f"prepRating{n}",
                           _("Rate the office's preparation {n} of 5").format(n=n))
            button.setCheckable(True)
            button.setChecked(engine.doc.prep_rating == n)
            self.prep.addButton(button, n)
            row.addWidget(button)
        self.prep.idClicked.connect(engine.rate_preparation)
        self.prep_note = named(QLineEdit(engine.doc.prep_note), "prepNote",
                               _("What the office could prepare better"))
        self.prep_note.setPlaceholderText(_("What could the office prepare better? (optional)"))
        self.prep_saver = TextSaver(self.prep_note.text,
                                    lambda text: engine.rate_preparation(
                                        engine.doc.prep_rating, text), self)
        self.prep_note.textChanged.connect(self.prep_saver.touch)
        row.addWidget(self.prep_note, 1)
        pl.addLayout(row)
        layout.addWidget(prep)
        layout.addStretch(1)
        self.refresh()

    def complete(self) -> None:
        """Make the PDF off the GUI thread, keep it (and the signature image) on the
        database worker, then mark the session completed; ``completed`` once written."""
        e = self.engine
        try:
            e.check_complete()
        except SessionError:
            self.refresh()
            return
        content = e.report_content()
        strokes = [list(stroke) for stroke in e.doc.signature.strokes]
        if self.io is None:
            pdf, signature = render_files(content, strokes)
            try:
                e.complete(pdf, signature)
            except (SessionError, ValueError, OSError) as error:
                self._fail(error)
                return
            self._written()
            return
        self._working(True)
        (self.io.tasks.io(lambda: render_files(content, strokes), parent=self)
         .label(_("Creating the report")).success(self._rendered).failure(self._fail).run())

    def _rendered(self, files: tuple[bytes, bytes | None]) -> None:
        assert self.io is not None
        pdf, signature = files
        io = self.io

        def keep_report(signature_sha: str | None) -> None:
            io.add_attachment(pdf, "application/pdf", self.engine.report_filename(),
                              lambda sha: self._finish(sha, signature_sha), self._fail)

        if signature is None:
            keep_report(None)
        else:
            io.add_attachment(signature, "image/png", "signature.png", keep_report, self._fail)

    def _finish(self, report_sha: str, signature_sha: str | None) -> None:
        assert self.io is not None
        try:
            self.engine.complete_stored(report_sha, signature_sha)
        except (SessionError, ValueError) as error:
            self._fail(error)
            return
        self.io.after_writes(self._written)

    def _written(self) -> None:
        self._working(False)
        self.refresh()
        self.completed.emit()

    def _fail(self, error: BaseException) -> None:
        self._working(False)
        self.refresh()
        self.state.setText(_("The session could not be completed: {error}")
                           .format(error=error_text(error)))

    def _working(self, on: bool) -> None:
        self.working = on
        self.complete_button.setEnabled(not on and not self.engine.blockers())
        if on:
            self.state.setText(_("Creating the report…"))
        self.busy.emit(on)

    def flush(self) -> None:
        self.prep_saver.flush()

    def open_report(self) -> None:
        self.handover.open()

    def _told(self, text: str, role: str) -> None:
        self.told.setText(text)
        self.told.setProperty("role", "missing" if role == "error" else "muted")
        self.told.style().unpolish(self.told)
        self.told.style().polish(self.told)

    def _not_ours_reason(self, *, short: bool) -> str:
        """Why Complete is disabled: the visit was handed over, or the office withdrew it."""
        if self.engine.handed_over is not None:
            return (_("The visit was handed over to a colleague: they complete it.") if short
                    else _("You cannot complete this session: the visit was handed over to a "
                           "colleague, who completes it."))
        return (_("The office withdrew this visit: it is not completed here.") if short
                else _("You cannot complete this session: the office withdrew the visit. "
                       "Your notes were kept and sent to the office."))

    def refresh(self) -> None:
        e = self.engine
        missing = e.blockers()
        done = e.completed
        not_ours = e.no_longer_ours and not done
        self.complete_button.setVisible(not done)
        self.complete_button.setEnabled(not missing and not self.working and not not_ours)
        self.complete_button.setToolTip(self._not_ours_reason(short=True) if not_ours else "")
        for button in self.handover_buttons:
            button.setVisible(done and e.doc.report is not None)
        self.preview_button.setVisible(not done)
        for rating in self.prep.buttons():
            rating.setEnabled(not e.no_longer_ours)
        self.prep_note.setReadOnly(e.no_longer_ours)
        if not_ours:
            self.missing.setText(self._not_ours_reason(short=False))
            self.state.setText("")
        elif done:
            self.missing.setText("")
            self.state.setText(
                _("Completed. The report “{name}” is kept on this laptop and is uploaded with "
                  "the session at the next sync.").format(name=e.report_filename()))
        else:
            self.missing.setText(_("Still missing:") + "\n• " + "\n• ".join(tr(m) for m in missing)
                                 if missing else _("Everything required is there."))
            self.state.setText("")
