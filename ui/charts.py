# SPDX-License-Identifier: Apache-2.0
"""Telemetry charts: mean line, min/max band, thresholds, trend and forecast crossing,
events (markers with a tooltip, e.g. remote attempts) and shaded time spans (e.g. the
window an anomaly was seen in).

Large series (a million points) stay fluid because only what is visible is
drawn, reduced to about two points per horizontal pixel (min/max per bin, so
spikes survive) every time the view moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QLocale, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPalette,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

from concierge.domain import MetricSpec
from concierge.i18n import _
from concierge.session.text import unit_name
from ui.format import clock, day_text, number
from ui.theme import AA_GRAPHIC, AA_TEXT, readable, semantic

Array = npt.NDArray[np.float64]
DAY = 86_400.0
THRESHOLD_TONES = {"warning": "warn", "critical": "error", "service limit": "error"}
SPAN_ALPHA = 45  # how strongly a span's colour tints the chart under it


@dataclass(frozen=True)
class ChartColours:
    """Every colour a telemetry chart draws with, derived from a palette (ui.theme): lines
    and markers reach 3:1 on the chart's background, words 4.5:1."""

    background: QColor
    text: QColor
    axis: QColor
    mean: QColor
    trend: QColor
    lines: dict[str, QColor]  # a meaning's lines and markers (warn, error, ok, accent, ...)
    words: dict[str, QColor]  # the same meaning's labels

    def line(self, meaning: str) -> QColor:
        return self.lines.get(meaning) or self.lines["muted"]

    def word(self, meaning: str) -> QColor:
        return self.words.get(meaning) or self.words["muted"]


MEANINGS = ("warn", "error", "ok", "accent", "muted", "star", "urgent", "high")


def chart_colours(palette: QPalette) -> ChartColours:
    """The chart's colours on ``palette`` (the application's on screen)."""
    return ChartColours(
        background=palette.color(QPalette.ColorRole.Base),
        text=palette.color(QPalette.ColorRole.Text),
        axis=semantic("muted", palette),
        mean=semantic("accent", palette, AA_GRAPHIC),
        trend=semantic("trend", palette, AA_GRAPHIC),
        lines={m: semantic(m, palette, AA_GRAPHIC) for m in MEANINGS},
        words={m: semantic(m, palette, AA_TEXT) for m in MEANINGS})


def tinted(base: QColor, colour: QColor, alpha: int) -> QColor:
    """``colour`` at ``alpha`` (0-255) painted over ``base``, as one opaque colour."""
    a = alpha / 255
    return QColor.fromRgbF(*((1 - a) * b + a * c for b, c in (
        (base.redF(), colour.redF()), (base.greenF(), colour.greenF()),
        (base.blueF(), colour.blueF()))))


_ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                   "Dec")


class LocalDateAxis(pg.DateAxisItem):  # type: ignore[misc]
    """pyqtgraph's date axis with month names in the UI language (it writes C-locale
    ``%b``); the numbers it writes are the same in every locale we support."""

    def tickStrings(self, values: Any, scale: Any, spacing: Any) -> list[str]:
        strings = super().tickStrings(values, scale, spacing)
        locale = QLocale()
        if locale.language() == QLocale.Language.English:
            return list(strings)
        names = {m: locale.monthName(i + 1, QLocale.FormatType.ShortFormat)
                 for i, m in enumerate(_ENGLISH_MONTHS)}
        return [" ".join(names.get(word, word) for word in s.split(" ")) for s in strings]


class LocalNumberAxis(pg.AxisItem):  # type: ignore[misc]
    """pyqtgraph's value axis with the UI locale's decimal mark ("7,5" in German)."""

    def tickStrings(self, values: Any, scale: Any, spacing: Any) -> list[str]:
        strings = super().tickStrings(values, scale, spacing)
        mark = QLocale().decimalPoint()
        return list(strings) if mark == "." else [s.replace(".", mark) for s in strings]


@dataclass(frozen=True)
class Forecast:
    """A straight trend ``intercept + slope_per_day * (t - t_ref) / DAY``, maybe crossing."""

    slope_per_day: float
    intercept: float
    t_ref: float
    threshold: float | None = None
    crossing_at: float | None = None
    fit_start: float | None = None  # where the fitted data began

    def value_at(self, t: Array | float) -> Any:
        return self.intercept + self.slope_per_day * (np.asarray(t) - self.t_ref) / DAY

    @classmethod
    def from_evidence(cls, evidence: dict[str, Any], impact_at: datetime | None = None
                      ) -> Forecast | None:
        """Read an insight's evidence; None if it carries no trend."""
        try:
            slope = float(evidence["slope_per_day"])
            intercept = float(evidence["intercept"])
            t_ref = _epoch(evidence["t_ref"])
        except (KeyError, TypeError, ValueError):
            return None
        if t_ref is None or not all(map(math.isfinite, (slope, intercept, t_ref))):
            return None
        threshold = _float(evidence.get("threshold"))
        crossing = _epoch(evidence.get("crossing_at"))
        if crossing is None and impact_at is not None:
            crossing = impact_at.timestamp()
        return cls(slope, intercept, t_ref, threshold, crossing,
                   _epoch(evidence.get("window_start")))


@dataclass(frozen=True)
class ChartEvent:
    """A moment marked on the chart: ``legend`` names its kind (one legend entry per
    kind), ``tooltip`` says what happened; ``tone`` is a meaning (ui.theme.semantic)."""

    t: float
    legend: str
    tooltip: str
    tone: str = "accent"
    symbol: str = "d"


@dataclass(frozen=True)
class ChartSpan:
    """A time span shaded on the chart, labelled at its top."""

    start: float
    end: float
    label: str
    tooltip: str
    tone: str = "warn"


def _float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _epoch(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return _float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    return _float(value)


def decimate(t: Array, lo: Array, mean: Array, hi: Array, *, x0: float, x1: float,
             bins: int) -> tuple[Array, Array, Array, Array, Array]:
    """Visible part of a series as (band_t, band_lo, band_hi, line_t, line_y).

    With more than ``2 * bins`` points visible, each bin keeps its lowest low and
    highest high for the band, and its lowest and highest mean for the line.
    """
    n = t.size
    i0 = max(int(np.searchsorted(t, x0, "left")) - 1, 0)
    i1 = min(int(np.searchsorted(t, x1, "right")) + 1, n)
    if i1 - i0 <= 2 * bins:
        s = slice(i0, i1)
        return t[s], lo[s], hi[s], t[s], mean[s]
    edges = np.linspace(i0, i1, bins + 1).astype(np.int64)[:-1]
    bt = t[edges]
    blo = np.minimum.reduceat(lo[i0:i1], edges - i0)
    bhi = np.maximum.reduceat(hi[i0:i1], edges - i0)
    mlo = np.minimum.reduceat(mean[i0:i1], edges - i0)
    mhi = np.maximum.reduceat(mean[i0:i1], edges - i0)
    line_t = np.repeat(bt, 2)
    line_y = np.empty(line_t.size)
    line_y[0::2], line_y[1::2] = mlo, mhi
    return bt, blo, bhi, line_t, line_y


class TelemetryChart(pg.PlotWidget):  # type: ignore[misc]
    """One metric of one asset: reads arrays given to it, draws only what's visible."""

    def __init__(self, spec: MetricSpec | None, title: str,
                 parent: QWidget | None = None) -> None:
        axis = LocalDateAxis(orientation="bottom")  # local time
        super().__init__(parent=parent,
                         axisItems={"bottom": axis, "left": LocalNumberAxis(orientation="left")})
        self.spec = spec
        self.setObjectName("telemetryChart")
        self.setAccessibleName(_("Chart: {title}").format(title=title))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(220)
        self.title = title
        self.engaged = False  # the wheel zooms after a click on the chart (or with Ctrl)
        item = self.getPlotItem()
        self.legend = item.addLegend(offset=(-10, 10))
        self.readout = pg.TextItem("", anchor=(0, 0))
        self.readout.setZValue(10)
        item.addItem(self.readout, ignoreBounds=True)
        self.readout.hide()
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        item.showGrid(x=False, y=False)
        item.setMenuEnabled(False)
        item.hideButtons()
        self.viewbox = item.getViewBox()
        self.viewbox.setMouseEnabled(x=True, y=True)
        self._t: Array = np.zeros(0)
        self._lo = self._mean = self._hi = self._t
        self.band = QGraphicsPathItem()  # min/max envelope as one filled polygon
        self.band.setPen(pg.mkPen(None))
        self.mean_line = pg.PlotCurveItem(skipFiniteCheck=True, name=_("Hourly mean"))
        item.addItem(self.band)
        item.addItem(self.mean_line)
        self.threshold_lines: dict[str, pg.InfiniteLine] = {}
        self.trend_line: pg.PlotCurveItem | None = None
        self.forecast_line: pg.PlotCurveItem | None = None
        self.crossing_marker: pg.ScatterPlotItem | None = None
        self.crossing_label: pg.TextItem | None = None
        self.forecast: Forecast | None = None
        self.events: list[tuple[ChartEvent, pg.ScatterPlotItem]] = []
        self.spans: list[tuple[ChartSpan, pg.LinearRegionItem, pg.TextItem]] = []
        self._palette_key: int | None = None
        self.restyle()
        self._redraw = QTimer(self, singleShot=True, interval=0)
        self._redraw.timeout.connect(self._refresh)
        self.viewbox.sigXRangeChanged.connect(self._redraw.start)
        if spec is not None and not spec.counter:
            self._add_threshold("warning", spec.warning)
            self._add_threshold("critical", spec.critical)
        elif spec is not None and spec.service_limit is not None:
            self._add_threshold("service limit", spec.service_limit)

    def restyle(self) -> None:
        """Colours of the application's palette (again when it changes: a live switch)."""
        palette = QGuiApplication.palette()
        if palette.cacheKey() == self._palette_key:
            return
        self._palette_key = palette.cacheKey()
        c = self.colours = chart_colours(palette)
        self.setBackground(c.background)
        item = self.getPlotItem()
        item.setTitle(self.title, color=c.text, size="10pt")
        for name in ("bottom", "left"):
            ax = item.getAxis(name)
            ax.setPen(c.axis)
            ax.setTextPen(c.axis)
        if self.spec is not None and self.spec.unit:
            item.setLabel("left", units=None, text=self.spec.unit, color=c.axis.name())
        fill = QColor(c.mean)
        fill.setAlpha(60)
        self.band.setBrush(fill)
        self.mean_line.setPen(pg.mkPen(c.mean, width=1))
        self.legend.setLabelTextColor(c.text)
        for _sample, entry in self.legend.items:  # its colour is in the entry's rich text
            entry.setText(entry.text, color=c.text)
        self.legend.setBrush(pg.mkBrush(c.background))
        self.readout.setColor(c.text)
        self.readout.fill = pg.mkBrush(c.background)
        for name, line in self.threshold_lines.items():
            _paint_threshold(line, THRESHOLD_TONES[name], c)
        for curve in (self.trend_line, self.forecast_line):
            if curve is not None:
                pen = curve.opts["pen"]
                pen.setColor(c.trend)
                curve.setPen(pen)
        if self.crossing_marker is not None:
            self.crossing_marker.setPen(pg.mkPen(c.line("error"), width=2))
        if self.crossing_label is not None:
            self.crossing_label.setColor(c.word("error"))
        for event, marker in self.events:
            _paint_event(marker, event, c)
        for span, region, label in self.spans:
            _paint_span(region, label, span, c)

    def changeEvent(self, event: QEvent) -> None:
        ready = hasattr(self, "_palette_key")  # not while the base class is being built
        if ready and event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange,
                                      QEvent.Type.ApplicationPaletteChange):
            self.restyle()
        super().changeEvent(event)

    # --- wheel, hover -----------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        """The wheel scrolls the page; it zooms only with Ctrl or after a click here."""
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl or self.engaged:
            super().wheelEvent(event)
        else:
            event.ignore()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.engaged = True
        super().mousePressEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self.engaged = False
        self.readout.hide()
        super().leaveEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.engaged = False
        super().focusOutEvent(event)

    def _mouse_moved(self, pos: Any) -> None:
        if not self.getPlotItem().sceneBoundingRect().contains(pos):
            self.readout.hide()
            return
        self.hover_at(float(self.viewbox.mapSceneToView(pos).x()))

    def hover_at(self, x: float) -> str:
        """Show the reading nearest to time ``x``: time, value and unit. Returns the text."""
        if not self._t.size:
            self.readout.hide()
            return ""
        i = int(np.clip(np.searchsorted(self._t, x), 0, self._t.size - 1))
        if i > 0 and abs(self._t[i - 1] - x) < abs(self._t[i] - x):
            i -= 1
        t, value = float(self._t[i]), float(self._mean[i])
        moment = datetime.fromtimestamp(t).astimezone()
        unit = f" {unit_name(self.spec.unit)}" if self.spec and self.spec.unit else ""
        text = f"{day_text(moment)} {clock(moment)}: {number(float(f'{value:.4g}'))}{unit}"
        if self._lo is not self._mean and self._hi is not self._mean:
            text += " " + _("(min {low}, max {high})").format(
                low=number(float(f"{self._lo[i]:.4g}")), high=number(float(f"{self._hi[i]:.4g}")))
        (x0, _x1), (_y0, y1) = self.viewbox.viewRange()
        self.readout.setText(text)
        self.readout.setPos(x0, y1)
        self.readout.show()
        return text

    def _add_threshold(self, name: str, value: float) -> None:
        unit = f" {unit_name(self.spec.unit)}" if self.spec and self.spec.unit else ""
        words = {"warning": _("Warning {value}"), "critical": _("Critical {value}"),
                 "service limit": _("Service limit {value}")}
        line = pg.InfiniteLine(
            pos=value, angle=0, movable=False,
            label=words[name].format(value=number(value) + unit),
            labelOpts={"position": 0.02, "anchors": [(0, 1), (0, 1)]},
        )
        _paint_threshold(line, THRESHOLD_TONES[name], self.colours)
        self.getPlotItem().addItem(line, ignoreBounds=True)
        self.threshold_lines[name] = line

    def set_series(self, t: Array, mean: Array, lo: Array | None = None,
                   hi: Array | None = None) -> None:
        self._t = np.asarray(t, dtype=np.float64)
        self._mean = np.asarray(mean, dtype=np.float64)
        self._lo = self._mean if lo is None else np.asarray(lo, dtype=np.float64)
        self._hi = self._mean if hi is None else np.asarray(hi, dtype=np.float64)
        self.fit()

    def set_forecast(self, forecast: Forecast | None) -> None:
        item = self.getPlotItem()
        for old in (self.trend_line, self.forecast_line, self.crossing_marker,
                    self.crossing_label):
            if old is not None:
                item.removeItem(old)
        self.trend_line = self.forecast_line = self.crossing_marker = None
        self.crossing_label = None
        self.forecast = forecast
        if forecast is None:
            return
        c = self.colours
        start = forecast.fit_start or (float(self._t[0]) if self._t.size
                                       else forecast.t_ref - 7 * DAY)
        end = forecast.crossing_at or forecast.t_ref + 7 * DAY
        xs = np.array([start, forecast.t_ref])
        self.trend_line = pg.PlotCurveItem(xs, forecast.value_at(xs),
                                           pen=pg.mkPen(c.trend, width=2), name=_("Trend"))
        fx = np.array([forecast.t_ref, max(end, forecast.t_ref)])
        self.forecast_line = pg.PlotCurveItem(
            fx, forecast.value_at(fx), name=_("Forecast"),
            pen=pg.mkPen(c.trend, width=2, style=Qt.PenStyle.DashLine))
        item.addItem(self.trend_line)
        item.addItem(self.forecast_line)
        if forecast.crossing_at is not None:
            y = forecast.threshold if forecast.threshold is not None else float(
                forecast.value_at(forecast.crossing_at))
            self.crossing_marker = pg.ScatterPlotItem(
                [forecast.crossing_at], [y], symbol="o", size=12,
                pen=pg.mkPen(c.line("error"), width=2), brush=pg.mkBrush(QColor(0, 0, 0, 0)))
            moment = datetime.fromtimestamp(forecast.crossing_at)
            text = _("Crosses {value} ~{day}").format(value=number(float(f"{y:.4g}")),
                                                       day=day_text(moment.astimezone()))
            self.crossing_marker.setToolTip(_("Predicted crossing: {moment}").format(
                moment=f"{day_text(moment.astimezone())} {clock(moment.astimezone())}"))
            self.crossing_label = pg.TextItem(text, color=c.word("error"), anchor=(1, 1.2))
            self.crossing_label.setPos(forecast.crossing_at, y)
            item.addItem(self.crossing_marker)
            item.addItem(self.crossing_label)
        self.fit()

    def set_events(self, events: list[ChartEvent]) -> None:
        """Mark moments on the mean line, each with its tooltip; one legend entry per kind."""
        item = self.getPlotItem()
        for _event, old in self.events:
            item.removeItem(old)
            self.legend.removeItem(old)
        self.events = []
        named: set[str] = set()
        for event in sorted(events, key=lambda e: e.t):
            marker = pg.ScatterPlotItem([event.t], [self._value_at(event.t)], size=14,
                                        symbol=event.symbol,
                                        name=None if event.legend in named else event.legend)
            named.add(event.legend)
            marker.setZValue(5)
            marker.setToolTip(event.tooltip)
            _paint_event(marker, event, self.colours)
            item.addItem(marker)
            self.events.append((event, marker))
        self._describe()
        self.fit()

    def set_spans(self, spans: list[ChartSpan]) -> None:
        """Shade time spans (e.g. where an anomaly was seen), labelled and explained."""
        item = self.getPlotItem()
        for _span, region, label in self.spans:
            item.removeItem(region)
            item.removeItem(label)
        self.spans = []
        for span in spans:
            end = max(span.end, span.start + 60.0)  # a moment still shows as a thin band
            region = pg.LinearRegionItem((span.start, end), movable=False)
            region.setZValue(-5)
            region.setToolTip(span.tooltip)
            label = pg.TextItem(span.label, anchor=(0, 1))
            _paint_span(region, label, span, self.colours)
            item.addItem(region, ignoreBounds=True)
            item.addItem(label, ignoreBounds=True)
            self.spans.append((span, region, label))
        self._describe()
        self.fit()

    def _value_at(self, t: float) -> float:
        """The mean line at ``t`` (interpolated), where a marker sits."""
        if not self._t.size:
            return 0.0
        return float(np.interp(t, self._t, self._mean))

    def _describe(self) -> None:
        """What the markers and spans say, for screen readers (tooltips need a mouse)."""
        lines = [s.tooltip for s, _r, _l in self.spans] + [e.tooltip for e, _m in self.events]
        self.setAccessibleDescription("\n".join(lines))

    def fit(self) -> None:
        """Show all data, the thresholds, the forecast crossing, events and spans."""
        xs: list[float] = []
        ys: list[float] = []
        if self._t.size:
            xs += [float(self._t[0]), float(self._t[-1])]
            ys += [float(np.nanmin(self._lo)), float(np.nanmax(self._hi))]
        ys += [line.value() for line in self.threshold_lines.values()]
        if self.forecast is not None:
            xs.append(self.forecast.t_ref)
            if self.forecast.crossing_at is not None:
                xs.append(self.forecast.crossing_at)
        xs += [event.t for event, _marker in self.events]
        xs += [t for span, _r, _l in self.spans for t in (span.start, span.end)]
        finite_x = [x for x in xs if math.isfinite(x)]
        finite_y = [y for y in ys if math.isfinite(y)]
        if finite_x:
            x0, x1 = min(finite_x), max(finite_x)
            x1 = x1 if x1 > x0 else x0 + 3600
            span = x1 - x0
            # no zooming out to years or in below a few minutes
            self.viewbox.setLimits(xMin=x0 - span, xMax=x1 + span, maxXRange=3 * span,
                                   minXRange=min(600.0, span))
            self.viewbox.setXRange(x0, x1, padding=0.03)
        if finite_y:
            y0, y1 = min(finite_y), max(finite_y)
            self.viewbox.setYRange(y0, y1 if y1 > y0 else y0 + 1, padding=0.08)
        self._refresh()

    def visible_points(self) -> int:
        return int(self.mean_line.xData.size) if self.mean_line.xData is not None else 0

    def _refresh(self) -> None:
        (_x0, _x1), (y0, _y1) = self.viewbox.viewRange()
        for span, _region, label in self.spans:
            label.setPos(span.start, y0)  # at the foot of the view, clear of the legend
        if not self._t.size:
            return
        (x0, x1), _ = self.viewbox.viewRange()
        bins = max(int(self.viewbox.width()), 200)
        bt, blo, bhi, lt, ly = decimate(self._t, self._lo, self._mean, self._hi,
                                         x0=x0, x1=x1, bins=bins)
        self.band.setPath(pg.arrayToQPath(np.concatenate((bt, bt[::-1])),
                                          np.concatenate((blo, bhi[::-1]))))
        self.mean_line.setData(lt, ly)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keyboard zoom and pan: +/- zoom, arrows pan, 0 fits."""
        key = event.key()
        (x0, x1), _ = self.viewbox.viewRange()
        step = (x1 - x0) * 0.2
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.viewbox.scaleBy((0.5, 1))
        elif key == Qt.Key.Key_Minus:
            self.viewbox.scaleBy((2, 1))
        elif key == Qt.Key.Key_Left:
            self.viewbox.setXRange(x0 - step, x1 - step, padding=0)
        elif key == Qt.Key.Key_Right:
            self.viewbox.setXRange(x0 + step, x1 + step, padding=0)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()


def _paint_threshold(line: pg.InfiniteLine, meaning: str, c: ChartColours) -> None:
    line.setPen(pg.mkPen(c.line(meaning), width=1.2, style=Qt.PenStyle.DashLine))
    line.label.setColor(c.word(meaning))


def _paint_event(marker: pg.ScatterPlotItem, event: ChartEvent, c: ChartColours) -> None:
    marker.setPen(pg.mkPen(c.background, width=1.5))
    marker.setBrush(pg.mkBrush(c.line(event.tone)))


def _paint_span(region: pg.LinearRegionItem, label: pg.TextItem, span: ChartSpan,
                c: ChartColours) -> None:
    colour = c.line(span.tone)
    fill = QColor(colour)
    fill.setAlpha(SPAN_ALPHA)
    region.setBrush(pg.mkBrush(fill))
    region.setHoverBrush(pg.mkBrush(fill))
    for line in region.lines:
        line.setPen(pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine))
    # the label sits on the span's tint: readable there and on the plain background
    label.setColor(readable(c.word(span.tone),
                            [c.background, tinted(c.background, colour, SPAN_ALPHA)]))
