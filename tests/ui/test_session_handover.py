"""#16.9 the report can be handed over: a named file, open/save as/print/e-mail with every
failure explained, a preview before signing, and a PDF without orphan headings or ids that
carries the signer's name, the photos and the time on site."""

import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from concierge.session.engine import SessionEngine
from concierge.session.report import report_file_name
from concierge.store import Store
from tests.core.session_factories import NOW_DT, seeded_store, site
from ui.session.delight import DelightPage
from ui.session.finish import FinishPage, render_files
from ui.session.report_pdf import report_document

pytestmark = pytest.mark.qt


def png(colour: str) -> bytes:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = seeded_store(tmp_path)
    yield s
    s.close()


def finished(store: Store, *, email: str = "") -> SessionEngine:
    clock = [NOW_DT]
    e = SessionEngine(store, "visit-1", clock=lambda: clock[0])
    if e.site is not None:
        e.site = e.site.model_copy(update={"contact_email": email})
    for item in e.doc.checklist:
        if item.type == "check":
            e.set_check(item.id, True)
        elif item.type == "measurement":
            e.set_measurement(item.id, "4.5")
        elif item.type == "choice":
            e.set_choice(item.id, item.choices[0])
    e.attach("e1/photo", png("#c04000"), "image/png", "door.png")
    e.attach("e1/photo", png("#0040c0"), "image/png", "rollers.png")
    e.add_stroke([(0.1, 0.5), (0.4, 0.2), (0.8, 0.6)])
    e.set_signer("Jane Customer")
    clock[0] = NOW_DT + timedelta(minutes=95)
    e.sign_off("Sam Tech")
    pdf, signature = render_files(e.report_content(), [list(s) for s in e.doc.signature.strokes])
    e.complete(pdf, signature)
    return e


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.split())


def test_file_name_is_date_customer_asset_and_safe() -> None:
    s = site().model_copy(update={"customer_name": 'Acme/Housing: "North"'})
    assert report_file_name(NOW_DT, s, ["Elevator M1 (SN-1)"]) == (
        "2025-06-15 Acme Housing North Elevator M1 (SN-1).pdf")
    assert report_file_name(NOW_DT, s, ["A", "B", "C"]).endswith(" A +2.pdf")


def test_the_pdf_tells_signer_photos_time_on_site_and_no_ids(store: Store,
                                                            tmp_path: Path) -> None:
    assert shutil.which("pdftotext") and shutil.which("pdfimages")
    e = finished(store)
    path = e.report_path()
    assert path is not None
    text = text_of(path)
    assert "Signed by Jane Customer" in text
    assert "Time on site: 1 hour 35 minutes (arrived" in text
    assert "visit-1" not in text and "ses-" not in text and "site-1" not in text
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                            capture_output=True, text=True).stdout.splitlines()[2:]
    assert len(images) >= 4  # chart, signature and the two photos


@pytest.mark.parametrize("lines", range(0, 60, 3))
def test_no_heading_is_left_at_the_foot_of_a_page(store: Store, lines: int) -> None:
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    e.set_recommendations([f"Recommendation number {n} for the customer" for n in range(lines)])
    e.set_follow_ups([f"Follow-up {n}" for n in range(lines // 2)])
    doc = report_document(e.report_content(), 1100, 1500)
    layout = doc.documentLayout()
    page = doc.pageSize().height()
    block = doc.begin()
    headings = 0
    while block.isValid():
        following = block.next()
        if block.blockFormat().headingLevel() and following.isValid():
            headings += 1
            top = layout.blockBoundingRect(block).top()
            nxt = layout.blockBoundingRect(following)
            assert int(top // page) == int((nxt.top() + min(nxt.height(), 24)) // page), (
                block.text())
        block = following
    assert headings > 5


def test_hand_over_actions_and_their_failures(qtbot: QtBot, store: Store,
                                              tmp_path: Path) -> None:
    e = finished(store, email="")
    urls: list[QUrl] = []
    opens = {"ok": False}
    started: list[tuple[str, list[str]]] = []

    def opener(url: QUrl) -> bool:
        urls.append(url)
        return opens["ok"]

    def launcher(program: str, args: list[str]) -> bool:
        started.append((program, args))
        return False  # no e-mail app, no file manager helper on this machine

    page = FinishPage(e, opener=opener, launcher=launcher)
    qtbot.addWidget(page)
    page.show()
    assert all(b.isVisible() for b in page.handover_buttons)

    page.open_button.click()  # no PDF viewer
    assert "No app for PDF files could be started" in page.told.text()
    named = Path(urls[-1].toLocalFile())
    assert named.name == e.report_filename() and named.name.endswith(".pdf")

    page.save_button.click()  # non-blocking: the dialog is open and we are back here
    dialog = page.handover.save_dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "out" / "copy.pdf"
    dialog.fileSelected.emit(str(target))  # a folder that does not exist
    told = page.told.text()
    assert "could not be saved" in told and "Choose another folder" in told
    target.parent.mkdir()
    dialog.fileSelected.emit(str(target))
    assert target.read_bytes().startswith(b"%PDF") and page.told.text().startswith("Saved: ")
    dialog.reject()

    page.print_button.click()
    printing = page.handover.print_dialog
    assert printing is not None and printing.isVisible()
    printer = page.handover.printer
    assert printer is not None
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printing.done(QDialog.DialogCode.Accepted)  # as if "Print to file" had been chosen
    assert page.told.text() == "Sent to the printer."
    assert "Signed by Jane Customer" in text_of(tmp_path / "printed.pdf")

    opens["ok"] = True
    page.email_button.click()  # no address on file
    assert "no e-mail address on file" in page.told.text()
    assert urls[-1].toLocalFile() == str(named.parent)  # the folder is shown

    assert e.site is not None
    e.site = e.site.model_copy(update={"contact_email": "jane@example.com"})
    page.email_button.click()
    assert ("xdg-email", ["--attach", str(named), "--subject",
                          f"Your service report: {named.stem}", "--body",
                          "Please find attached the report of our visit.",
                          "jane@example.com"]) in started
    mail = urls[-1]
    assert mail.scheme() == "mailto" and mail.path() == "jane@example.com"
    assert f"Attach “{named.name}”" in page.told.text()


def test_preview_before_the_customer_signs(qtbot: QtBot, store: Store) -> None:
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    page = DelightPage(e)
    qtbot.addWidget(page)
    qtbot.keyClicks(page.signer, "Jane Customer")
    page.flush()
    assert e.doc.signature.signer == "Jane Customer"
    page.preview.click()
    preview = page.handover.preview_dialog
    assert preview is not None and preview.isVisible() and not preview.isModal()
    assert "Acme Housing" in preview.browser.toPlainText()
    preview.reject()
