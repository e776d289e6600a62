"""WCAG contrast of the text a window shows, as rendered (for the theme tests)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QWidget

AA_NORMAL = 4.5
AA_LARGE = 3.0  # 18 pt, or 14 pt bold


def luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _background(image: QImage, widget: QWidget, top: QWidget) -> QColor:
    """The commonest colour under the widget as painted: its background, text is thin."""
    origin = widget.mapTo(top, widget.rect().topLeft())
    scale = image.devicePixelRatio()
    counts: Counter[int] = Counter()
    w, h = widget.width(), widget.height()
    for y in range(0, h, max(1, h // 12)):
        for x in range(0, w, max(1, w // 24)):
            px, py = int((origin.x() + x) * scale), int((origin.y() + y) * scale)
            if 0 <= px < image.width() and 0 <= py < image.height():
                counts[image.pixel(px, py)] += 1
    return QColor.fromRgb(counts.most_common(1)[0][0]) if counts else QColor("white")


def contrast_failures(top: QWidget) -> list[str]:
    """Each visible text widget whose text does not reach WCAG AA on what is behind it."""
    image = top.grab().toImage()
    failures: list[str] = []
    widgets: list[Any] = [*top.findChildren(QLabel), *top.findChildren(QAbstractButton)]
    for widget in widgets:
        if not widget.isVisibleTo(top) or not widget.text().strip() or widget.width() < 4:
            continue
        fg = widget.palette().color(widget.foregroundRole())
        bg = _background(image, widget, top)
        font = widget.font()
        large = font.pointSizeF() >= 18 or (font.bold() and font.pointSizeF() >= 14)
        need = AA_LARGE if large else AA_NORMAL
        got = ratio(fg, bg)
        if got < need:
            failures.append(f"{widget.objectName() or type(widget).__name__} "
                            f"{widget.text()[:30]!r}: {fg.name()} on {bg.name()} = {got:.2f}")
    for view in top.findChildren(QAbstractItemView):
        if view.isVisibleTo(top):
            failures += item_failures(view)
    return failures


def item_failures(view: QAbstractItemView, rows: int = 200) -> list[str]:
    """Each item coloured by its model (ForegroundRole) that does not reach AA on the
    view's base and alternate rows."""
    model = view.model()
    if model is None:
        return []
    palette = view.palette()
    grounds = [palette.color(QPalette.ColorRole.Base),
               palette.color(QPalette.ColorRole.AlternateBase)]
    failures = []
    for r in range(min(model.rowCount(), rows)):
        for c in range(model.columnCount()):
            index = model.index(r, c)
            fg = index.data(Qt.ItemDataRole.ForegroundRole)
            if fg is None or not index.data():
                continue
            colour = fg.color() if isinstance(fg, QBrush) else QColor(fg)
            got = min(ratio(colour, g) for g in grounds)
            if got < AA_NORMAL:
                failures.append(f"{view.objectName()} ({r}, {c}) {index.data()[:30]!r}: "
                                f"{colour.name()} = {got:.2f}")
    return failures


def chart_failures(chart: Any) -> list[str]:
    """Each colour a telemetry chart (ui.charts.TelemetryChart) draws that does not reach
    WCAG AA on its background: 4.5:1 for words, 3:1 for lines and markers. A span's label
    is also checked on the span's tint."""
    ground = chart.backgroundBrush().color()
    checks: list[tuple[str, QColor, QColor, float]] = []  # what, colour, on, need

    def word(name: str, colour: QColor, on: QColor = ground) -> None:
        checks.append((name, colour, on, AA_NORMAL))

    def graphic(name: str, colour: QColor) -> None:
        checks.append((name, colour, ground, AA_LARGE))

    item = chart.getPlotItem()
    for name in ("bottom", "left"):
        word(f"{name} axis", item.getAxis(name).textPen().color())
    word("readout", chart.readout.textItem.defaultTextColor())
    for _sample, entry in chart.legend.items:  # LabelItem: its colour is in its rich text
        for colour in re.findall(r"color:\s*(#[0-9a-fA-F]{6})", entry.item.toHtml()):
            word(f"legend {entry.text!r}", QColor(colour))
    graphic("mean line", chart.mean_line.opts["pen"].color())
    for name, line in chart.threshold_lines.items():
        graphic(f"{name} line", line.pen.color())
        word(f"{name} label", line.label.textItem.defaultTextColor())
    for name, curve in (("trend", chart.trend_line), ("forecast", chart.forecast_line)):
        if curve is not None:
            graphic(name, curve.opts["pen"].color())
    if chart.crossing_marker is not None:
        graphic("crossing marker", chart.crossing_marker.opts["pen"].color())
    if chart.crossing_label is not None:
        word("crossing label", chart.crossing_label.textItem.defaultTextColor())
    for event, marker in chart.events:
        graphic(f"marker {event.legend!r}", marker.opts["brush"].color())
    for span, region, label in chart.spans:
        fill = region.brush.color()
        a = fill.alphaF()
        tint = QColor.fromRgbF(*((1 - a) * b + a * c for b, c in (
            (ground.redF(), fill.redF()), (ground.greenF(), fill.greenF()),
            (ground.blueF(), fill.blueF()))))
        for line in region.lines:
            graphic(f"span {span.label!r} edge", line.pen.color())
        colour = label.textItem.defaultTextColor()
        word(f"span label {span.label!r}", colour)
        word(f"span label {span.label!r} on its tint", colour, tint)
    failures = []
    for name, colour, on, need in checks:
        got = ratio(colour, on)
        if got < need:
            failures.append(f"{name}: {colour.name()} on {on.name()} = {got:.2f}")
    return failures
