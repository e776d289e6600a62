"""Start-up paints the board's first screen from the store file, then the whole board."""

from __future__ import annotations

import pytest

from concierge.settings import Settings
from tests.ui.conftest import Harness, Office
from ui import core
from ui.app import first_screen, read_board
from ui.bridge import CoreBridge
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.tasks import TaskManager

pytestmark = pytest.mark.qt


def _tab_texts(window: MainWindow) -> list[str]:
    tabs = window.board.groups
    return [tabs.tabText(i) for i in range(tabs.count())]


def test_first_screen_shows_then_the_whole_board(harness: Harness, office: Office,
                                                 qtbot) -> None:
    synced = harness.window(Settings(server_url=office.url))
    harness.sign_in(synced, office)
    total = synced.board.model.rowCount()
    assert total > 3, "the demo board is longer than this test's first screen"
    paths = synced.ctx.paths
    harness.close(synced)

    ctx = AppContext(paths, Settings(server_url=office.url), TaskManager(), CoreBridge())
    window = MainWindow(ctx, opening=True)
    qtbot.addWidget(window)
    window.show()
    assert window.pages.currentWidget() is window.opening_page  # not "Sign in" meanwhile
    loads: list[None] = []
    window.board_loaded.connect(lambda: loads.append(None))

    screen = first_screen(paths, rows=1)  # the first row of each group
    assert screen is not None
    window.show_first_screen(screen)
    assert window.pages.currentWidget() is window.board
    shown = window.board.model.rowCount()
    assert 0 < shown < total and not window.board.model.complete
    first_tabs = _tab_texts(window)
    assert first_tabs[-1] == f"All ({total})"
    assert loads == []  # the first screen is not the loaded board

    with qtbot.waitSignal(window.board_loaded, timeout=10_000):
        (ctx.tasks.db(lambda: core.open_store(paths, read_board))
            .success(window.store_ready).run())
    assert window.board.model.complete and window.board.model.rowCount() == total
    assert _tab_texts(window) == first_tabs  # the counts were right from the first paint
    assert window.pages.currentWidget() is window.board
    window.close()
    core.close_core(ctx)
    ctx.bridge.deleteLater()


def test_a_store_that_fails_to_open_leaves_the_opening_page(bare_context, qtbot) -> None:
    window = MainWindow(bare_context, opening=True)
    qtbot.addWidget(window)
    window.show()
    assert window.pages.currentWidget() is window.opening_page
    window.store_failed("Opening your data", OSError("disk unreadable"))
    assert window.placeholders.showing("signedOut")
    assert "Opening your data failed" in window.statusBar().currentMessage()
