"""robust_trend and forecast_crossing: accuracy, robustness, confidence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concierge.domain import BadDirection, MetricSpec, metric_spec
from concierge.insights import Crossing, Trend, forecast_crossing, robust_trend
from concierge.insights.series import DAY
from concierge.insights.synthetic import DEFAULT_END, synthetic_series

NOW = DEFAULT_END
MOTOR = metric_spec("elevator", "motor_temp")  # UP: warning 75, critical 85
SNR = metric_spec("cable_gateway", "snr")  # DOWN: warning 30, critical 27


def test_slope_recovered_through_daily_seasonality_and_noise() -> None:
    t, v = synthetic_series(level=50.0, daily_amplitude=8.0, noise=2.0, slope_per_day=0.3, seed=1)
    trend = robust_trend(t, v)
    assert trend is not None
    assert trend.slope_per_day == pytest.approx(0.3, abs=0.02)
    # level at the last sample: 50 + 0.3 * 30 days
    assert trend.value_at(float(t[-1])) == pytest.approx(59.0, abs=0.5)
    assert trend.residual_scale == pytest.approx(2.0, rel=0.25)  # the noise, not the season
    assert trend.seasonal_amplitude == pytest.approx(16.0, rel=0.2)
    assert trend.n == t.size


def test_one_minute_data_for_thirty_days() -> None:
    t, v = synthetic_series(level=5.0, step_s=60.0, noise=0.5, slope_per_day=-0.05, seed=2)
    assert t.size == 43_200
    trend = robust_trend(t, v)
    assert trend is not None
    assert trend.slope_per_day == pytest.approx(-0.05, abs=0.005)


def test_outliers_do_not_drag_the_slope() -> None:
    t, v = synthetic_series(level=20.0, noise=0.5, slope_per_day=0.1, seed=3)
    v = v.copy()
    v[-300:-200] += 500.0  # a burst of garbage near the end
    v[::97] = -1e6
    trend = robust_trend(t, v)
    assert trend is not None
    assert trend.slope_per_day == pytest.approx(0.1, abs=0.02)


def test_nan_inf_and_order_are_ignored() -> None:
    t, v = synthetic_series(level=10.0, noise=0.2, slope_per_day=0.5, seed=4)
    clean = robust_trend(t, v)
    rng = np.random.default_rng(0)
    order = rng.permutation(t.size)
    t2, v2 = t[order].copy(), v[order].copy()
    v2[::50] = np.nan
    v2[1::77] = np.inf
    t2[2::91] = np.nan
    dirty = robust_trend(t2, v2)
    assert clean is not None
    assert dirty is not None
    assert dirty.slope_per_day == pytest.approx(clean.slope_per_day, abs=0.01)


def test_shuffled_input_gives_identical_trend() -> None:
    t, v = synthetic_series(level=10.0, noise=0.2, slope_per_day=0.5, seed=5)
    order = np.random.default_rng(1).permutation(t.size)
    assert robust_trend(t, v) == robust_trend(t[order], v[order])


@pytest.mark.parametrize(
    ("t", "v"),
    [
        ([], []),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),  # fewer than 8 points
        ([5.0] * 20, list(range(20))),  # zero time span
        (list(range(20)), [math.nan] * 20),  # nothing finite
    ],
)
def test_too_little_data_gives_none(t: list[float], v: list[float]) -> None:
    assert robust_trend(np.array(t, dtype=float), np.array(v, dtype=float)) is None


def test_constant_series_is_flat_and_certain() -> None:
    t = NOW - np.arange(2000, 0, -1) * 300.0
    trend = robust_trend(t, np.full(t.size, 42.0))
    assert trend is not None
    assert trend.slope_per_day == 0.0
    assert trend.intercept == 42.0
    assert trend.residual_scale == 0.0
    assert trend.slope_z == 0.0


def test_days_of_points_each_at_its_own_hour_still_get_a_slope() -> None:
    # Seasonal (over 3 days), but no two points share an hour of the day: no like-hour pairs.
    t = NOW - np.arange(9, 0, -1) * 11 * 3600.0
    trend = robust_trend(t, 2.0 * (t - t[0]) / DAY)
    assert trend is not None
    assert trend.slope_per_day == pytest.approx(2.0)


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        robust_trend(np.arange(10.0), np.arange(9.0))


def test_slope_error_grows_with_noise() -> None:
    errors = []
    for noise in (0.5, 2.0, 8.0):
        t, v = synthetic_series(level=50.0, noise=noise, slope_per_day=0.2, seed=6)
        trend = robust_trend(t, v)
        assert trend is not None
        errors.append(trend.slope_stderr)
    assert errors[0] < errors[1] < errors[2]


_ODD = st.sampled_from([math.nan, math.inf, -math.inf])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.floats(0.0, 1e7), _ODD), st.one_of(st.floats(-1e6, 1e6), _ODD)),
        max_size=600,
    )
)
def test_never_raises_and_is_finite(points: list[tuple[float, float]]) -> None:
    t = np.array([p[0] for p in points], dtype=float)
    v = np.array([p[1] for p in points], dtype=float)
    trend = robust_trend(t, v)
    if trend is not None:
        assert math.isfinite(trend.slope_per_day)
        assert math.isfinite(trend.intercept)
        assert trend.residual_scale >= 0.0
        assert trend.n >= 8


# --- forecast_crossing ------------------------------------------------------------


def _trend(slope: float, level: float, noise: float = 0.5, stderr: float = 0.01) -> Trend:
    return Trend(
        slope_per_day=slope,
        intercept=level,
        t_ref=NOW,
        residual_scale=noise,
        n=8640,
        slope_stderr=stderr,
        span_days=30.0,
    )


def test_crossing_time_for_a_rising_metric() -> None:
    crossing = forecast_crossing(_trend(0.5, 70.0), MOTOR, 75.0, NOW)
    assert crossing.days == pytest.approx(10.0)
    assert crossing.at == pytest.approx(NOW + 10.0 * DAY)
    assert 0.5 < crossing.confidence <= 1.0


def test_crossing_time_for_a_falling_down_metric() -> None:
    crossing = forecast_crossing(_trend(-0.25, 32.0), SNR, SNR.warning, NOW)
    assert crossing.days == pytest.approx(8.0)
    assert crossing.threshold == 30.0


def test_trend_moving_away_never_crosses() -> None:
    away_up = forecast_crossing(_trend(-0.5, 70.0), MOTOR, 75.0, NOW)
    away_down = forecast_crossing(_trend(0.3, 32.0), SNR, 30.0, NOW)
    assert away_up == Crossing(75.0, None, None, 0.0)
    assert away_down == Crossing(30.0, None, None, 0.0)


def test_crossing_beyond_horizon_is_none() -> None:
    crossing = forecast_crossing(_trend(0.05, 70.0), MOTOR, 75.0, NOW, horizon_days=60.0)
    assert crossing.at is None
    assert crossing.days is None
    assert forecast_crossing(_trend(0.05, 70.0), MOTOR, 75.0, NOW, horizon_days=200.0).days == (
        pytest.approx(100.0)
    )


def test_already_beyond_is_now() -> None:
    crossing = forecast_crossing(_trend(0.1, 80.0), MOTOR, 75.0, NOW)
    assert crossing.at == NOW
    assert crossing.days == 0.0
    assert crossing.confidence > 0.9


def test_confidence_falls_with_noise_extrapolation_and_insignificance() -> None:
    clean = forecast_crossing(_trend(0.5, 70.0, noise=0.5), MOTOR, 75.0, NOW).confidence
    noisy = forecast_crossing(_trend(0.5, 70.0, noise=4.0), MOTOR, 75.0, NOW).confidence
    far = forecast_crossing(_trend(0.5, 55.0, noise=0.5), MOTOR, 75.0, NOW).confidence
    weak = forecast_crossing(_trend(0.5, 70.0, stderr=0.15), MOTOR, 75.0, NOW).confidence
    assert clean > noisy
    assert clean > far
    assert clean > weak
    assert forecast_crossing(_trend(0.5, 70.0, stderr=0.5), MOTOR, 75.0, NOW).confidence == 0.0


def test_confidence_from_real_fits_is_higher_for_cleaner_data() -> None:
    confidences = []
    for noise in (0.5, 2.0, 4.0):
        t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=noise, slope_per_day=0.5)
        trend = robust_trend(t, v)
        assert trend is not None
        confidences.append(forecast_crossing(trend, MOTOR, 75.0, NOW).confidence)
    assert confidences[0] > confidences[1] > confidences[2] > 0.5


def test_stale_data_lowers_confidence() -> None:
    fresh = forecast_crossing(_trend(0.5, 65.0), MOTOR, 75.0, NOW).confidence
    trend = _trend(0.5, 60.0)
    stale = forecast_crossing(trend, MOTOR, 75.0, NOW + 10 * DAY).confidence  # same crossing date
    assert stale < fresh


def test_custom_spec_directions() -> None:
    spec = MetricSpec("x", "X", "u", 0.0, 10.0, 5.0, 2.0, BadDirection.DOWN)
    assert forecast_crossing(_trend(-1.0, 8.0), spec, 5.0, NOW).days == pytest.approx(3.0)
    assert forecast_crossing(_trend(1.0, 8.0), spec, 5.0, NOW).days is None
