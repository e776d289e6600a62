# SPDX-License-Identifier: Apache-2.0
"""Settings: server, sync interval, theme, large touch targets."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import LANGUAGE_NAMES, SUPPORTED, _
from concierge.settings import Settings, SettingsError
from ui.dialogs.common import button, line_edit, message_label, named


def themes() -> tuple[tuple[str, str], ...]:
    return ((_("Follow the system"), "system"), (_("Light"), "light"), (_("Dark"), "dark"))


def languages() -> tuple[tuple[str, str], ...]:
    """The UI languages, each in its own name; "system" follows the system's locale."""
    return ((_("Follow the system"), "system"), *((LANGUAGE_NAMES[t], t) for t in SUPPORTED))


class SettingsDialog(QDialog):
    saved = Signal(object)  # Settings

    def __init__(self, parent: QWidget | None, settings: Settings,
                 active_server: str | None = None) -> None:
        """``active_server``: the office in use now (signed in, or the demo's); shown as it
        is and read-only, since changing it means signing out first."""
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setAccessibleName(_("Settings"))
        self.setWindowTitle(_("Settings"))
        self._settings = settings
        self.server = line_edit("settingsServer", _("Server address"),
                                active_server or settings.server_url)
        self._server_locked = bool(active_server)
        if active_server:
            self.server.setReadOnly(True)
            self.server.setToolTip(_("You are connected to this office. Sign out to use "
                                     "another."))
        self.interval = QSpinBox()
        named(self.interval, "settingsSyncInterval", _("Sync interval in minutes"))
        self.interval.setRange(1, 24 * 60)
        self.interval.setSuffix(_(" min"))
        self.interval.setValue(settings.sync_interval_minutes)
        self.theme = QComboBox()
        named(self.theme, "settingsTheme", _("Theme"))
        for label, key in themes():
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        self.language = QComboBox()
        named(self.language, "settingsLanguage", _("Language"))
        for label, key in languages():
            self.language.addItem(label, key)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.language.setToolTip(_("Applies the next time the app starts."))
        self.touch = QCheckBox(_("Large touch targets"))
        named(self.touch, "settingsLargeTouch", _("Large touch targets"))
        self.touch.setChecked(settings.large_touch_targets)
        self.error = message_label("settingsError")
        self.save = button(_("Save"), "settingsSave", primary=True)
        self.save.setDefault(True)
        self.cancel = button(_("Cancel"), "settingsCancel")
        self.save.clicked.connect(self._save)
        self.cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("&Server"), self.server)
        form.addRow(_("Sync &every"), self.interval)
        form.addRow(_("&Theme"), self.theme)
        form.addRow(_("&Language"), self.language)
        form.addRow("", self.touch)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)

    def _save(self) -> None:
        try:
            updated = self._settings.replace(
                server_url=(self._settings.server_url if self._server_locked
                            else self.server.text().strip()),
                sync_interval_minutes=self.interval.value(),
                theme=self.theme.currentData(),
                large_touch_targets=self.touch.isChecked(),
                language=self.language.currentData(),
            )
        except SettingsError as exc:
            self.error.setText(exc.reason)
            self.error.show()
            return
        self.saved.emit(updated)
        self.accept()
