# SPDX-License-Identifier: Apache-2.0
"""The before/after chart, drawn with QPainter so the page and the PDF share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from concierge.i18n import Translator, _, msg, ui
from concierge.session.kpi import Comparison
from concierge.session.text import fmt_change, fmt_value, label_name
from ui.theme import AA_GRAPHIC, paper_palette, semantic

ROW = 54.0


@dataclass(frozen=True)
class ChartColours:
    paper: QColor
    text: QColor
    before: QColor
    after: QColor
    verdicts: dict[str, QColor]


def chart_colours(palette: QPalette) -> ChartColours:
    """The chart's colours from a palette (the window's on screen, the light one on paper)."""
    return ChartColours(
        paper=palette.color(QPalette.ColorRole.Base),
        text=palette.color(QPalette.ColorRole.Text),
        before=semantic("muted", palette, AA_GRAPHIC),
        after=semantic("accent", palette, AA_GRAPHIC),
        verdicts={"improved": semantic("ok", palette), "worse": semantic("error", palette)})


@lru_cache(maxsize=1)
def paper_colours() -> ChartColours:
    """For the PDF: printed on white, whatever the screen's scheme."""
    return chart_colours(paper_palette())


def measured(rows: Sequence[Comparison]) -> list[Comparison]:
    return [c for c in rows if c.before is not None and c.after is not None]


def chart_height(rows: Sequence[Comparison]) -> float:
    return 40.0 + ROW * max(len(measured(rows)), 1)


def draw_before_after(painter: QPainter, rect: QRectF, rows: Sequence[Comparison],
                      names: Mapping[str, str], t: Translator | None = None, *,
                      colours: ChartColours | None = None) -> None:
    """Per KPI two bars (before muted, after accent) scaled to the larger of the two; the
    words in ``t``'s language (the UI's by default, the report's for the PDF)."""
    t = t or ui()
    c = colours or paper_colours()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(painter.font())
    font.setPixelSize(13)
    painter.setFont(font)
    data = measured(rows)
    label_w, pct_w = rect.width() * 0.3, 190.0
    bar_x = rect.left() + label_w + 8
    bar_w = rect.width() - label_w - pct_w - 16
    y = rect.top()
    _legend(painter, rect.left(), y, t, c)
    y += 34
    if not data:
        painter.setPen(c.text)
        painter.drawText(QRectF(rect.left(), y, rect.width(), ROW),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         t.render(msg("No after-measurements recorded yet.")))
    for row in data:
        before, after = float(row.before or 0.0), float(row.after or 0.0)
        top = max(abs(before), abs(after)) or 1.0
        painter.setPen(c.text)
        label = f"{label_name(row.kpi.label, t=t)}\n{names.get(row.asset_id, row.asset_id)}"
        _fitted(painter, QRectF(rect.left(), y, label_w, ROW - 8), label)
        for i, (value, colour) in enumerate(((before, c.before), (after, c.after))):
            w = max(bar_w * 0.7 * abs(value) / top, 2.0)
            bar = QRectF(bar_x, y + 4 + i * 22, w, 18)
            painter.fillRect(bar, colour)
            painter.setPen(c.text)
            painter.drawText(QRectF(bar.right() + 6, bar.top(), bar_w * 0.3, 18),
                             Qt.AlignmentFlag.AlignVCenter, fmt_value(value, row.kpi.unit, t=t))
        painter.setPen(c.verdicts.get(row.verdict, c.text))
        painter.drawText(QRectF(rect.right() - pct_w, y, pct_w, ROW - 8),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                         | Qt.TextFlag.TextWordWrap,
                         fmt_change(row.change_pct, row.verdict, t=t))
        y += ROW
    painter.restore()


def _fitted(painter: QPainter, box: QRectF, text: str) -> None:
    """``text`` wrapped into ``box``, in a smaller font where it would not fit (never clipped)."""
    flags = (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
             | Qt.TextFlag.TextWordWrap)
    painter.save()
    font = QFont(painter.font())
    while font.pixelSize() > 8:
        needed = QFontMetricsF(font).boundingRect(box, int(flags), text)
        if needed.height() <= box.height() and needed.width() <= box.width():
            break
        font.setPixelSize(font.pixelSize() - 1)
    painter.setFont(font)
    painter.drawText(box, flags, text)
    painter.restore()


def _legend(painter: QPainter, x: float, y: float, t: Translator, c: ChartColours) -> None:
    before, after = t.render(msg("Before")), t.render(msg("After"))
    for i, (name, colour) in enumerate(((before, c.before), (after, c.after))):
        left = x + i * 110
        painter.fillRect(QRectF(left, y + 6, 14, 14), colour)
        painter.setPen(c.text)
        painter.drawText(QRectF(left + 20, y, 80, 26), Qt.AlignmentFlag.AlignVCenter, name)


def chart_image(rows: Sequence[Comparison], names: Mapping[str, str],
                t: Translator | None = None, width: int = 1000, scale: float = 2.0) -> QImage:
    """The chart as an image ``scale`` times sharper than its logical size."""
    size = QSize(int(width * scale), int(chart_height(rows) * scale))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(paper_colours().paper)
    painter = QPainter(image)
    painter.scale(scale, scale)
    draw_before_after(painter, QRectF(0, 0, width, chart_height(rows)), rows, names, t)
    painter.end()
    return image


class BeforeAfterChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("beforeAfterChart")
        self.setAccessibleName(_("Before and after chart of the measured KPIs"))
        self.rows: list[Comparison] = []
        self.names: dict[str, str] = {}

    def set_rows(self, rows: Sequence[Comparison], names: Mapping[str, str]) -> None:
        self.rows, self.names = list(rows), dict(names)
        self.setMinimumHeight(int(chart_height(self.rows)) + 8)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        colours = chart_colours(self.palette())
        painter = QPainter(self)
        painter.fillRect(self.rect(), colours.paper)
        draw_before_after(painter, QRectF(self.rect()).adjusted(8, 4, -8, -4), self.rows,
                          self.names, colours=colours)
        painter.end()
