"""The screens added for #18 and #19 meet the app's standard (#16): every interactive
widget is named for screen readers and tests, dialogs close from the keyboard, and the
withdrawal reason reads at AA in light and dark."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from concierge.store import Store, WithdrawnVisit
from tests.core.session_factories import NOW, seeded_store
from tests.ui.contrast import contrast_failures
from tests.ui.naming import unnamed
from tests.ui.test_remote_fixes import add_fixes, at, fix
from ui.remote_fixes import RemoteFixesDialog
from ui.serve.digest import DigestDialog
from ui.session.photo_picker import PhotoDialog
from ui.tasks import TaskManager
from ui.theme import palette_for
from ui.visit.data import VisitBundle, load_bundle
from ui.visit.detail import VisitDetail

pytestmark = pytest.mark.qt

DIGEST = {"praise": [["1 Dec 2026", "Acme · Tower", "5 / 5", "Lovely quiet doors"]],
          "follow_ups": [["Garage door quote", "Wish follow-up", "open", "Office",
                          "9 Dec 2026", "Acme · Tower"]],
          "held": [["Acme · Tower", "M1 (SN-e1)", "Door cycle time", "7 days", "held"],
                   ["Acme · Tower", "M1 (SN-e2)", "Motor temperature", "30 days",
                    "regressed"]],
          "verdicts": [["held"], ["regressed"]]}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = seeded_store(tmp_path, n_assets=2)
    add_fixes(s, [fix("e1", NOW - 86_400, note="We recalibrated your lift doors remotely."),
                  fix("e2", NOW - 3600)])
    yield s
    s.close()


@pytest.fixture
def withdrawn(tasks: TaskManager, store: Store, qtbot: QtBot) -> VisitBundle:
    """visit-1 as the laptop keeps it after the office resolved it remotely."""
    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-1", now=NOW)).success(bundles.append).run()
    reason = WithdrawnVisit("visit-1", "resolved_remotely", "Doors recalibrated remotely",
                            at(NOW - 3600))
    return dataclasses.replace(bundles[0], withdrawn=True, withdrawal=reason)


@pytest.fixture
def app_palette(qapp: QApplication) -> Iterator[QApplication]:
    original = QPalette(qapp.palette())
    yield qapp
    qapp.setPalette(original)


def _remote_fixes(store: Store, parent: QWidget) -> RemoteFixesDialog:
    dialog = RemoteFixesDialog(parent)
    dialog.set_fixes(store.remote_fixes(now=NOW))
    return dialog


DIALOGS: dict[str, Callable[[Store, QWidget], QDialog]] = {
    "digest": lambda _store, parent: DigestDialog(parent, DIGEST),
    "remote fixes": _remote_fixes,
    "photos": lambda _store, parent: PhotoDialog(parent, "Attach a photo", None)}


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    """The dialogs' parent (the main window or session window in the app)."""
    parent = QWidget()
    parent.setObjectName("dialogParent")
    qtbot.addWidget(parent)
    return parent


@pytest.mark.parametrize("name", list(DIALOGS))
def test_new_dialogs_name_their_widgets_and_close_with_escape(
        qtbot: QtBot, store: Store, window: QWidget, name: str) -> None:
    dialog = DIALOGS[name](store, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert unnamed(dialog) == []
    assert dialog.objectName() and dialog.windowTitle()
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_new_dialogs_offer_nothing_destructive(
        store: Store, window: QWidget) -> None:
    """Their only button closes them (nothing destructive to default to)."""
    for make in DIALOGS.values():
        dialog = make(store, window)
        for box in dialog.findChildren(QDialogButtonBox):
            roles = {box.buttonRole(b) for b in box.buttons()}
            assert QDialogButtonBox.ButtonRole.DestructiveRole not in roles


def test_a_withdrawn_visit_names_its_widgets_and_reads_in_light_and_dark(
        qtbot: QtBot, withdrawn: VisitBundle, app_palette: QApplication) -> None:
    detail = VisitDetail(withdrawn, open_address=lambda _site: None)
    qtbot.addWidget(detail)
    detail.resize(1280, 900)
    detail.show()
    qtbot.waitExposed(detail)
    banner = detail.findChild(QLabel, "visitStateBanner")
    assert banner is not None and "resolved this remotely" in banner.text()
    assert "Doors recalibrated remotely" in banner.text()
    assert detail.findChild(QWidget, "remoteFixesCard") is not None
    assert unnamed(detail) == []
    for scheme in ("light", "dark"):
        app_palette.setPalette(palette_for(scheme))
        QApplication.processEvents()
        assert contrast_failures(detail) == [], scheme


def test_the_resolved_remotely_list_cuts_nothing_off(qtbot: QtBot, store: Store,
                                                     window: QWidget) -> None:
    """Every column shows in full: no sideways scrolling, what was done and its proof wrap."""
    dialog = _remote_fixes(store, window)
    dialog.resize(640, 420)  # a narrow screen, or a long language
    dialog.show()
    qtbot.waitExposed(dialog)
    tree = dialog.tree
    qtbot.waitUntil(lambda: tree.horizontalScrollBar().maximum() == 0)
    widths = [tree.columnWidth(c) for c in range(tree.columnCount())]
    assert sum(widths) <= tree.viewport().width()
    for column in range(3):
        assert widths[column] >= tree.sizeHintForColumn(column)
    dialog.close()
