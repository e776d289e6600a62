# SPDX-License-Identifier: Apache-2.0
"""Small helpers shared by the dialogs."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

if TYPE_CHECKING:  # loads with the first confirmation, not with the main window
    from PySide6.QtWidgets import QMessageBox


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


class Confirmation(NamedTuple):
    box: QMessageBox
    safe: QPushButton | None  # the default when there is one
    destructive: QPushButton


def confirm_destructive(parent: QWidget, title: str, text: str, *, safe: str | None,
                        destructive: str, destructive_name: str, object_name: str
                        ) -> Confirmation:
    """A warning whose default is the safe choice: ``safe`` (accept role) when given, else
    Cancel; the destructive action is explicit, never the default and never Escape.

    QMessageBox lays its buttons out with QDialogButtonBox roles, so their order follows
    the platform. Opened (not exec'd): connect to the returned buttons' ``clicked``.
    """
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName(object_name)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    safe_button = None
    if safe is not None:
        safe_button = box.addButton(safe, QMessageBox.ButtonRole.AcceptRole)
        named(safe_button, f"{object_name}Safe", safe)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    named(cancel, f"{object_name}Cancel", cancel.text().replace("&", ""))
    danger = box.addButton(destructive, QMessageBox.ButtonRole.DestructiveRole)
    named(danger, destructive_name, destructive)
    danger.setAutoDefault(False)
    danger.setDefault(False)
    default = safe_button or cancel
    box.setDefaultButton(default)
    box.setEscapeButton(cancel)
    box.open()
    default.setFocus()
    return Confirmation(box, safe_button, danger)
