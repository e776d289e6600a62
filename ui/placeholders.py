# SPDX-License-Identifier: Apache-2.0
"""The window's centred placeholder pages (signed out, first sync, nothing to do).

Each is made the first time it is shown, so start-up builds only what it paints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from concierge.i18n import _


def texts(name: str) -> tuple[str, str, str]:
    """Title, hint and action of the placeholder page ``name``, in the UI language."""
    return {
        "signedOut": (
            _("Welcome to Field Concierge"),
            _("Sign in to your back office to receive your proactive visits. "
              "Everything you receive stays available offline."),
            _("Sign in…"),
        ),
        "firstSync": (
            _("Getting your visits ready"),
            _("The first sync downloads your visits with their sites, assets and telemetry, "
              "so all of it works offline afterwards. This runs in the background."),
            _("Sync now"),
        ),
        "empty": (
            _("No proactive visits right now"),
            _("Nothing needs you at the moment. New visits arrive with the next sync."),
            _("Sync now"),
        ),
    }[name]


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
    button.setAccessibleName(action.rstrip("…"))
    button.setProperty("primary", True)
    for widget in (heading, text):
        layout.addWidget(widget)
    layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignCenter)
    layout.addStretch(2)
    return page, button


class Placeholders:
    """Placeholder pages in ``stack``, made on first use; ``actions`` maps a page's name to
    what its button does."""

    def __init__(self, stack: QStackedWidget, actions: dict[str, Callable[[], Any]]) -> None:
        self._stack = stack
        self._actions = actions
        self._made: dict[str, tuple[QWidget, QPushButton]] = {}

    def page(self, name: str) -> QWidget:
        return self._made_page(name)[0]

    def button(self, name: str) -> QPushButton:
        return self._made_page(name)[1]

    def show(self, name: str) -> None:
        self._stack.setCurrentWidget(self.page(name))

    def showing(self, name: str) -> bool:
        made = self._made.get(name)
        return made is not None and self._stack.currentWidget() is made[0]

    def _made_page(self, name: str) -> tuple[QWidget, QPushButton]:
        made = self._made.get(name)
        if made is None:
            made = empty_state(*texts(name), name)
            made[1].clicked.connect(self._actions[name])
            self._stack.addWidget(made[0])
            self._made[name] = made
        return made
