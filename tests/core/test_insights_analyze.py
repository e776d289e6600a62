"""analyze_metric / analyze_asset: trends, deviations, counters, and no false alarms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concierge.domain import (
    METRIC_CATALOGUE,
    AssetKind,
    InsightKind,
    MetricSpec,
    Severity,
    metric_spec,
)
from concierge.insights import Finding, analyze_asset, analyze_metric
from concierge.insights.series import DAY, FloatArray
from concierge.insights.synthetic import DEFAULT_END, healthy_series, synthetic_series

NOW = DEFAULT_END  # 2023-11-14 22:13:20 UTC
MOTOR = metric_spec("elevator", "motor_temp")  # UP, warning 75 °C, critical 85 °C
SNR = metric_spec("cable_gateway", "snr")  # DOWN, warning 30 dB, critical 27 dB
COP = metric_spec("heat_pump", "cop")  # DOWN, warning 2.5, critical 2.0
LATENCY = metric_spec("cable_gateway", "latency")  # UP, warning 50 ms
VIBRATION = metric_spec("elevator", "vibration")
DOOR_CYCLES = metric_spec("elevator", "door_cycles")  # counter, limit 2,000,000
COMPRESSOR_HOURS = metric_spec("heat_pump", "compressor_hours")  # counter, limit 30,000
EVIDENCE_TREND = {
    "slope_per_day",
    "intercept",
    "t_ref",
    "threshold",
    "threshold_kind",
    "crossing_at",
    "unit",
    "window_start",
    "window_end",
}


def only(findings: list[Finding], kind: InsightKind) -> Finding:
    matching = [f for f in findings if f.kind is kind]
    assert len(matching) == 1, [f.explanation for f in findings]
    return matching[0]


def assert_well_formed(f: Finding) -> None:
    assert f.key == f"{f.asset_id}:{f.metric}:{f.kind.value}"
    assert 0.0 <= f.confidence <= 1.0
    assert f.confidence == round(f.confidence, 2)
    json.dumps(f.evidence, allow_nan=False)  # JSON-serialisable, no NaN
    assert f.explanation
    assert f.headline
    assert len(f.headline) < len(f.explanation)


# --- TREND ----------------------------------------------------------------------------


def test_rising_motor_temperature_crosses_warning_in_ten_days() -> None:
    # level 55 + 0.5 °C/day for 30 days -> 70 now; 75 °C in 10 days, 85 °C in 30 days
    t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=0.5)
    findings = analyze_metric("lift-1", MOTOR, t, v, NOW)
    f = only(findings, InsightKind.TREND)
    assert_well_formed(f)
    assert f.severity is Severity.WARNING
    assert f.predicted_impact_at is not None
    assert abs(f.predicted_impact_at - (NOW + 10 * DAY)) < 1.0 * DAY
    assert f.evidence.keys() >= EVIDENCE_TREND
    assert f.evidence["threshold"] == 75.0
    assert f.evidence["threshold_kind"] == "warning"
    assert f.evidence["unit"] == "°C"
    assert f.evidence["slope_per_day"] == pytest.approx(0.5, abs=0.03)
    assert f.confidence >= 0.8
    assert f.explanation.startswith("Motor temperature rising 0.5 °C/day; crosses 75 °C in about")
    assert "85 °C in about 30 days" in f.explanation
    assert f.explanation.endswith(f"(confidence {f.confidence:g})")
    assert f.headline in {f"Motor temperature crosses 75 °C in ~{d} days" for d in (9, 10, 11)}


def test_evidence_trend_line_meets_the_threshold_at_the_crossing() -> None:
    t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=0.5)
    e = only(analyze_metric("lift-1", MOTOR, t, v, NOW), InsightKind.TREND).evidence
    assert isinstance(e["crossing_at"], float)
    assert isinstance(e["intercept"], float)
    assert isinstance(e["slope_per_day"], float)
    assert isinstance(e["t_ref"], float)
    at_crossing = e["intercept"] + e["slope_per_day"] * (e["crossing_at"] - e["t_ref"]) / DAY
    assert at_crossing == pytest.approx(75.0)


def test_cleaner_data_gives_higher_confidence() -> None:
    confidences = []
    for noise in (0.5, 2.0, 4.0):
        t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=noise, slope_per_day=0.5)
        finding = only(analyze_metric("a", MOTOR, t, v, NOW), InsightKind.TREND)
        confidences.append(finding.confidence)
    assert confidences[0] > confidences[1] > confidences[2]


def test_critical_when_critical_threshold_is_days_away() -> None:
    # 60 -> 80 over the last 8 days: beyond warning now, 85 °C in about 5 days
    t, v = synthetic_series(
        level=60.0, daily_amplitude=3.0, noise=0.8, slope_per_day=2.5, drift_days=8.0
    )
    f = only(analyze_metric("lift-1", MOTOR, t, v, NOW), InsightKind.TREND)
    assert f.severity is Severity.CRITICAL
    assert "above the 75 °C warning threshold" in f.explanation
    assert "crosses 85 °C in about" in f.explanation


def test_beyond_critical_is_critical_now() -> None:
    t, v = synthetic_series(level=88.0, daily_amplitude=2.0, noise=0.5)
    f = only(analyze_metric("lift-1", MOTOR, t, v, NOW), InsightKind.TREND)
    assert f.severity is Severity.CRITICAL
    assert f.predicted_impact_at == NOW
    assert f.evidence["threshold_kind"] == "critical"
    assert f.explanation.startswith(
        "Motor temperature at 88.1 °C, above the 85 °C critical threshold"
    )


def test_late_degradation_is_forecast_from_the_recent_slope() -> None:
    # flat for 20 days, then +1 °C/day: 65 °C now, 75 °C in about 10 days
    t, v = synthetic_series(
        level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=1.0, drift_days=10.0
    )
    f = only(analyze_metric("lift-1", MOTOR, t, v, NOW), InsightKind.TREND)
    assert f.predicted_impact_at is not None
    assert abs(f.predicted_impact_at - (NOW + 10 * DAY)) < 1.5 * DAY
    assert f.evidence["slope_per_day"] == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("spec", "level", "slope", "days_to_warning", "unit_text"),
    [
        (SNR, 37.0, -0.15, (32.5 - 30.0) / 0.15, "dB/day"),
        (COP, 3.8, -0.03, (2.9 - 2.5) / 0.03, "per day"),
    ],
)
def test_falling_down_metrics_are_forecast(
    spec: MetricSpec, level: float, slope: float, days_to_warning: float, unit_text: str
) -> None:
    t, v = synthetic_series(
        level=level, daily_amplitude=0.02 * level, noise=0.01 * level, slope_per_day=slope, seed=7
    )
    f = only(analyze_metric("x", spec, t, v, NOW), InsightKind.TREND)
    assert "falling" in f.explanation
    assert unit_text in f.explanation
    assert f.predicted_impact_at is not None
    assert abs(f.predicted_impact_at - (NOW + days_to_warning * DAY)) < 0.1 * days_to_warning * DAY


@pytest.mark.parametrize(("spec", "level", "slope"), [(MOTOR, 60.0, -0.5), (SNR, 31.0, 0.2)])
def test_trend_moving_away_from_bad_side_is_ignored(
    spec: MetricSpec, level: float, slope: float
) -> None:
    t, v = synthetic_series(level=level, noise=0.3, slope_per_day=slope, seed=8)
    assert [f for f in analyze_metric("x", spec, t, v, NOW) if f.kind is InsightKind.TREND] == []


# --- DEVIATION ------------------------------------------------------------------------


def snr_with_step(delta: float) -> tuple[FloatArray, FloatArray]:
    t, v = synthetic_series(level=36.0, daily_amplitude=0.8, noise=0.6, seed=3)
    v = v.copy()
    v[t > NOW - 3 * DAY] += delta  # since 11 Nov 22:13 UTC
    return t, v


def test_snr_level_shift_down_is_reported_with_its_date() -> None:
    t, v = snr_with_step(-4.9)
    f = only(analyze_metric("gw-7", SNR, t, v, NOW), InsightKind.DEVIATION)
    assert_well_formed(f)
    assert f.evidence["deviation"] == "level_shift"
    assert f.severity is Severity.WARNING  # 31 dB: below normal (33), above warning (30)
    assert f.explanation.startswith("Downstream SNR dropped from 36")
    assert "(level shift, " in f.explanation
    assert f.explanation.endswith("since 11 Nov")
    assert isinstance(f.evidence["sigma"], float)
    assert f.evidence["sigma"] > 5.0
    assert f.evidence["recent_mean"] == pytest.approx(31.1, abs=0.3)
    assert f.evidence["baseline_mean"] == pytest.approx(36.0, abs=0.3)
    assert f.headline.startswith("Downstream SNR down 4.")


def test_shift_to_the_good_side_is_not_a_finding() -> None:
    t, v = snr_with_step(+4.9)
    assert analyze_metric("gw-7", SNR, t, v, NOW) == []


def test_latency_spikes_are_reported() -> None:
    t, v = synthetic_series(level=15.0, daily_amplitude=3.0, noise=1.5, seed=5)
    v = v.copy()
    recent = np.flatnonzero(t > NOW - 2 * DAY)
    v[np.random.default_rng(0).choice(recent, 12, replace=False)] += 40.0
    f = only(analyze_metric("gw-7", LATENCY, t, v, NOW), InsightKind.DEVIATION)
    assert_well_formed(f)
    assert f.evidence["deviation"] == "spikes"
    assert f.evidence["spike_count"] == 12.0
    assert f.severity is Severity.WARNING  # the spikes reach the 50 ms warning
    assert f.explanation.startswith("Latency: 12 spikes above ")


def test_same_spike_rate_as_the_baseline_is_normal() -> None:
    t, v = synthetic_series(level=15.0, daily_amplitude=3.0, noise=1.5, seed=5)
    v = v.copy()
    # one spike every ~4 hours throughout: that is this asset's normal behaviour
    v[::48] += 40.0
    assert analyze_metric("gw-7", LATENCY, t, v, NOW) == []


def test_vibration_noise_growth_is_reported() -> None:
    t, v = synthetic_series(level=1.5, daily_amplitude=0.2, noise=0.1, seed=6)
    v = v.copy()
    recent = t > NOW - 2 * DAY
    v[recent] += np.random.default_rng(1).normal(0.0, 0.4, int(recent.sum()))
    f = only(analyze_metric("lift-1", VIBRATION, t, v, NOW), InsightKind.DEVIATION)
    assert f.evidence["deviation"] == "noise_growth"
    ratio = f.evidence["noise_ratio"]
    assert isinstance(ratio, float)
    assert 2.5 < ratio < 6.0  # true ratio sqrt(0.1² + 0.4²) / 0.1 ≈ 4.1
    assert f.explanation.startswith("Vibration noise up ")


def test_tiny_but_clean_change_is_not_material() -> None:
    # SNR with very little noise moves 0.3 dB: many sigmas, but irrelevant to the warning
    t, v = synthetic_series(level=36.0, noise=0.02, seed=9)
    v = v.copy()
    v[t > NOW - 3 * DAY] -= 0.3
    assert analyze_metric("gw-7", SNR, t, v, NOW) == []


# --- COUNTER --------------------------------------------------------------------------


def door_counter(start: float, per_day: float, days: float = 30.0) -> tuple[FloatArray, FloatArray]:
    t = NOW - np.arange(int(days * 288), 0, -1, dtype=np.float64) * 300.0 + 300.0
    # usage only during the day, so the daily rate must be measured over whole days
    hour = (t % DAY) / 3600.0
    busy = ((hour >= 7) & (hour < 19)).astype(float)
    increments = busy / busy.sum() * per_day * days
    return t, start + np.cumsum(increments)


def test_door_cycles_near_the_limit() -> None:
    t, v = door_counter(1_800_000.0, 4_900.0)  # ends at 1,947,000: 53,000 left, ~10.8 days
    f = only(analyze_metric("lift-1", DOOR_CYCLES, t, v, NOW), InsightKind.COUNTER)
    assert_well_formed(f)
    assert f.severity is Severity.WARNING
    assert f.evidence["rate_per_day"] == pytest.approx(4_900.0, rel=0.02)
    assert f.evidence["service_limit"] == 2_000_000.0
    assert f.predicted_impact_at is not None
    assert abs(f.predicted_impact_at - (NOW + 53_000 / 4_900 * DAY)) < 0.5 * DAY
    assert f.explanation.startswith(
        "Door cycles at 1,947,000 of 2,000,000; limit reached in about 11"
    )
    assert f.headline == "Door cycles: service limit in ~11 days"


def test_counter_far_from_the_limit_is_quiet() -> None:
    t, v = door_counter(200_000.0, 4_900.0)
    assert analyze_metric("lift-1", DOOR_CYCLES, t, v, NOW) == []


def test_counter_limit_within_a_week_is_critical() -> None:
    t, v = door_counter(1_830_000.0, 5_000.0)  # 20,000 left: 4 days
    f = only(analyze_metric("lift-1", DOOR_CYCLES, t, v, NOW), InsightKind.COUNTER)
    assert f.severity is Severity.CRITICAL


def test_counter_over_ninety_percent_with_slow_use() -> None:
    t = NOW - np.arange(720, 0, -1) * 3600.0
    v = 27_500.0 + np.arange(720) * 0.6  # 27,932 h of 30,000: 93%, limit in ~144 days
    f = only(analyze_metric("hp-3", COMPRESSOR_HOURS, t, v, NOW), InsightKind.COUNTER)
    assert f.severity is Severity.WARNING
    assert f.explanation.startswith("Compressor hours at 27,930 h of 30,000 h;")


def test_counter_reset_by_service_starts_afresh() -> None:
    t, v = door_counter(1_850_000.0, 4_900.0)
    v = v.copy()
    after_service = t > NOW - 5 * DAY
    v[after_service] -= v[after_service][0]  # reset to 0 five days ago
    assert analyze_metric("lift-1", DOOR_CYCLES, t, v, NOW) == []


def test_counter_beyond_the_limit() -> None:
    t, v = door_counter(1_990_000.0, 4_000.0)
    f = only(analyze_metric("lift-1", DOOR_CYCLES, t, v, NOW), InsightKind.COUNTER)
    assert f.severity is Severity.CRITICAL
    assert "service limit reached" in f.explanation


# --- no false alarms ------------------------------------------------------------------


def healthy_asset(kind: AssetKind, seed: int) -> dict[str, tuple[FloatArray, FloatArray]]:
    series: dict[str, tuple[FloatArray, FloatArray]] = {}
    for i, spec in enumerate(METRIC_CATALOGUE[kind]):
        t, v = healthy_series(spec, seed=1000 * seed + i)
        if spec.counter:
            assert spec.service_limit is not None
            rate = spec.service_limit / 1000.0  # a few years of life left
            v = 0.3 * spec.service_limit + rate * (t - t[0]) / DAY
        series[spec.key] = (t, v)
    return series


def test_healthy_fleet_of_fifty_assets_has_no_findings() -> None:
    kinds = list(AssetKind)
    noisy = []
    for seed in range(50):
        kind = kinds[seed % len(kinds)]
        noisy += analyze_asset(f"asset-{seed}", kind, healthy_asset(kind, seed), NOW)
    assert noisy == [], [f.explanation for f in noisy]


def test_noisy_wandering_healthy_gauges_have_no_findings() -> None:
    gauges = [s for specs in METRIC_CATALOGUE.values() for s in specs if not s.counter]
    noisy = []
    for seed in range(50):
        spec = gauges[seed % len(gauges)]
        rng = np.random.default_rng(seed)
        low, width = spec.normal_low, spec.normal_high - spec.normal_low
        t, v = synthetic_series(
            level=float(rng.uniform(low + 0.1 * width, low + 0.9 * width)),
            daily_amplitude=float(rng.uniform(0.0, 0.3) * width),
            weekly_amplitude=float(rng.uniform(0.0, 0.1) * width),
            noise=float(rng.uniform(0.02, 0.12) * width),
            wander=float(rng.uniform(0.0, 0.1) * width),
            seed=seed,
        )
        noisy += analyze_metric(f"asset-{seed}", spec, t, v, NOW)
    assert noisy == [], [f.explanation for f in noisy]


def test_weekly_pattern_and_wander_are_not_findings() -> None:
    trips = metric_spec("elevator", "trips_per_hour")
    for seed in range(10):
        t, v = synthetic_series(
            level=30.0, daily_amplitude=20.0, weekly_amplitude=8.0, noise=4.0, wander=3.0, seed=seed
        )
        assert analyze_metric("lift", trips, t, v, NOW) == []


# --- robustness and determinism -------------------------------------------------------


def test_same_input_gives_identical_findings() -> None:
    t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=0.5)
    series = {"motor_temp": (t, v), "door_cycles": door_counter(1_800_000.0, 4_900.0)}
    first = analyze_asset("lift-1", "elevator", series, NOW)
    assert len(first) == 2
    assert analyze_asset("lift-1", "elevator", series, NOW) == first
    order = np.random.default_rng(2).permutation(t.size)
    shuffled = {**series, "motor_temp": (t[order], v[order])}
    assert analyze_asset("lift-1", "elevator", shuffled, NOW) == first


def test_nan_and_inf_do_not_change_the_verdict() -> None:
    t, v = synthetic_series(level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=0.5)
    dirty = v.copy()
    dirty[::37] = np.nan
    dirty[5::101] = np.inf
    clean_f = only(analyze_metric("a", MOTOR, t, v, NOW), InsightKind.TREND)
    dirty_f = only(analyze_metric("a", MOTOR, t, dirty, NOW), InsightKind.TREND)
    assert dirty_f.severity is clean_f.severity
    assert dirty_f.predicted_impact_at == pytest.approx(clean_f.predicted_impact_at, abs=0.5 * DAY)


@pytest.mark.parametrize("spec", [MOTOR, SNR, DOOR_CYCLES])
@pytest.mark.parametrize(
    "values",
    [[], [math.nan] * 50, [math.inf, -math.inf], [50.0], [50.0] * 5],
)
def test_degenerate_inputs_do_not_raise(spec: MetricSpec, values: list[float]) -> None:
    t = NOW - np.arange(len(values), 0, -1) * 300.0
    findings = analyze_metric("a", spec, t, np.array(values), NOW)
    assert isinstance(findings, list)
    for f in findings:
        assert_well_formed(f)


_ODD = st.sampled_from([math.nan, math.inf, -math.inf])


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([MOTOR, SNR, DOOR_CYCLES]),
    st.lists(
        st.tuples(
            st.one_of(st.floats(NOW - 40 * DAY, NOW), _ODD), st.one_of(st.floats(-1e4, 1e7), _ODD)
        ),
        max_size=400,
    ),
)
def test_arbitrary_input_never_raises(spec: MetricSpec, points: list[tuple[float, float]]) -> None:
    t = np.array([p[0] for p in points], dtype=float)
    v = np.array([p[1] for p in points], dtype=float)
    for f in analyze_metric("a", spec, t, v, NOW):
        assert_well_formed(f)


def test_constant_series() -> None:
    t = NOW - np.arange(8640, 0, -1) * 300.0
    assert analyze_metric("a", MOTOR, t, np.full(t.size, 50.0), NOW) == []
    hot = analyze_metric("a", MOTOR, t, np.full(t.size, 80.0), NOW)
    f = only(hot, InsightKind.TREND)
    assert f.severity is Severity.WARNING
    assert f.confidence >= 0.95


def test_short_history_still_flags_a_value_beyond_warning() -> None:
    t = NOW - np.arange(12, 0, -1) * 300.0
    f = only(analyze_metric("a", SNR, t, np.full(12, 29.0), NOW), InsightKind.TREND)
    assert f.severity is Severity.WARNING
    assert f.explanation.startswith("Downstream SNR at 29 dB, below the 30 dB warning threshold")


def test_analyze_asset_ignores_unknown_metrics_and_keeps_catalogue_order() -> None:
    t, hot = synthetic_series(level=80.0, noise=0.5)
    series = {
        "door_cycles": door_counter(1_900_000.0, 5_000.0),
        "not_a_metric": (t, hot),
        "motor_temp": (t, hot),
        "snr": (t, hot),  # belongs to cable gateways, not elevators
    }
    findings = analyze_asset("lift-1", AssetKind.ELEVATOR, series, NOW)
    assert [(f.metric, f.kind) for f in findings] == [
        ("motor_temp", InsightKind.TREND),
        ("door_cycles", InsightKind.COUNTER),
    ]


def test_unknown_asset_kind_raises() -> None:
    with pytest.raises(ValueError, match="toaster"):
        analyze_asset("x", "toaster", {}, NOW)
