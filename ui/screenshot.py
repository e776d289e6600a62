# SPDX-License-Identifier: Apache-2.0
"""``--screenshot FILE --view board|visit|session``: render after the first sync, save, quit."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.board.model import ROW_ROLE
from ui.format import DONE_STATUSES
from ui.main_window import MainWindow

log = logging.getLogger(__name__)
TIMEOUT_MS = 180_000
SETTLE_MS = 300


class ScreenshotDirector:
    def __init__(self, window: MainWindow, path: str, view: str = "board") -> None:
        self.window = window
        self.path = path
        self.view = view
        self.exit_code = 1
        self._synced = False
        self._target: Any = window
        window.resize(1440, 900)
        window.ctx.bridge.sync_finished.connect(self._sync_finished)
        window.board_loaded.connect(self._board_loaded)
        window.forget_last_view()
        QTimer.singleShot(TIMEOUT_MS, window, self._timeout)

    def _sync_finished(self, result: object) -> None:
        log.debug("Screenshot: first sync finished")
        self.window.ctx.bridge.sync_finished.disconnect(self._sync_finished)
        if not getattr(result, "ok", False):
            log.warning("First sync failed: %s", getattr(result, "error", ""))
        self._synced = True
        # Read the board once more: the window's own reload after the sync may already
        # have been delivered (Qt does not order this slot after the window's).
        self.window.reload()

    def _board_loaded(self) -> None:
        log.debug("Screenshot: board loaded (synced: %s)", self._synced)
        if not self._synced:
            return
        self.window.board_loaded.disconnect(self._board_loaded)
        if self.view in ("visit", "session"):
            visit_id = self._most_urgent()
            if visit_id is not None:
                then = self._capture if self.view == "visit" else self._open_session
                self.window.visit_opened.connect(
                    lambda _id: QTimer.singleShot(SETTLE_MS, then))
                self.window.open_visit(visit_id)
                return
            log.warning("No open visit to show; capturing the board")
        QTimer.singleShot(SETTLE_MS, self._capture)

    def capture_now(self) -> None:
        """No sync will come (the demo could not start): capture what the window says."""
        log.warning("Screenshot: no first sync to wait for; capturing the window as it is")
        QTimer.singleShot(SETTLE_MS, self._capture)

    def _open_session(self) -> None:
        """The most urgent visit's session window, captured once it has loaded."""
        detail = self.window.detail
        self.window.open_session(detail.bundle.visit.id)
        session = self.window.session_windows[-1]
        session.resize(1440, 900)
        self._target = session
        self._wait_for_session()

    def _wait_for_session(self) -> None:
        if getattr(self._target, "ready", False):
            QTimer.singleShot(SETTLE_MS, self._capture)
        else:
            QTimer.singleShot(100, self.window, self._wait_for_session)

    def _most_urgent(self) -> str | None:
        model = self.window.board.model
        rows = [model.index(r, 0).data(ROW_ROLE) for r in range(model.rowCount())]
        open_rows = [r for r in rows if r.status not in DONE_STATUSES]
        if not open_rows:
            return None
        return str(min(open_rows, key=lambda r: (r.priority, r.window_start)).id)

    def _capture(self) -> None:
        if self._target.grab().save(self.path):
            self.exit_code = 0
            log.info("Screenshot written to %s", self.path)
        else:
            log.error("Could not write the screenshot to %s", self.path)
        self.window.close()
        QApplication.quit()

    def _timeout(self) -> None:
        log.error("No completed first sync within %d s; no screenshot", TIMEOUT_MS // 1000)
        self.window.close()
        QApplication.quit()
