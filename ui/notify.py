# SPDX-License-Identifier: Apache-2.0
"""Desktop notifications through the system tray where the platform has one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from concierge.i18n import _
from ui.theme import app_icon


class Notifier:
    """``notify`` shows a tray balloon, or falls back to ``fallback`` (the status bar).

    The tray icon is made with the first notification (asking for a tray costs start-up).
    """

    def __init__(self, parent: QWidget, fallback: Callable[[str], None]) -> None:
        self._parent = parent
        self._fallback = fallback
        self._asked = False
        self.tray: QSystemTrayIcon | None = None
        self.sent: list[tuple[str, str]] = []

    def _tray(self) -> QSystemTrayIcon | None:
        if not self._asked:
            self._asked = True
            if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
                self.tray = QSystemTrayIcon(app_icon(), self._parent)
                self.tray.setToolTip(_("Field Concierge"))
                self.tray.show()
        return self.tray

    def notify(self, title: str, text: str) -> None:
        self.sent.append((title, text))
        tray = self._tray()
        if tray is not None:
            tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        else:
            self._fallback(f"{title}: {text}")

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
