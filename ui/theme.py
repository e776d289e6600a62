# SPDX-License-Identifier: Apache-2.0
"""Light/dark QSS theme that follows the system colour scheme unless overridden."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

import resources

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent

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


AA_TEXT = 4.5  # WCAG AA for normal text
AA_GRAPHIC = 3.0  # WCAG AA for large text and the parts of a graphic that carry meaning
# Meanings with a palette role take their colour from that role ...
ROLES = {"text": QPalette.ColorRole.WindowText, "accent": QPalette.ColorRole.Link,
         "muted": QPalette.ColorRole.PlaceholderText}
# ... the others a hue (given as the light scheme's colour), made readable on the palette
HUES = {"error": "#b3261e", "warn": "#a15c00", "ok": "#1e7d32", "star": "#e0a100",
        "urgent": "#c0392b", "high": "#a85500", "trend": "#6a3fb5"}
_SEMANTIC: dict[tuple[str, int, float], QColor] = {}


def luminance(colour: QColor) -> float:
    """WCAG relative luminance."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: QColor, backgrounds: Sequence[QColor], need: float = AA_TEXT) -> QColor:
    """``colour`` with its hue kept, darkened or lightened (away from the backgrounds) just
    enough to reach ``need`` against every one of them."""
    def worst(c: QColor) -> float:
        return min(contrast(c, b) for b in backgrounds)

    if worst(colour) >= need:
        return QColor(colour)
    lighten = sum(luminance(b) for b in backgrounds) / len(backgrounds) < 0.18
    hue, saturation = max(colour.hslHueF(), 0.0), colour.hslSaturationF()
    lightness = colour.lightnessF()
    while 0.0 < lightness < 1.0:
        lightness = min(1.0, lightness + 0.01) if lighten else max(0.0, lightness - 0.01)
        candidate = QColor.fromHslF(hue, saturation, lightness)
        if worst(candidate) >= need:
            return candidate
    return QColor("white" if lighten else "black")


def backgrounds(palette: QPalette) -> list[QColor]:
    """What text is drawn on: the window, and views' base and alternate rows."""
    role = QPalette.ColorRole
    return [palette.color(r) for r in (role.Window, role.Base, role.AlternateBase)]


def semantic(name: str, palette: QPalette | None = None, need: float = AA_TEXT) -> QColor:
    """The colour of a meaning (error, warn, ok, accent, muted, text, star, urgent, high,
    trend)
    derived from ``palette`` (the application's by default): readable on its backgrounds
    in any scheme, and new whenever the palette changes (a live light/dark switch)."""
    palette = palette if palette is not None else QGuiApplication.palette()
    key = (name, palette.cacheKey(), need)
    colour = _SEMANTIC.get(key)
    if colour is None:
        seed = palette.color(ROLES[name]) if name in ROLES else QColor(HUES.get(name, "#5b6670"))
        colour = readable(seed, backgrounds(palette), need)
        if len(_SEMANTIC) > 512:
            _SEMANTIC.clear()
        _SEMANTIC[key] = colour
    return QColor(colour)


def tone(name: str) -> str:
    """A status colour for text (ok, error, warn, accent, muted), as ``#rrggbb``, from the
    application's palette (see ``semantic``)."""
    return semantic(name).name()


def soft(name: str, palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(background, text) of a gently tinted note: the meaning's colour faintly over the
    base colour, and that colour again, made readable on the tint."""
    palette = palette if palette is not None else QGuiApplication.palette()
    base, colour = palette.color(QPalette.ColorRole.Base), semantic(name, palette)
    tint = QColor.fromRgbF(*(0.86 * b + 0.14 * c for b, c in (
        (base.redF(), colour.redF()), (base.greenF(), colour.greenF()),
        (base.blueF(), colour.blueF()))))
    return tint, readable(colour, [tint])


def badge_colours(name: str, palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(fill, text) of a badge: the meaning's colour filled, the base colour as its text
    (AA both ways: the fill is made readable on the base)."""
    palette = palette if palette is not None else QGuiApplication.palette()
    return semantic(name, palette), palette.color(QPalette.ColorRole.Base)


class _PaletteFollower(QObject):
    def __init__(self, widget: QWidget, apply: Callable[[], None]) -> None:
        from PySide6.QtCore import QEvent  # its type (a large enum) loads with the first one

        super().__init__(widget)
        self._moved = (QEvent.Type.Show, QEvent.Type.ParentChange)
        self._changes = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        self._widget, self._apply = widget, apply
        self._applied = QGuiApplication.palette().cacheKey()
        self._window: QWidget | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in self._moved and watched is self._widget:
            self._watch_window()
        elif kind in self._changes:
            # once per new palette: the colours applied may change the widget's palette
            key = QGuiApplication.palette().cacheKey()
            if key != self._applied:
                self._applied = key
                self._apply()
        return False

    def _watch_window(self) -> None:
        """A widget whose style sheet sets its colours hears of no palette change: its
        window does."""
        window = self._widget.window()
        if window is not self._window and window is not self._widget:
            if self._window is not None:
                self._window.removeEventFilter(self)
            self._window = window
            window.installEventFilter(self)


def follow_palette(widget: QWidget, apply: Callable[[], None]) -> None:
    """Call ``apply()`` now and whenever the application's palette changes (for colours a
    widget was given rather than takes from its palette: style sheets, rich text)."""
    apply()
    _PaletteFollower(widget, apply)


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


@lru_cache(maxsize=1)
def paper_palette() -> QPalette:
    """The colours of what is printed (the report, its chart, the signature image): the
    light scheme's, whatever the screen shows."""
    return palette_for("light")


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
