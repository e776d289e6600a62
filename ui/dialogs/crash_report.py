# SPDX-License-Identifier: Apache-2.0
"""Offers the report of a previous crash on the next start (non-modal)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from concierge.crash import mark_seen
from concierge.i18n import _


class CrashReportDialog(QMessageBox):
    """Shows what was recorded; the person can read it, open its folder or dismiss it."""

    def __init__(self, report: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("crashReportDialog")
        self.setAccessibleName(_("Crash report from the last session"))
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(_("Field Concierge closed unexpectedly"))
        self.setText(_("Field Concierge closed unexpectedly last time. Your data is safe: "
                     "every change was saved before it was queued."))
        self.setInformativeText(
            _("A report was saved to {path}. Send it to support if the problem comes back.")
            .format(path=report)
        )
        self.setDetailedText(report.read_text(encoding="utf-8", errors="replace"))
        self.open_folder = self.addButton(_("Open report folder"),
                                          QMessageBox.ButtonRole.ActionRole)
        self.open_folder.setObjectName("crashOpenFolder")
        self.open_folder.setAccessibleName(_("Open report folder"))
        self.open_folder.clicked.disconnect()  # keep the dialog open
        self.open_folder.clicked.connect(self._open_folder)
        close = self.addButton(QMessageBox.StandardButton.Close)
        close.setObjectName("crashClose")
        close.setAccessibleName(_("Close"))
        self.finished.connect(self._seen)

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.parent)))

    def _seen(self, _result: int) -> None:
        if self.report.exists():
            mark_seen(self.report)


def offer_crash_reports(reports: list[Path], parent: QWidget) -> CrashReportDialog | None:
    """Open a dialog for the newest report; older ones are marked seen."""
    if not reports:
        return None
    *older, newest = reports
    for report in older:
        mark_seen(report)
    dialog = CrashReportDialog(newest, parent)
    dialog.open()
    return dialog
