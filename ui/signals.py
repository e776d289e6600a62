# SPDX-License-Identifier: Apache-2.0
"""Quit cleanly on SIGINT/SIGTERM (Ctrl-C, a session logout, `kill`).

Python runs signal handlers only between bytecodes, so a short timer wakes the
interpreter while Qt's event loop sleeps.
"""

from __future__ import annotations

import logging
import signal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def quit_on_signals(app: QApplication) -> QTimer:
    def request_quit(signum: int, _frame: object) -> None:
        log.info("Received %s; closing", signal.Signals(signum).name)
        app.closeAllWindows()
        app.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_quit)
    waker = QTimer(app)
    waker.setObjectName("signalWaker")
    waker.timeout.connect(lambda: None)
    waker.start(250)
    return waker
