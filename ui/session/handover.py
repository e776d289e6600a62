# SPDX-License-Identifier: Apache-2.0
"""Handing the report over: a copy named ``<date> <customer> <asset>.pdf``, open, save as,
print and e-mail; every failure says what happened and what to do next."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QUrl, QUrlQuery, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, msg
from concierge.session.engine import SessionEngine
from ui.session.report_pdf import report_document

UrlOpener = Callable[[QUrl], bool]
Launcher = Callable[[str, list[str]], bool]


def open_url(url: QUrl) -> bool:
    return QDesktopServices.openUrl(url)


def launch(program: str, args: list[str]) -> bool:
    """Start a program on its own; False when it cannot be found or started."""
    if shutil.which(program) is None:
        return False
    ok, _pid = QProcess.startDetached(program, args)
    return bool(ok)


def handover_folder(report: Path) -> Path:
    """``<data folder>/reports``, beside the attachments the report is kept in."""
    return report.parent.parent.parent / "reports"


class Handover(QObject):
    """The report's hand-over actions for one completed session; ``told(text, role)``
    reports each outcome (role ``ok`` or ``error``)."""

    told = Signal(str, str)

    def __init__(self, engine: SessionEngine, parent: QWidget, *,
                 opener: UrlOpener = open_url, launcher: Launcher = launch) -> None:
        super().__init__(parent)
        self.engine = engine
        self.widget = parent
        self.opener = opener
        self.launcher = launcher
        self.save_dialog: QFileDialog | None = None
        self.print_dialog: QPrintDialog | None = None
        self.printer: QPrinter | None = None
        self.preview_dialog: ReportPreview | None = None

    def file(self) -> Path | None:
        """The report under its customer-facing name (copied there once); None after
        telling why it is not available."""
        kept = self.engine.report_path()
        if kept is None or not kept.exists():
            self.told.emit(_("The report file is missing on this laptop. Sync, then open "
                             "the visit again; the office keeps a copy."), "error")
            return None
        named = handover_folder(kept) / self.engine.report_filename()
        try:
            if not named.exists() or named.stat().st_size != kept.stat().st_size:
                named.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept, named)
        except OSError as error:
            self.told.emit(_("The report could not be copied to {path}: {reason}. Free some "
                             "disk space or use Save as.").format(path=named,
                                                                  reason=error.strerror), "error")
            return None
        return named

    def open(self) -> None:
        path = self.file()
        if path is None:
            return
        if self.opener(QUrl.fromLocalFile(str(path))):
            self.told.emit(_("The report is open: {name}").format(name=path.name), "ok")
        else:
            self.told.emit(_("No app for PDF files could be started. Use Save as to put the "
                             "report where you need it, Print it, or install a PDF viewer."),
                           "error")

    def preview(self) -> None:
        """The report as it stands, in a window of its own (before the customer signs)."""
        dialog = ReportPreview(self.engine, self.widget)
        dialog.finished.connect(dialog.deleteLater)
        self.preview_dialog = dialog
        dialog.show()

    # --- save as ---------------------------------------------------------------

    def save_as(self) -> None:
        path = self.file()
        if path is None:
            return
        dialog = QFileDialog(self.widget, _("Save the report as"))
        dialog.setObjectName("saveReportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(_("PDF documents (*.pdf)"))
        dialog.setDefaultSuffix("pdf")
        dialog.setDirectory(str(Path.home()))
        dialog.selectFile(path.name)
        dialog.fileSelected.connect(self.save_to)
        self.save_dialog = dialog
        dialog.open()

    def save_to(self, target: str) -> None:
        source = self.file()
        if source is None or not target:
            return
        try:
            shutil.copyfile(source, target)
        except OSError as error:
            self.told.emit(_("The report could not be saved to {path}: {reason}. Choose "
                             "another folder.").format(path=target, reason=error.strerror),
                           "error")
            return
        self.told.emit(_("Saved: {path}").format(path=target), "ok")

    # --- print -----------------------------------------------------------------

    def print_report(self) -> None:
        if self.engine.report_path() is None:
            self.file()  # tells why
            return
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setDocName(self.engine.report_filename())
        dialog = QPrintDialog(self.printer, self.widget)
        dialog.setObjectName("printReportDialog")
        dialog.accepted.connect(self._print)
        self.print_dialog = dialog
        QDialog.open(dialog)  # window-modal, never blocks (PySide lacks the no-argument overload)

    def _print(self) -> None:
        printer = self.printer
        assert printer is not None
        rect = printer.pageRect(QPrinter.Unit.DevicePixel)
        doc = report_document(self.engine.report_content(), int(rect.width()),
                              int(rect.height()))
        doc.print_(printer)
        if printer.printerState() == QPrinter.PrinterState.Error:
            self.told.emit(_("The printer reported an error. Check that it is on and has "
                             "paper, or Save as and print later."), "error")
        else:
            self.told.emit(_("Sent to the printer."), "ok")

    # --- e-mail ----------------------------------------------------------------

    def email(self) -> None:
        path = self.file()
        if path is None:
            return
        address = self.engine.site.contact_email.strip() if self.engine.site else ""
        t = self.engine.report_content().translator
        subject = t.render(msg("Your service report: {name}", name=path.stem))
        body = t.render(msg("Please find attached the report of our visit."))
        if not address:
            self.reveal(path)
            self.told.emit(_("The customer has no e-mail address on file. The report's folder "
                             "is open: send the file yourself, or ask the office to add the "
                             "address."), "error")
            return
        if self.launcher("xdg-email", ["--attach", str(path), "--subject", subject,
                                       "--body", body, address]):
            self.told.emit(_("An e-mail to {address} is ready in your e-mail app, with the "
                             "report attached.").format(address=address), "ok")
            return
        url = QUrl(f"mailto:{address}")
        query = QUrlQuery()
        query.addQueryItem("subject", subject)
        query.addQueryItem("body", body)
        url.setQuery(query)
        revealed = self.reveal(path)
        if self.opener(url):
            self.told.emit(_("Your e-mail app is open with a message to {address}. Attach "
                             "“{name}” from the folder that was opened.").format(
                                 address=address, name=path.name), "ok")
        elif revealed:
            self.told.emit(_("No e-mail app is set up on this laptop. The report's folder is "
                             "open: send “{name}” another way, or Save as to a USB stick.")
                           .format(name=path.name), "error")
        else:
            self.told.emit(_("Neither an e-mail app nor the file manager could be started. "
                             "The report is here: {path}").format(path=path), "error")

    def reveal(self, path: Path) -> bool:
        """Show the file in the file manager, selected where the platform allows."""
        if sys.platform == "win32":
            return self.launcher("explorer", [f"/select,{path}"])
        if sys.platform == "darwin":
            return self.launcher("open", ["-R", str(path)])
        if self.file_manager(path):
            return True
        return self.opener(QUrl.fromLocalFile(str(path.parent)))

    @staticmethod
    def file_manager(path: Path) -> bool:
        """Ask a freedesktop file manager over D-Bus to show ``path`` selected."""
        from PySide6.QtDBus import QDBusConnection, QDBusMessage

        bus = QDBusConnection.sessionBus()
        service = "org.freedesktop.FileManager1"
        iface = bus.interface() if bus.isConnected() else None
        if iface is None or not iface.isServiceRegistered(service).value():
            return False
        call = QDBusMessage.createMethodCall(service, "/org/freedesktop/FileManager1",
                                             service, "ShowItems")
        call.setArguments([[QUrl.fromLocalFile(str(path)).toString()], ""])
        return bool(bus.send(call))


class ReportPreview(QDialog):
    """The customer's report laid out as on paper, read-only; nothing is saved."""

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportPreview")
        self.setAccessibleName(_("Report preview"))
        self.setWindowTitle(_("Report preview: {name}").format(name=engine.report_filename()))
        self.browser = QTextBrowser()
        self.browser.setObjectName("reportPreviewText")
        self.browser.setAccessibleName(_("The report as the customer will get it"))
        width = 1100
        self.browser.setDocument(report_document(engine.report_content(), width))
        self.browser.document().setParent(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("reportPreviewButtons")
        buttons.setAccessibleName(_("Close the preview"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(900, 900)
