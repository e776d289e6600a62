"""Desktop notifications through the system tray where the platform has one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from ui.theme import app_icon


class Notifier:
    """``notify`` shows a tray balloon, or falls back to ``fallback`` (the status bar)."""

    def __init__(self, parent: QWidget, fallback: Callable[[str], None]) -> None:
        self._fallback = fallback
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            self.tray = QSystemTrayIcon(app_icon(), parent)
            self.tray.setToolTip("Field Concierge")
            self.tray.show()
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, text: str) -> None:
        self.sent.append((title, text))
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        else:
            self._fallback(f"{title}: {text}")

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
