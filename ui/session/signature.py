# SPDX-License-Identifier: Apache-2.0
"""A signature pad: each finished pen stroke is handed over at once (to be autosaved)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from concierge.i18n import _
from ui.theme import AA_GRAPHIC, paper_palette, semantic

Stroke = list[tuple[float, float]]
PAD_HEIGHT = 160  # the pad keeps it, however much else the page shows


def draw_strokes(painter: QPainter, rect: QRectF, strokes: Sequence[Sequence[tuple[float, float]]],
                 width: float, ink: QColor) -> None:
    """Draw normalised strokes (0..1) into ``rect``, keeping the pad's aspect."""
    pen = QPen(ink, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for stroke in strokes:
        if len(stroke) < 2:
            continue
        path = QPainterPath(_at(rect, stroke[0]))
        for p in stroke[1:]:
            path.lineTo(_at(rect, p))
        painter.drawPath(path)


def _at(rect: QRectF, p: tuple[float, float]) -> QPointF:
    return QPointF(rect.left() + p[0] * rect.width(), rect.top() + p[1] * rect.height())


def signature_image(strokes: Sequence[Sequence[tuple[float, float]]],
                    width: int = 900, height: int = 300) -> QImage:
    size = QSize(width, height)
    image = QImage(size, QImage.Format.Format_ARGB32)
    paper = paper_palette()
    image.fill(paper.color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    draw_strokes(painter, QRectF(0, 0, size.width(), size.height()), strokes, size.width() / 150,
                 paper.color(QPalette.ColorRole.Text))
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes
    buffer.close()
    return bytes(data.data())


class SignaturePad(QWidget):
    stroke_finished = Signal(list)  # Stroke, normalised

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signaturePad")
        self.setAccessibleName(_("Customer signature: sign here with the mouse, pen or finger"))
        self.setMinimumSize(420, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(PAD_HEIGHT)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.strokes: list[Stroke] = []
        self._current: Stroke = []
        self.read_only = False

    def set_strokes(self, strokes: Sequence[Sequence[tuple[float, float]]]) -> None:
        self.strokes = [list(s) for s in strokes]
        self._current = []
        self.update()

    def _norm(self, event: QMouseEvent) -> tuple[float, float]:
        p = event.position()
        w, h = max(self.width(), 1), max(self.height(), 1)
        return (min(max(p.x() / w, 0.0), 1.0), min(max(p.y() / h, 0.0), 1.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.read_only or event.button() != Qt.MouseButton.LeftButton:
            return
        self._current = [self._norm(event)]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._current:
            self._current.append(self._norm(event))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if not self._current:
            return
        self._current.append(self._norm(event))
        stroke, self._current = self._current, []
        if len(stroke) >= 2:
            self.strokes.append(stroke)
            self.stroke_finished.emit(stroke)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        palette = self.palette()
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        painter.setPen(QPen(semantic("muted", palette), 1, Qt.PenStyle.DashLine))
        base = rect.bottom() - rect.height() * 0.22
        painter.drawLine(QPointF(rect.left() + 16, base), QPointF(rect.right() - 16, base))
        if not self.strokes and not self._current:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, _("Sign here"))
        painter.setPen(QPen(semantic("muted", palette, AA_GRAPHIC), 1))
        painter.drawRect(rect)
        draw_strokes(painter, rect, [*self.strokes, self._current], 2.2,
                     palette.color(QPalette.ColorRole.Text))
        painter.end()
