"""#16.7 before/after signs on the real Verify page and in the customer's PDF: a falling usage
KPI keeps its minus sign and gets no verdict; a shorter door time is "-x % · improved"."""

import shutil
import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from concierge.session.engine import SessionEngine
from concierge.store import Store
from tests.core.session_factories import NOW_DT, seeded_store
from ui.session.report_pdf import render_pdf
from ui.session.verify import VerifyPage
from ui.theme import semantic

pytestmark = pytest.mark.qt


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = seeded_store(tmp_path)
    yield s
    s.close()


def measure(qtbot: QtBot, page: VerifyPage, key: str, text: str) -> None:
    page.entry.select("e1", key)
    page.entry.value.clear()
    qtbot.keyClicks(page.entry.value, text)
    page.entry.add.click()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None, "poppler-utils is needed (make system-deps)"
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def test_usage_kpi_keeps_its_sign_without_a_verdict(qtbot: QtBot, store: Store,
                                                    tmp_path: Path) -> None:
    engine = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    page = VerifyPage(engine)
    qtbot.addWidget(page)
    measure(qtbot, page, "trips_per_day", "470")  # baseline 20 trips/h = 480 a day
    measure(qtbot, page, "door_cycle_time", "4")  # baseline 5 s
    cells = {page.table.item(r, 1).text(): page.table.item(r, 4)
             for r in range(page.table.rowCount())}
    trips, door = cells["Trips per day"], cells["Door cycle time"]
    assert trips.text() == "-2.1%"
    green = semantic("ok").name()  # "improved", in the palette's colour for it
    assert trips.foreground().color().name() != green
    assert door.text() == "-20.0% · improved"
    assert door.foreground().color().name() == green

    text = pdf_text(render_pdf(engine.report_content()), tmp_path)
    assert "Trips per day 480 trips/day 470 trips/day -2.1%" in text
    assert "Door cycle time 5" in text and "4s -20.0% · improved" in text.replace(" s ", "s ")
    assert "+2.1" not in text and "+20.0" not in text
