"""The UI in German and in the pseudo-locale; the customer's report in the customer's
language whatever the UI speaks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from concierge.i18n import _, ui
from concierge.settings import Settings
from concierge.store import Store
from tests.core.session_factories import seeded_store, trend_insight
from tests.i18n.catalogue import german
from tests.ui.conftest import Harness, Office
from tests.ui.test_session_report import report_pdf
from ui.context import AppContext
from ui.i18n import install
from ui.main_window import MainWindow
from ui.session import SessionWindow

pytestmark = pytest.mark.qt


@pytest.fixture
def language(qapp: QApplication) -> Iterator[Callable[[str], str]]:
    """Switch the UI language for one test (before its widgets are built); back to
    English afterwards."""
    yield lambda tag: install(qapp, tag)
    install(qapp, "en")


def texts_of(root: QWidget) -> list[str]:
    """Every text a person can see or hear on ``root`` and its children."""
    out: list[str] = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        out += [w.toolTip(), w.accessibleName()]
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QLineEdit | QPlainTextEdit):
            out.append(w.placeholderText())
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QTabBar):
            out += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QTableView | QTableWidget) and w.model() is not None:
            m = w.model()
            out += [str(m.headerData(c, Qt.Orientation.Horizontal) or "")
                    for c in range(m.columnCount())]
            out += [str(m.index(r, c).data() or "")
                    for r in range(min(m.rowCount(), 20)) for c in range(m.columnCount())]
    for action in root.findChildren(type(root.actions()[0])) if root.actions() else []:
        out.append(action.text())
    return [t for t in out if t and t.strip()]


def english_left(root: QWidget) -> list[str]:
    """Texts on screen that are one of our English messages (German differs)."""
    english = {m.id for m in german() if isinstance(m.id, str) and m.id
               and m.string != m.id and "{" not in m.id}
    english |= {m.id.replace("&", "") for m in german() if isinstance(m.id, str)
                and "&" in m.id}
    return [t for t in texts_of(root) if t.replace("&", "") in english]


# --- German ---------------------------------------------------------------------------

def test_qt_own_dialog_buttons_are_german(language: Callable[[str], str]) -> None:
    assert language("de") == "de"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"
    language("en")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_the_ui_follows_lang_de(tmp_path: Path) -> None:
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "app = QApplication([])\n"
        "from ui.i18n import install\n"
        "from concierge.i18n import _\n"
        "print(install(app, 'system'))\n"
        "print(_('Sign in'))\n"
        "print(QCoreApplication.translate('QPlatformTheme', 'Cancel'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env.update(LANG="de_DE.UTF-8", QT_QPA_PLATFORM="offscreen", CONCIERGE_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split("\n")[:3] == ["de", "Anmelden", "Abbrechen"]


def test_board_visit_session_and_conflicts_speak_german(
        harness: Harness, office: Office, qtbot: QtBot,
        language: Callable[[str], str]) -> None:
    language("de")
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    window.resize(1440, 900)
    # The board
    assert window.menuBar().actions()[0].text() == "&Datei"
    assert [window.board.groups.tabText(i) for i in range(4)][-1].startswith("Alle (")
    assert window.board.model.headerData(0, Qt.Orientation.Horizontal) == "Priorität"
    assert window.status.pending.text() == "Nichts offen"
    assert english_left(window) == []
    when = window.board.model.index(0, 1).data()
    assert re.match(r"^(Heute|Morgen|Gestern|\w\w\. \d+\. \w+\.?) \d\d:\d\d–\d\d:\d\d$", when), when
    # A visit
    visit_id = window.board.model.rows()[0].id
    with qtbot.waitSignal(window.visit_opened, timeout=10_000):
        window.open_visit(visit_id)
    detail = window.detail
    assert detail.session_button.text() == "Vor-Ort-Termin beginnen"
    assert english_left(detail) == []
    insight_rows = [w.text() for w in detail.findChildren(QLabel, "insightRow")]
    assert insight_rows and all("Sicherheit" in t for t in insight_rows), insight_rows
    # The session
    session = SessionWindow(window.ctx, visit_id)
    qtbot.addWidget(session)
    with qtbot.waitSignal(session.loaded, timeout=20_000):
        session.show()
    assert session.windowTitle().startswith("Vor-Ort-Termin · ")
    assert session.report_language.currentData() == "de"  # the demo's customers are German
    assert session.report_language.currentText() == "Deutsch (des Kunden)"
    for step in range(6):  # every page: checklist steps from the templates too
        session.stack.setCurrentIndex(step)
        assert english_left(session) == [], f"step {step + 1}"
    optimise = session.optimise
    optimise.rebuild()
    titles = [w.text() for w in optimise.findChildren(QLabel) if w.property("role") == "cardTitle"]
    assert "Arbeitsbereich gesichert und Vorgehen mit dem Kunden abgestimmt" in titles, titles
    session.close()
    # The conflicts dialog
    dialog = window.open_conflicts()
    assert dialog.windowTitle() == "Konflikte und zu Klärendes"
    qtbot.waitUntil(lambda: dialog.tabs.tabText(0) == "Konflikte (0)", timeout=10_000)
    assert english_left(dialog) == []
    dialog.close()


# --- the customer's report --------------------------------------------------------------

def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None, "poppler-utils is needed (make system-deps)"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([pdftotext, str(path), "-"], capture_output=True,
                          text=True, check=True)
    return " ".join(unicodedata.normalize("NFKC", done.stdout).split())


def test_a_german_customers_report_is_german_while_the_ui_is_english(tmp_path: Path) -> None:
    assert ui().language == "en" and _("Sign in") == "Sign in"
    text = pdf_text(report_pdf(customer_language="de"), tmp_path)
    for expected in (
        "Ihr Optimierungstermin", "Anlass unseres Besuchs", "Ihre Wünsche",
        "Schwerpunkte: Geräusche und Geschwindigkeit", "Was wir getan haben",
        "Vorher und nachher", "Türzykluszeit 5,5 s 4", "-27,3 % · verbessert",
        "Motortemperatur 70 °C 63 °C -10,0 % · verbessert", "Entschärft", "in 5 Tagen",
        "in 20 Tagen",
        "Bewertung: 4 / 5", "Abgezeichnet von Sam Tech, 15. Juni 2025",
        "Sonntag, 15. Juni 2025 · Techniker Sam Tech",
    ):
        assert expected in text, f"{expected!r} not in the report: {text}"
    for english in ("Your optimisation visit", "Before and after", "Rating:", "Signed off by",
                    "5.5 s", "June"):
        assert english not in text, english


def test_an_english_customers_report_is_english_while_the_ui_is_german(
        tmp_path: Path, language: Callable[[str], str]) -> None:
    language("de")
    assert _("Sign in") == "Anmelden"
    text = pdf_text(report_pdf(customer_language="en"), tmp_path)
    assert "Your optimisation visit" in text and "Door cycle time 5.5 s 4" in text
    assert "-27.3% · improved" in text and "June 15, 2025" in text
    assert "Ihr Optimierungstermin" not in text


def test_the_technician_can_write_this_report_in_another_language(tmp_path: Path) -> None:
    text = pdf_text(report_pdf(customer_language="de", report_language="en"), tmp_path)
    assert "Your optimisation visit" in text and "Ihr Optimierungstermin" not in text


# --- the pseudo-locale ----------------------------------------------------------------

PSEUDO_TEXT = re.compile(r"^\[.*\]$", re.S)
NUMERIC = re.compile(r"^[\d\s.,:%+–—\-/()~·★☆←→↗✓…●○°]*$")


@pytest.fixture
def session_store(tmp_path: Path) -> Iterator[Store]:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    s = seeded_store(tmp_path, n_assets=2, insights=[ins])
    yield s
    s.close()


def qt_owned() -> set[str]:
    """Texts Qt writes itself (translated by its own qtbase catalogue)."""
    tr = QCoreApplication.translate
    return {tr("QTabBar", "Scroll Left"), tr("QTabBar", "Scroll Right")}


def unbracketed(root: QWidget, data: set[str]) -> list[str]:
    """Texts that are neither pseudo-translated, nor numbers, nor the user's data."""
    out = []
    data = data | qt_owned()
    for text in texts_of(root):
        for raw in text.split("\n"):
            line = raw.strip()
            if (not line or PSEUDO_TEXT.match(line) or NUMERIC.match(line)
                    or any(line.startswith(d) or d.startswith(line) for d in data)):
                continue
            if "[" in line and "]" in line:  # a message with user data inside
                continue
            out.append(line)
    return out


def test_every_window_in_the_pseudo_locale(qtbot: QtBot, bare_context: AppContext,
                                          session_store: Store,
                                          language: Callable[[str], str]) -> None:
    language("pseudo")
    window = MainWindow(bare_context)
    qtbot.addWidget(window)
    window.show()
    assert unbracketed(window, {"Field Concierge"}) == []
    settings = window.open_settings()
    assert unbracketed(settings, {"http://127.0.0.1:8765", "English", "Deutsch"}) == []
    settings.close()
    bare_context.store = session_store
    session = SessionWindow(bare_context, "visit-1")
    qtbot.addWidget(session)
    with qtbot.waitSignal(session.loaded, timeout=20_000):
        session.show()
    data = {"Acme Housing", "Tower A", "M1", "SN-e", "English", "Deutsch", "Step door-adjust",
            "Step photo", "Step inspect", "Adjust", "Photo", "Inspect", "A", "B", "s", "°C",
            "mm/s", "%", "Door cycle time drifting up", "door_cycle_time drifting"}
    for step in range(6):
        session.stack.setCurrentIndex(step)
        left = unbracketed(session, data)
        assert left == [], f"step {step + 1}: {left}"
    session.close()


def test_settings_choose_the_ui_language_for_the_next_start(qtbot: QtBot) -> None:
    from ui.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(None, Settings())
    qtbot.addWidget(dialog)
    assert [dialog.language.itemData(i) for i in range(dialog.language.count())] == [
        "system", "en", "de"]
    assert dialog.language.itemText(2) == "Deutsch"  # each language in its own name
    dialog.language.setCurrentIndex(2)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save.click()
    assert saved.args[0].language == "de"


def test_errors_read_in_the_ui_language_by_code_or_class(
        language: Callable[[str], str]) -> None:
    from concierge.api.errors import ApiError
    from concierge.auth import AccountLocked, UnsyncedChanges, WrongCredentials
    from ui.errors import people_message

    language("de")
    assert people_message(WrongCredentials("wrong_credentials")) == (
        "Unbekannter Benutzername oder falsches Passwort.")
    assert people_message(AccountLocked("account_locked", seconds=30)) == (
        "Zu viele fehlgeschlagene Anmeldungen; versuchen Sie es in 30 Sekunden erneut.")
    assert people_message(UnsyncedChanges("unsynced_changes", count=3)) \
        .startswith("3 Änderungen haben den Innendienst noch nicht erreicht.")
    known = ApiError("Visit v1 changed meanwhile.", status=409, code="version_mismatch")
    assert people_message(known).startswith("Der Innendienst hat das inzwischen geändert")
    newer = ApiError("Quota exceeded for today.", status=422, code="quota_exceeded")
    assert people_message(newer) == "Meldung des Innendiensts: Quota exceeded for today."
    unexpected = people_message(KeyError("x"))  # a reference for the log, no internals
    assert unexpected.startswith("Etwas Unerwartetes ist schiefgegangen.")
    assert "KeyError" not in unexpected
