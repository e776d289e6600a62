# SPDX-License-Identifier: Apache-2.0
"""Small helpers shared by the dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget


def named(widget: QWidget, object_name: str, accessible: str) -> QWidget:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    return widget


def line_edit(object_name: str, accessible: str, text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    named(edit, object_name, accessible)
    return edit


def button(text: str, object_name: str, accessible: str | None = None,
           primary: bool = False) -> QPushButton:
    widget = QPushButton(text)
    named(widget, object_name, accessible or text.rstrip("…"))
    if primary:
        widget.setProperty("primary", True)
    return widget


def message_label(object_name: str) -> QLabel:
    """A word-wrapped, initially hidden label for errors and notices."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setProperty("role", "error")
    label.hide()
    return label


def people_message(exc: BaseException) -> str:
    """The core's sentence for a person, in the UI language; never a traceback."""
    from ui.errors import people_message as message

    return message(exc)
