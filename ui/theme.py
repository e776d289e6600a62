# SPDX-License-Identifier: Apache-2.0
"""Light/dark QSS theme that follows the system colour scheme unless overridden."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

import resources

RESOURCES = Path(resources.__file__).parent
PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "window": "#f6f7f9", "base": "#ffffff", "alt_base": "#f1f4f6", "text": "#1d2329",
        "muted": "#5b6670", "border": "#cfd6dc", "button": "#eef1f4", "accent": "#1f7a8c",
        "accent_soft": "#d8eef2", "on_accent": "#ffffff", "focus": "#e07a5f",
        "selection": "#cde7ed", "error": "#b3261e", "ok": "#1e7d32", "warn": "#a15c00",
    },
    "dark": {
        "window": "#1b1f24", "base": "#22272e", "alt_base": "#262c34", "text": "#e6edf3",
        "muted": "#9aa7b3", "border": "#3a434d", "button": "#2b323b", "accent": "#4fb3c8",
        "accent_soft": "#1f3a41", "on_accent": "#0d1114", "focus": "#f2a489",
        "selection": "#2d4b53", "error": "#ff8a80", "ok": "#7fd48a", "warn": "#f0b45a",
    },
}


def system_scheme() -> str:
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def current_scheme() -> str:
    """The scheme the theme controller applied ("light" unless told otherwise)."""
    app = QApplication.instance()
    scheme = app.property("conciergeScheme") if app is not None else None
    return scheme if scheme in PALETTES else "light"


TONES = {"ok": "ok", "error": "error", "warn": "warn", "accent": "accent", "muted": "muted"}


def tone(name: str) -> str:
    """A status colour for text (ok, error, warn, accent, muted) readable on the current
    scheme's background: text colours come from the palette, never fixed."""
    return PALETTES[current_scheme()][TONES.get(name, "muted")]


def system_point_size() -> float:
    """The system font's size (the app font before any style sheet), 10 pt if unknown."""
    size = QGuiApplication.font().pointSizeF() if QGuiApplication.instance() else -1.0
    return size if size > 0 else 10.0


def stylesheet(scheme: str, *, large_touch: bool = False, base_pt: float | None = None) -> str:
    """``base_pt``: the system font size the text follows (scaled up for large targets)."""
    base = (base_pt or system_point_size()) * (1.15 if large_touch else 1.0)
    values = dict(PALETTES[scheme])
    values.update(
        font_size=f"{base:.1f}",
        title_size=f"{base * 1.5:.1f}",
        pad="8" if large_touch else "4",
        pad2="16" if large_touch else "10",
        touch="44" if large_touch else "24",
        touch_field="44" if large_touch else "22",
        indicator="28" if large_touch else "16",
    )
    qss = (RESOURCES / "theme" / "base.qss").read_text(encoding="utf-8")
    for key, value in values.items():
        qss = qss.replace("{{" + key + "}}", value)
    return qss


def palette_for(scheme: str) -> QPalette:
    """The QPalette of a scheme: what the style sheet does not paint (the session window's
    pages, charts, menus, views) takes its colours from here, so dark is dark everywhere."""
    colours = {k: QColor(v) for k, v in PALETTES[scheme].items()}
    palette = QPalette()
    role = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for name, key in (
            (role.Window, "window"), (role.WindowText, "text"), (role.Base, "base"),
            (role.AlternateBase, "alt_base"), (role.Text, "text"), (role.Button, "button"),
            (role.ButtonText, "text"), (role.Highlight, "accent"),
            (role.HighlightedText, "on_accent"), (role.ToolTipBase, "base"),
            (role.ToolTipText, "text"), (role.PlaceholderText, "muted"),
            (role.Link, "accent"), (role.BrightText, "error"), (role.Mid, "border"),
            (role.Dark, "border"), (role.Light, "base"), (role.Midlight, "alt_base"),
            (role.Shadow, "border"),
        ):
            palette.setColor(group, name, colours[key])
    disabled = QPalette.ColorGroup.Disabled
    for name in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, name, colours["muted"])
    for name, key in ((role.Window, "window"), (role.Base, "base"), (role.Button, "button")):
        palette.setColor(disabled, name, colours[key])
    return palette


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        icon.addFile(str(RESOURCES / "icons" / f"concierge-{size}.png"))
    return icon


class ThemeController(QObject):
    """Applies the theme now and again whenever the system scheme changes."""

    changed = Signal(str)  # the scheme now applied

    def __init__(self, app: QApplication, theme: str = "system", large_touch: bool = False):
        super().__init__(app)
        self._app = app
        self.theme = theme
        self.large_touch = large_touch
        self.base_pt = system_point_size()  # read before our style sheet sets sizes
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    @property
    def scheme(self) -> str:
        return system_scheme() if self.theme == "system" else self.theme

    def apply(self, theme: str | None = None, large_touch: bool | None = None) -> None:
        if theme is not None:
            self.theme = theme
        if large_touch is not None:
            self.large_touch = large_touch
        self._app.setProperty("conciergeScheme", self.scheme)
        self._app.setPalette(palette_for(self.scheme))
        self._app.setStyleSheet(stylesheet(self.scheme, large_touch=self.large_touch,
                                           base_pt=self.base_pt))
        self.changed.emit(self.scheme)

    def _on_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.theme == "system":
            self.apply()
