"""``--screenshot``: the capture follows a board read after the first sync, whatever the order."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from concierge.settings import Settings
from tests.ui.conftest import Harness, Office
from ui.screenshot import ScreenshotDirector

pytestmark = pytest.mark.qt


def test_a_sync_reported_after_the_boards_reload_still_gets_its_screenshot(
    harness: Harness, office: Office, tmp_path, qtbot
) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    # Quiet: the window's reads after the sync are delivered and none is scheduled.
    qtbot.waitUntil(
        lambda: window.ctx.tasks.pending == 0 and not window._reload_timer.isActive(),
        timeout=15_000,
    )
    target = tmp_path / "board.png"
    director = ScreenshotDirector(window, str(target), "board")
    # As in a demo run that hung: the director hears of the first sync only after the
    # window's own reload was delivered, so no further board_loaded comes by itself.
    director._sync_finished(SimpleNamespace(ok=True))
    qtbot.waitUntil(target.exists, timeout=15_000)
    assert director.exit_code == 0
