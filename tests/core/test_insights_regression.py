"""Findings on a fixed, seeded set of synthetic assets match a recorded fixture.

The fixture (tests/core/data/insights_regression.json) was captured before the
analysis was vectorised; a speed-up must not change what is found.  Regenerate
it only on purpose:  python tests/core/test_insights_regression.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from concierge.domain import METRIC_CATALOGUE, AssetKind, MetricSpec
from concierge.insights import analyze_asset
from concierge.insights.series import DAY, FloatArray
from concierge.insights.synthetic import DEFAULT_END, healthy_series, synthetic_series

FIXTURE = Path(__file__).parent / "data" / "insights_regression.json"
NOW = DEFAULT_END
IMPACT_TOLERANCE_S = 60.0
STEPS = (300.0, 3_600.0, 7_200.0)
ANOMALIES = ("none", "drift", "late_drift", "shift", "spikes", "noise", "beyond", "gappy")

Series = dict[str, tuple[FloatArray, FloatArray]]


def _gauge(spec: MetricSpec, anomaly: str, seed: int, step: float, days: float) -> Any:
    t, v = healthy_series(spec, seed=seed, days=days, step_s=step)
    rng = np.random.default_rng(seed + 7)
    sign = 1.0 if spec.bad_direction.value == "up" else -1.0
    width = spec.normal_high - spec.normal_low
    gap = abs(spec.warning - float(np.median(v)))
    recent = t >= t[-1] - 2.0 * DAY
    if anomaly == "drift":
        v = v + sign * gap / days * 1.2 * (t - t[0]) / DAY
    elif anomaly == "late_drift":
        v = v + sign * gap / 8.0 * np.clip(t - (t[-1] - 6.0 * DAY), 0.0, None) / DAY
    elif anomaly == "shift":
        v = v + sign * 0.6 * gap * recent
    elif anomaly == "spikes":
        hits = recent & (rng.random(t.size) < 0.03)
        v = v + sign * 0.8 * gap * hits
    elif anomaly == "noise":
        v = v + recent * rng.normal(0.0, 0.15 * width, t.size)
    elif anomaly == "beyond":
        v = v + sign * 1.2 * gap * recent
    elif anomaly == "gappy":
        keep = rng.random(t.size) > 0.3
        keep &= ~((t > t[0] + 5.0 * DAY) & (t < t[0] + 7.0 * DAY))
        t, v = t[keep], v[keep]
        v = v + sign * gap / days * 0.8 * (t - t[0]) / DAY
    return t, v


def cases() -> dict[str, tuple[AssetKind, Series]]:
    """Seeded assets: every kind x anomaly x sampling step (+ a few short histories)."""
    out: dict[str, tuple[AssetKind, Series]] = {}
    seed = 0
    for kind, specs in METRIC_CATALOGUE.items():
        for step in STEPS:
            for a, anomaly in enumerate(ANOMALIES):
                for days in (30.0, 6.0) if a % 3 == 0 else (30.0,):
                    series: Series = {}
                    for m, spec in enumerate(specs):
                        seed += 1
                        if spec.counter:
                            limit = spec.service_limit or 1.0
                            t, _ = synthetic_series(level=0.0, days=days, step_s=step, seed=seed)
                            per_day = limit * (0.004 + 0.002 * (seed % 5))
                            v = limit * (0.7 + 0.03 * (seed % 7)) + per_day * (t - t[-1]) / DAY
                            series[spec.key] = (t, v)
                        else:
                            this = anomaly if m % 2 == a % 2 else "none"
                            series[spec.key] = _gauge(spec, this, seed, step, days)
                    name = f"{kind.value}-{anomaly}-{int(step)}s-{int(days)}d"
                    out[name] = (kind, series)
    return out


def current_findings() -> dict[str, list[list[Any]]]:
    result: dict[str, list[list[Any]]] = {}
    for name, (kind, series) in cases().items():
        result[name] = [
            [
                f.key,
                f.kind.value,
                f.severity.value,
                round(f.confidence, 2),
                None if f.predicted_impact_at is None else round(f.predicted_impact_at),
            ]
            for f in analyze_asset(name, kind, series, NOW)
        ]
    return result


def test_findings_match_the_recorded_fixture() -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    actual = current_findings()
    assert sorted(actual) == sorted(expected)
    for name, found in actual.items():
        want = expected[name]
        assert [f[:4] for f in found] == [w[:4] for w in want], name
        for f, w in zip(found, want, strict=True):
            if w[4] is None or f[4] is None:
                assert f[4] == w[4], name
            else:
                assert abs(f[4] - w[4]) <= IMPACT_TOLERANCE_S, name


def test_fixture_has_every_kind_of_finding() -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    kinds = {f[1] for found in expected.values() for f in found}
    assert kinds == {"trend", "deviation", "counter"}


if __name__ == "__main__":
    if "--write" in sys.argv:
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(current_findings(), indent=1) + "\n", encoding="utf-8")
        print("wrote", FIXTURE)
