"""The customer's PDF: its text carries the figures, wishes and rating; page 1 renders."""

import io
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from concierge.domain import AssetKind
from concierge.protocol.schemas import Contract
from concierge.session.checklist import generate
from concierge.session.model import (
    KpiBaseline,
    Measurement,
    SessionDoc,
    SignOff,
    StepResult,
    Wish,
)
from concierge.session.report import build_report
from tests.core.session_factories import (
    NOW,
    NOW_DT,
    asset,
    elevator_template,
    site,
    trend_insight,
    visit,
)
from ui.session.report_pdf import render_pdf

pytestmark = pytest.mark.qt


def report_pdf(customer_language: str = "en", report_language: str | None = None,
               office_phone: str = "") -> bytes:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    e1 = asset("e1")
    doc = SessionDoc(
        checklist=generate([e1], {AssetKind.ELEVATOR: elevator_template()}, [ins], ["noise"]),
        baseline=[KpiBaseline(asset_id="e1", kpi="door_cycle_time", value=5.5, n=100),
                  KpiBaseline(asset_id="e1", kpi="motor_temp", value=70.0, n=100)],
        after=[Measurement(asset_id="e1", kpi="door_cycle_time", value=4.0, at=NOW_DT),
               Measurement(asset_id="e1", kpi="motor_temp", value=63.0, at=NOW_DT)],
        recommendations=["Replace the door rollers next spring"],
        rating=4, comment="Much quieter now", sign_off=SignOff(name="Sam Tech", at=NOW_DT),
    )
    doc.wishes.items = [Wish(id="w-1", text="The doors are slow and noisy in the morning",
                             answer="partly", comment="Better, not quiet yet")]
    doc.wishes.tags = ["noise", "speed"]
    doc.signature.strokes = [[(0.1, 0.6), (0.2, 0.3), (0.3, 0.7), (0.5, 0.4)]]
    doc.results["e1/door-adjust"] = StepResult(status="done", value=4.0)
    doc.report_language = report_language
    contract = Contract(name="Gold", office_phone=office_phone) if office_phone else None
    customer = site().model_copy(update={"language": customer_language, "contract": contract})
    content = build_report(doc, visit(["e1"], ["i1"]), customer, [e1], [ins],
                           now=datetime.fromtimestamp(NOW, UTC))
    return render_pdf(content)


def test_pdf_text_has_figures_wishes_and_rating(tmp_path: Path) -> None:
    pdf = report_pdf()
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(unicodedata.normalize("NFKC", text).split())  # "ﬀ" ligature -> "ff"
    for expected in (
        "The doors are slow and noisy in the morning", "Partly", "Better, not quiet yet",
        "Noise and Speed",
        "Door cycle time 5.5 s 4 s -27.3% · improved",
        "Motor temperature 70 °C 63 °C -10.0% · improved",
        "Rating: 4 / 5", "Much quieter now", "Replace the door rollers next spring",
        "Mitigated", "in 5 days", "in 20 days", "Signed off by Sam Tech",
    ):
        assert expected in flat, f"{expected!r} not in the report text: {flat}"


def test_pdf_page_one_renders(tmp_path: Path) -> None:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "poppler-utils is needed (make system-deps)"
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf())
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    [page] = tmp_path.glob("page*.png")
    assert page.stat().st_size > 10_000


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Your technician was Sam Tech. For anything about this visit, call our office on "
           "+49 30 1234567 and mention the date of this report."),
    ("de", "Ihr Techniker war Sam Tech. Bei allen Fragen zu diesem Einsatz rufen Sie bitte "
           "unseren Innendienst unter +49 30 1234567 an"),
])
def test_who_to_call_gives_the_offices_phone(tmp_path: Path, language: str,
                                             expected: str) -> None:
    """The phone of the site's contract, in the customer's language; page 1 is rendered
    with pdftoppm for a look (docs/ui.md keeps one)."""
    pdf = report_pdf(customer_language=language, office_phone="+49 30 1234567")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = " ".join(unicodedata.normalize("NFKC", text).split())
    assert expected in flat, flat
    pages = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                           text=True).stdout
    last = int(next(line.split()[-1] for line in pages.splitlines()
                    if line.startswith("Pages:")))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(last), "-l", str(last),
                    str(path), str(tmp_path / "last")], check=True)
    [page] = tmp_path.glob("last*.png")
    assert page.stat().st_size > 5_000
