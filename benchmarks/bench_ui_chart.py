"""Telemetry chart with 1,000,000 points: first render and zoom/pan frames.

Baseline from the same run: a plain pyqtgraph PlotWidget given the same million
points with no downsampling.  Targets: first render <= 300 ms, frame <= 33 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import targets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from concierge.domain import AssetKind, metric_spec
from ui.charts import Forecast, TelemetryChart

N = 1_000_000
REPEATS = 5
FRAMES = 40
FIRST_RENDER_LIMIT_MS = 300.0
FRAME_LIMIT_MS = 33.0


def series() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    t = 1_700_000_000.0 + np.arange(N, dtype=float) * 2.6  # ~30 days
    mean = 60 + (t - t[0]) / 86_400 * 0.4 + rng.normal(0, 1.5, N)
    return t, mean


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


COUNTER = PaintCounter()


def paint(widget) -> None:
    """Run the event loop until the pending redraw and its paint are done."""
    before = COUNTER.count
    QApplication.processEvents()
    QApplication.processEvents()
    if COUNTER.count == before:
        widget.viewport().repaint()


def first_render(make) -> tuple[float, object]:
    start = time.perf_counter()
    widget = make()
    widget.viewport().installEventFilter(COUNTER)
    widget.resize(1000, 320)
    widget.show()
    paint(widget)
    return (time.perf_counter() - start) * 1000, widget


def frames(widget, viewbox) -> list[float]:
    (x0, x1), _ = viewbox.viewRange()
    span = x1 - x0
    timings = []
    for i in range(FRAMES):
        start = time.perf_counter()
        if i < FRAMES // 2:  # zoom in step by step
            width = span * (0.9 ** (i + 1))
            centre = x0 + span / 2
            viewbox.setXRange(centre - width / 2, centre + width / 2, padding=0)
        else:  # pan
            (a, b), _ = viewbox.viewRange()
            shift = (b - a) * 0.1
            viewbox.setXRange(a + shift, b + shift, padding=0)
        paint(widget)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> int:
    app = QApplication.instance() or QApplication([])
    t, mean = series()
    spec = metric_spec(AssetKind.ELEVATOR, "motor_temp")

    def ours() -> TelemetryChart:
        chart = TelemetryChart(spec, "Motor temperature")
        chart.set_series(t, mean, mean - 2, mean + 2)
        chart.set_forecast(Forecast(0.4, float(mean[-1]), float(t[-1]), 75.0,
                                    float(t[-1]) + 20 * 86_400))
        return chart

    def plain() -> pg.PlotWidget:
        widget = pg.PlotWidget()
        widget.plot(t, mean)
        return widget

    results = {}
    for name, make in (("baseline: plain PlotWidget", plain), ("TelemetryChart", ours)):
        renders, all_frames = [], []
        for _ in range(REPEATS):
            ms, widget = first_render(make)
            renders.append(ms)
            viewbox = widget.getPlotItem().getViewBox()
            all_frames += frames(widget, viewbox)
            widget.close()
            widget.deleteLater()
            app.processEvents()
        results[name] = (statistics.median(renders), statistics.median(all_frames),
                         max(all_frames))
        print(f"{name:28s} first render median {results[name][0]:7.1f} ms | zoom/pan frame "
              f"median {results[name][1]:6.1f} ms, max {results[name][2]:6.1f} ms "
              f"({REPEATS} x {FRAMES} frames, {N:,} points)")
    render, frame, _worst = results["TelemetryChart"]
    plain_render, plain_frame, _ = results["baseline: plain PlotWidget"]
    targets.check("chart first render (median)", render, "ms", at_most=FIRST_RENDER_LIMIT_MS,
                  baseline=f"plain PlotWidget {plain_render:.1f} ms")
    targets.check("chart zoom/pan frame (median)", frame, "ms", at_most=FRAME_LIMIT_MS,
                  baseline=f"plain PlotWidget {plain_frame:.1f} ms")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
