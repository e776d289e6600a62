"""Issue #16 item 10: every colour comes from the palette, reads at WCAG AA, follows a switch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.core.session_factories import seeded_store
from tests.ui.contrast import AA_LARGE, AA_NORMAL, contrast_failures, item_failures, ratio
from tests.ui.factories import Row
from ui.theme import palette_for

pytestmark = pytest.mark.qt


def custom_palette(window: str, base: str, text: str, accent: str) -> QPalette:
    """A palette no scheme of ours has (a system or high-contrast theme's)."""
    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in ((role.Window, window), (role.Base, base), (role.AlternateBase, base),
                         (role.WindowText, text), (role.Text, text), (role.ButtonText, text),
                         (role.Button, window), (role.Highlight, accent), (role.Link, accent),
                         (role.HighlightedText, base), (role.PlaceholderText, text),
                         (role.Mid, text)):
        palette.setColor(name, QColor(colour))
    return palette


PALETTES = {
    "light": lambda: palette_for("light"),
    "dark": lambda: palette_for("dark"),
    "navy": lambda: custom_palette("#0b1530", "#101d40", "#f4f1e8", "#8ab4ff"),
    "cream": lambda: custom_palette("#fbf6e9", "#fffaf0", "#201a10", "#5a3c00"),
}


@pytest.fixture
def app_palette(qapp: QApplication) -> Iterator[QApplication]:
    original = QPalette(qapp.palette())
    yield qapp
    qapp.setPalette(original)


def _backgrounds(palette: QPalette) -> list[QColor]:
    role = QPalette.ColorRole
    return [palette.color(r) for r in (role.Window, role.Base, role.AlternateBase)]


@pytest.mark.parametrize("name", list(PALETTES))
def test_every_meaning_reads_at_aa_on_its_palette(name: str) -> None:
    from ui.theme import badge_colours, semantic, soft

    palette = PALETTES[name]()
    for meaning in ("error", "warn", "ok", "accent", "muted", "text", "urgent", "high"):
        colour = semantic(meaning, palette)
        assert min(ratio(colour, b) for b in _backgrounds(palette)) >= AA_NORMAL, meaning
    star = semantic("star", palette, AA_LARGE)
    assert min(ratio(star, b) for b in _backgrounds(palette)) >= AA_LARGE
    for meaning in ("urgent", "high", "accent", "muted"):
        fill, text = badge_colours(meaning, palette)
        assert ratio(fill, text) >= AA_NORMAL, meaning
    tint, text = soft("warn", palette)
    assert ratio(tint, text) >= AA_NORMAL


def _badge_colours(label: QLabel) -> tuple[QColor, QColor]:
    style = label.styleSheet()
    fill = re.search(r"background:\s*([^;]+);", style)
    text = re.search(r"(?<![-\w])color:\s*([^;]+);", style)
    assert fill and text, style
    return QColor(fill.group(1).strip()), QColor(text.group(1).strip())


def test_the_priority_badge_follows_a_custom_palette_live(qtbot: QtBot, app_palette,
                                                          tmp_path: Path) -> None:
    from ui.visit.data import load_bundle
    from ui.visit.detail import VisitDetail

    store = seeded_store(tmp_path, n_assets=1)
    try:
        bundle = load_bundle(store, "visit-1")
    finally:
        store.close()
    navy = PALETTES["navy"]()
    app_palette.setPalette(navy)
    detail = VisitDetail(bundle)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitExposed(detail)
    badge = detail.findChild(QLabel, "priorityBadge")
    assert badge is not None
    fill, text = _badge_colours(badge)
    assert text == navy.color(QPalette.ColorRole.Base)  # the page's colour, not white
    assert ratio(fill, text) >= AA_NORMAL
    cream = PALETTES["cream"]()
    app_palette.setPalette(cream)  # a live switch
    qtbot.waitUntil(lambda: _badge_colours(badge)[1] == cream.color(QPalette.ColorRole.Base),
                    timeout=5_000)
    fill, text = _badge_colours(badge)
    assert ratio(fill, text) >= AA_NORMAL


def test_board_dots_and_marks_follow_the_palette(qtbot: QtBot, app_palette) -> None:
    from PySide6.QtWidgets import QTableView

    from ui.board.model import Column, VisitTableModel

    model = VisitTableModel()
    model.set_rows([Row(id="a", priority=1, has_conflict=True),
                    Row(id="b", priority=4, offline_ready=False)])
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    for name in PALETTES:
        palette = PALETTES[name]()
        app_palette.setPalette(palette)
        qtbot.waitUntil(lambda p=palette: view.palette().color(QPalette.ColorRole.Base)
                        == p.color(QPalette.ColorRole.Base))
        assert item_failures(view) == [], name
        for row in range(model.rowCount()):
            dot = model.index(row, Column.PRIORITY).data(Qt.ItemDataRole.DecorationRole)
            colour = dot.toImage().pixelColor(5, 5)
            assert min(ratio(colour, b) for b in _backgrounds(palette)) >= AA_LARGE, name


@pytest.mark.parametrize("name", list(PALETTES))
def test_session_page_roles_read_on_any_palette(qtbot: QtBot, app_palette, name: str) -> None:
    from ui.session.common import label, session_stylesheet

    app_palette.setPalette(PALETTES[name]())
    page = QWidget()
    page.setAutoFillBackground(True)
    page.setStyleSheet(session_stylesheet())
    layout = QVBoxLayout(page)
    for role in ("error", "flag", "ok", "missing", "muted", "pageTitle", "cardTitle"):
        layout.addWidget(label(f"A {role} message", f"role_{role}", role))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert contrast_failures(page) == []
