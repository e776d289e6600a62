from __future__ import annotations

import numpy as np
import pytest

from concierge.domain import AssetKind, metric_spec
from ui.charts import Forecast, TelemetryChart, decimate

pytestmark = pytest.mark.qt
DAY = 86_400.0


def test_decimate_keeps_peaks() -> None:
    t = np.arange(100_000, dtype=float)
    v = np.zeros_like(t)
    v[54_321] = 9.0
    bt, blo, bhi, lt, ly = decimate(t, v, v, v, x0=0, x1=1e6, bins=100)
    assert bt.size == 100 and lt.size == 200
    assert bhi.max() == 9.0 and ly.max() == 9.0 and blo.min() == 0.0


def test_decimate_small_views_are_raw() -> None:
    t = np.arange(1000, dtype=float)
    v = t * 2
    _bt, _lo, _hi, lt, ly = decimate(t, v, v, v, x0=10, x1=20, bins=100)
    assert lt[0] == 9 and lt[-1] == 21 and np.array_equal(ly, lt * 2)


def test_forecast_from_evidence() -> None:
    f = Forecast.from_evidence({"slope_per_day": 2.0, "intercept": 70.0, "t_ref": 1000.0,
                                "threshold": 75.0, "crossing_at": "1970-01-03T21:00:00+00:00"})
    assert f is not None and f.crossing_at == pytest.approx(248_400.0)
    assert f.value_at(1000.0 + DAY) == pytest.approx(72.0)
    assert Forecast.from_evidence({"slope_per_day": "x"}) is None


def test_chart_shows_thresholds_trend_and_crossing(qtbot) -> None:
    spec = metric_spec(AssetKind.ELEVATOR, "motor_temp")
    chart = TelemetryChart(spec, "Motor temperature")
    qtbot.addWidget(chart)
    t0 = 1_700_000_000.0
    t = t0 + np.arange(0, 14 * DAY, 600.0)
    mean = 60 + (t - t0) / DAY
    chart.set_series(t, mean, mean - 1, mean + 1)
    crossing = t[-1] + 5 * DAY
    chart.set_forecast(Forecast(1.0, float(mean[-1]), float(t[-1]), 75.0, crossing))
    chart.resize(800, 300)
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.threshold_lines["warning"].value() == 75.0
    assert chart.threshold_lines["critical"].value() == 85.0
    assert chart.forecast_line is not None and chart.forecast_line.xData[-1] == crossing
    assert chart.crossing_marker is not None
    (x0, x1), (_y0, y1) = chart.viewbox.viewRange()
    assert x0 <= t[0] and x1 >= crossing and y1 >= 85.0
    chart.viewbox.scaleBy((0.1, 1))
    qtbot.waitUntil(lambda: chart.visible_points() < 2 * t.size)
