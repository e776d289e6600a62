# SPDX-License-Identifier: Apache-2.0
"""Sign-in: server, user name, password; errors shown in the dialog.

A new office's first administrator is created here too: with the office's one-time
setup token filled in, the dialog sets the office up and then signs in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _
from ui.dialogs.common import button, line_edit, message_label, people_message
from ui.tasks import TaskManager

SignInFn = Callable[[str, str, str], Any]
SetUpFn = Callable[[str, str, str, str], Any]  # server url, setup token, user, password


class SignInDialog(QDialog):
    """Calls ``sign_in(server_url, username, password)`` in the background."""

    signed_in = Signal(object, str, str)  # user info, server url, username

    def __init__(self, parent: QWidget | None, tasks: TaskManager, sign_in: SignInFn, *,
                 server_url: str = "", username: str = "", notice: str | None = None,
                 set_up: SetUpFn | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setAccessibleName(_("Sign in"))
        self.setWindowTitle(_("Sign in to your back office"))
        self._tasks = tasks
        self._sign_in = sign_in
        self._set_up = set_up
        self.server = line_edit("signInServer", _("Server address"), server_url)
        self.server.setPlaceholderText(_("https://backoffice.example.com"))
        self.username = line_edit("signInUsername", _("User name"), username)
        self.password = line_edit("signInPassword", _("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.setup_token = line_edit("signInSetupToken", _("Setup token"))
        self.setup_token.setPlaceholderText(_("Only for a new office's first administrator"))
        self.setup_token.setVisible(set_up is not None)
        self.error = message_label("signInError")
        self.error.setAccessibleName(_("Sign-in problem"))
        self.notice = QLabel(notice or "")
        self.notice.setObjectName("signInNotice")
        self.notice.setWordWrap(True)
        self.notice.setProperty("role", "muted")
        self.notice.setVisible(bool(notice))
        self.submit = button(_("Sign in"), "signInSubmit", primary=True)
        self.submit.setDefault(True)
        self.cancel = button(_("Cancel"), "signInCancel")
        self.submit.clicked.connect(self.attempt)
        self.cancel.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow(_("&Server"), self.server)
        form.addRow(_("&User name"), self.username)
        form.addRow(_("&Password"), self.password)
        if set_up is not None:
            form.addRow(_("Setup &token"), self.setup_token)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        (self.password if server_url and username else self.server).setFocus()

    def attempt(self) -> None:
        url, user, password = self.server.text().strip(), self.username.text().strip(), \
            self.password.text()
        if not (url and user and password):
            self.show_error(_("Enter the server address, your user name and your password."))
            return
        self.error.hide()
        self._busy(True)
        token, set_up = self.setup_token.text().strip(), self._set_up
        if token and set_up is not None:
            def work() -> Any:
                return set_up(url, token, user, password)
        else:
            def work() -> Any:
                return self._sign_in(url, user, password)
        (self._tasks.io(work, parent=self)
            .success(lambda info: self._done(info, url, user))
            .failure(self._failed)
            .label(_("Signing in"))
            .run())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _done(self, info: Any, url: str, user: str) -> None:
        self._busy(False)
        self.password.clear()
        self.setup_token.clear()
        self.signed_in.emit(info, url, user)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.show_error(people_message(exc))
        self.password.setFocus()

    def _busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        self.submit.setText(_("Signing in…") if busy else _("Sign in"))
