"""Step 6: complete the session and make the customer's PDF report (offline)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from concierge.session.engine import SessionEngine, SessionError
from ui.session.common import card, label, named
from ui.session.report_pdf import render_pdf
from ui.session.signature import png_bytes, signature_image


def open_with_system(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class FinishPage(QWidget):
    completed = Signal()

    def __init__(self, engine: SessionEngine, opener: Callable[[Path], None] = open_with_system,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportPage")
        self.engine = engine
        self._open = opener
        layout = QVBoxLayout(self)
        layout.addWidget(label("Report", "reportTitle", "pageTitle"))
        layout.addWidget(label(
            "Completing makes the customer's PDF report on this laptop (no connection "
            "needed) and queues the session, its photos, signature and report for the "
            "back office. After that the session can no longer be changed.", role="muted"))
        box, bl = card("Ready?", "completeCard")
        self.missing = label("", "reportMissing", "missing")
        self.state = label("", "reportState")
        buttons = QHBoxLayout()
        self.complete_button = named(QPushButton("Complete session and create report"),
                                     "completeSession",
                                     "Complete the session and create the report")
        self.complete_button.setProperty("primary", True)
        self.complete_button.clicked.connect(self.complete)
        self.open_button = named(QPushButton("Open report"), "openReport",
                                 "Open the report in the system viewer")
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
        e = self.engine
        missing = e.blockers()
        if missing:
            self.refresh()
            return
        strokes = e.doc.signature.strokes
        signature = png_bytes(signature_image(strokes)) if strokes else None
        try:
            e.complete(render_pdf(e.report_content()), signature)
        except (SessionError, ValueError, OSError) as error:
            self.state.setText(f"The session could not be completed: {error}")
            return
        self.refresh()
        self.completed.emit()

    def open_report(self) -> None:
        path = self.engine.report_path()
        if path is not None:
            self._open(path)

    def refresh(self) -> None:
        e = self.engine
        missing = e.blockers()
        done = e.completed
        self.complete_button.setVisible(not done)
        self.complete_button.setEnabled(not missing)
        self.open_button.setVisible(done and e.doc.report is not None)
        if done:
            self.missing.setText("")
            self.state.setText(
                f"Completed. The report is kept on this laptop ({e.report_path()}) and is "
                "uploaded with the session at the next sync.")
        else:
            self.missing.setText("Still missing:\n• " + "\n• ".join(missing) if missing
                                 else "Everything required is there.")
            self.state.setText("")
