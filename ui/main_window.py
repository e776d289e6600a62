"""The main window: the technician's home for the day."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


def empty_state(title: str, hint: str, action: str, name: str) -> tuple[QWidget, QPushButton]:
    """A centred message with one clear next action."""
    page = QWidget()
    page.setObjectName(f"{name}Page")
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    heading = QLabel(title)
    heading.setObjectName("emptyTitle")
    heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
    text = QLabel(hint)
    text.setObjectName("emptyHint")
    text.setWordWrap(True)
    text.setAlignment(Qt.AlignmentFlag.AlignCenter)
    button = QPushButton(action)
    button.setObjectName(f"{name}Action")
    button.setAccessibleName(action)
    button.setProperty("primary", True)
    for widget in (heading, text):
        layout.addWidget(widget)
    layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignCenter)
    layout.addStretch(2)
    return page, button


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Field Concierge")
        self.resize(1200, 780)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.signed_out_page, self.sign_in_button = empty_state(
            "Welcome to Field Concierge",
            "Sign in to your back office to receive your proactive visits. "
            "Everything you receive stays available offline.",
            "Sign in…",
            "signedOut",
        )
        self.pages.addWidget(self.signed_out_page)
        self.setCentralWidget(self.pages)
        self.statusBar().setObjectName("statusBar")
