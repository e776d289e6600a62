"""Median timings of robust_trend and analyze_asset beside an np.polyfit baseline.

Run ``python benchmarks/bench_insights.py`` from the repository root.  Targets:
robust_trend on 43,200 points (30 days of 1-minute data) under 20 ms;
analyze_asset for one asset with 6 metrics x 30 days of 5-minute data under
5 ms; the proactive engine's first pass over the demo fleet (120 assets x 4-6
metrics x 30 days of hourly means) under 300 ms.  The baseline is a plain
least-squares line (``np.polyfit``) on exactly the same arrays, measured in the
same run.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import targets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge.insights import analyze_asset, robust_trend
from concierge.insights.series import DAY, FloatArray
from concierge.insights.synthetic import DEFAULT_END, healthy_series, synthetic_series

REPEATS = 50
FLEET_REPEATS = 7
FLEET_ASSETS = 120


def median_ms(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    fn()  # warm-up (caches, lazy imports)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return 1e3 * statistics.median(samples)


def elevator_series() -> dict[str, tuple[FloatArray, FloatArray]]:
    series = {}
    for i, spec in enumerate(METRIC_CATALOGUE[AssetKind.ELEVATOR]):
        t, v = healthy_series(spec, seed=i)
        if spec.counter:
            v = 1_800_000.0 + 4_900.0 * (t - t[0]) / DAY
        series[spec.key] = (t, v)
    series["motor_temp"] = synthetic_series(
        level=55.0, daily_amplitude=5.0, noise=1.0, slope_per_day=0.5
    )
    return series


def fleet_series() -> list[tuple[str, AssetKind, dict[str, tuple[FloatArray, FloatArray]]]]:
    """Engine-shaped input: 120 assets, 30 days of hourly means (mid-hour times)."""
    kinds = list(METRIC_CATALOGUE)
    fleet = []
    for a in range(FLEET_ASSETS):
        kind = kinds[a % len(kinds)]
        series = {}
        for m, spec in enumerate(METRIC_CATALOGUE[kind]):
            t, v = healthy_series(spec, seed=1000 * a + m, step_s=3600.0)
            t = t - 1800.0
            if spec.counter:
                v = 0.5 * (spec.service_limit or 1.0) * (1.0 + 0.01 * (t - t[0]) / DAY)
            elif m == a % 5:  # one in five assets with a drifting metric
                sign = 1.0 if spec.bad_direction.value == "up" else -1.0
                v = v + sign * 0.02 * abs(spec.warning - spec.normal_high) * (t - t[0]) / DAY
            series[spec.key] = (t, v)
        fleet.append((f"asset-{a:03d}", kind, series))
    return fleet


def main() -> int:
    t, v = synthetic_series(
        level=50.0, step_s=60.0, daily_amplitude=8.0, noise=2.0, slope_per_day=0.3
    )
    series = elevator_series()
    n_points = sum(s[0].size for s in series.values())

    def polyfit_all() -> None:
        for ts, vs in series.values():
            np.polyfit(ts, vs, 1)

    fleet = fleet_series()
    fleet_metrics = sum(len(s) for _, _, s in fleet)

    def analyze_fleet() -> None:
        for asset_id, kind, asset_series in fleet:
            analyze_asset(asset_id, kind, asset_series, DEFAULT_END)

    def polyfit_fleet() -> None:
        for _, _, asset_series in fleet:
            for ts, vs in asset_series.values():
                np.polyfit(ts, vs, 1)

    rows = [
        (f"robust_trend, {t.size:,} points", median_ms(lambda: robust_trend(t, v)), 20.0),
        (f"np.polyfit deg 1, {t.size:,} points", median_ms(lambda: np.polyfit(t, v, 1)), None),
        (
            f"analyze_asset, {len(series)} metrics, {n_points:,} points",
            median_ms(lambda: analyze_asset("lift-1", AssetKind.ELEVATOR, series, DEFAULT_END)),
            5.0,
        ),
        (f"np.polyfit deg 1 x {len(series)} metrics", median_ms(polyfit_all), None),
        (
            f"engine pass, {len(fleet)} assets, {fleet_metrics} metrics",
            median_ms(analyze_fleet, FLEET_REPEATS),
            300.0,
        ),
        (f"np.polyfit deg 1 x {fleet_metrics} metrics", median_ms(polyfit_fleet), None),
    ]
    print(f"median of {REPEATS} runs ({FLEET_REPEATS} for the engine pass)")
    for label, ms, budget in rows:
        if budget is None:
            print(f"{label:>48}: {ms:7.2f} ms  (baseline)")
        else:
            targets.check(label, ms, "ms", at_most=budget)
    findings = analyze_asset("lift-1", AssetKind.ELEVATOR, series, DEFAULT_END)
    print("findings on the benchmark asset:", *(f"  - {f.explanation}" for f in findings), sep="\n")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
