# SPDX-License-Identifier: Apache-2.0
"""Step 6: complete the session and make the customer's PDF report (offline)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from concierge.i18n import _, tr
from concierge.session.engine import SessionEngine, SessionError
from concierge.session.report import ReportContent
from ui.session.common import SessionIO, card, error_text, label, named
from ui.session.report_pdf import render_pdf
from ui.session.signature import png_bytes, signature_image


def open_with_system(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def render_files(content: ReportContent, strokes: list[list[tuple[float, float]]]
                 ) -> tuple[bytes, bytes | None]:
    """The report PDF and the signature PNG (a worker may run this: images and PDF only)."""
    signature = png_bytes(signature_image(strokes)) if strokes else None
    return render_pdf(content), signature


class FinishPage(QWidget):
    completed = Signal()
    busy = Signal(bool)

    def __init__(self, engine: SessionEngine, io: SessionIO | None = None,
                 opener: Callable[[Path], None] = open_with_system,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportPage")
        self.engine = engine
        self.io = io
        self.working = False
        self._open = opener
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
        self.open_button = named(QPushButton(_("Open report")), "openReport",
                                 _("Open the report in the system viewer"))
        self.open_button.clicked.connect(self.open_report)
        buttons.addWidget(self.complete_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        bl.addWidget(self.missing)
        bl.addWidget(self.state)
        bl.addLayout(buttons)
        layout.addWidget(box)
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

    def open_report(self) -> None:
        path = self.engine.report_path()
        if path is not None:
            self._open(path)

    def refresh(self) -> None:
        e = self.engine
        missing = e.blockers()
        done = e.completed
        self.complete_button.setVisible(not done)
        self.complete_button.setEnabled(not missing and not self.working)
        self.open_button.setVisible(done and e.doc.report is not None)
        if done:
            self.missing.setText("")
            self.state.setText(
                _("Completed. The report is kept on this laptop ({path}) and is uploaded with "
                  "the session at the next sync.").format(path=e.report_path()))
        else:
            self.missing.setText(_("Still missing:") + "\n• " + "\n• ".join(tr(m) for m in missing)
                                 if missing else _("Everything required is there."))
            self.state.setText("")
