"""Issue #16 item 12 on the real session window: the photo picker opens in Pictures and
shows thumbnails; the signature pad keeps its size however much is still missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QListView
from pytestqt.qtbot import QtBot

from concierge.session.state import Step
from concierge.store import Store
from tests.core.session_factories import seeded_store, trend_insight
from tests.ui.test_session_window import open_window
from ui.context import AppContext
from ui.session import SessionWindow
from ui.session.signature import PAD_HEIGHT

pytestmark = pytest.mark.qt
MAGENTA = QColor(230, 0, 200)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    s = seeded_store(tmp_path / "store", n_assets=2, insights=[ins])
    yield s
    s.close()


@pytest.fixture
def ctx(bare_context: AppContext, store: Store) -> AppContext:
    bare_context.store = store
    return bare_context


def person(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pictures: str) -> Path:
    """A home whose XDG user-dirs name ``pictures`` as the Pictures folder."""
    home, config = tmp_path / "home", tmp_path / "config"
    home.mkdir()
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_PICTURES_DIR="$HOME/{pictures}"\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return home


def open_picker(qtbot: QtBot, w: SessionWindow) -> QFileDialog:
    w.progress.buttons[Step.OPTIMISE].click()
    card = w.optimise.cards["e1/photo"]
    card.attach_button.click()
    dialog = card.findChild(QFileDialog, "attachDialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_the_photo_picker_opens_in_pictures_with_thumbnails(qtbot: QtBot, ctx: AppContext,
                                                            tmp_path: Path,
                                                            monkeypatch) -> None:
    home = person(tmp_path, monkeypatch, "Bilder")
    pictures = home / "Bilder"
    pictures.mkdir()
    photo = QImage(1600, 1200, QImage.Format.Format_RGB32)
    photo.fill(MAGENTA)
    assert photo.save(str(pictures / "pump.jpg"), "JPEG")
    (pictures / "notes.txt").write_text("not a photo")
    w = open_window(qtbot, ctx)
    dialog = open_picker(qtbot, w)
    assert Path(dialog.directory().absolutePath()) == pictures  # not the source tree or CWD
    view = dialog.findChild(QListView, "listView")
    assert view is not None and view.isVisible()
    assert view.viewMode() is QListView.ViewMode.IconMode
    assert view.iconSize().width() >= 64

    def item(name: str) -> QModelIndex:
        model, root = view.model(), view.rootIndex()
        found = [model.index(row, 0, root) for row in range(model.rowCount(root))]
        return next((index for index in found if index.data() == name), QModelIndex())

    def thumbnail() -> QColor | None:
        icon = item("pump.jpg").data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon) and not icon.isNull():
            image = icon.pixmap(view.iconSize()).toImage()
            return image.pixelColor(image.width() // 2, image.height() // 2)
        return None

    # the photo's icon becomes the photo itself, read on a worker
    qtbot.waitUntil(lambda: (c := thumbnail()) is not None and c.red() > 180
                    and c.green() < 70 and c.blue() > 150, timeout=10_000)
    # a tap on the thumbnail, a tap on Open
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(item("pump.jpg")).center())
    buttons = dialog.findChild(QDialogButtonBox, "buttonBox")
    assert buttons is not None
    buttons.button(QDialogButtonBox.StandardButton.Open).click()
    card = w.optimise.cards["e1/photo"]
    qtbot.waitUntil(lambda: card.attached.text() == "1 attached", timeout=10_000)
    assert not dialog.isVisible()
    dialog.deleteLater()
    qtbot.waitUntil(lambda: w.io.pending == 0, timeout=10_000)


def test_without_a_pictures_folder_the_picker_opens_at_home(qtbot: QtBot, ctx: AppContext,
                                                             tmp_path: Path,
                                                             monkeypatch) -> None:
    home = person(tmp_path, monkeypatch, "Pictures")  # named, but never made
    w = open_window(qtbot, ctx)
    dialog = open_picker(qtbot, w)
    assert Path(dialog.directory().absolutePath()) == home
    dialog.reject()
    dialog.deleteLater()


def test_the_signature_pad_keeps_its_size_while_items_are_missing(qtbot: QtBot,
                                                                  ctx: AppContext) -> None:
    w = open_window(qtbot, ctx)
    w.resize(1024, 600)  # a small laptop screen: the page scrolls, the pad is not squeezed
    w.progress.buttons[Step.DELIGHT].click()
    pad = w.delight.pad
    missing = w.delight.missing.text()
    assert missing.count("•") >= 3  # much still missing: a long list above the pad
    qtbot.waitUntil(pad.isVisible)
    assert pad.height() == PAD_HEIGHT
    assert pad.width() >= pad.minimumWidth() >= 420
