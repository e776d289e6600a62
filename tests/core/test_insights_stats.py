"""summarize and the wording helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concierge.insights import Summary, summarize
from concierge.insights.text import fmt_date, fmt_number, in_days, per_day, with_unit


def test_summary_of_known_values() -> None:
    t = np.arange(101, dtype=float)
    s = summarize(t, np.arange(101, dtype=float))
    std = float(np.std(np.arange(101.0)))
    assert s == Summary(
        n=101, mean=50.0, median=50.0, p05=5.0, p95=95.0, minimum=0.0, maximum=100.0, std=std
    )


def test_summary_window_is_inclusive_and_nan_safe() -> None:
    t = np.arange(10, dtype=float)
    v = np.array([1.0, math.nan, 3.0, math.inf, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    s = summarize(t, v, start=2.0, end=5.0)
    assert s is not None
    assert s.n == 3  # 3.0, 5.0, 6.0
    assert (s.minimum, s.maximum, s.median) == (3.0, 6.0, 5.0)


def test_summary_of_nothing_is_none() -> None:
    assert summarize(np.array([]), np.array([])) is None
    assert summarize(np.arange(3.0), np.full(3, math.nan)) is None
    assert summarize(np.arange(3.0), np.arange(3.0), start=10.0) is None


def test_summary_order_free() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(500, dtype=float)
    v = rng.normal(size=500)
    order = rng.permutation(500)
    assert summarize(t, v, 100.0, 300.0) == summarize(t[order], v[order], 100.0, 300.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=200))
def test_summary_invariants(values: list[float]) -> None:
    s = summarize(np.arange(len(values), dtype=float), np.array(values))
    assert s is not None
    assert s.n == len(values)
    assert s.minimum <= s.p05 <= s.median <= s.p95 <= s.maximum
    assert s.minimum <= s.mean <= s.maximum or math.isclose(s.mean, s.minimum)
    assert s.std >= 0.0


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (85.0, "85"),
        (36.14, "36.1"),
        (0.41, "0.41"),
        (0.4, "0.4"),
        (2.345, "2.35"),
        (123.4, "123"),
        (1_912_345.0, "1,912,000"),
        (28_912.0, "28,910"),
        (-4.84, "-4.84"),
        (0.0, "0"),
        (math.nan, "n/a"),
    ],
)
def test_numbers_are_rounded_sensibly(x: float, text: str) -> None:
    assert fmt_number(x) == text


def test_units_rates_durations_and_dates() -> None:
    assert with_unit(85.0, "°C") == "85 °C"
    assert with_unit(97.0, "%") == "97%"
    assert with_unit(2.5, "") == "2.5"
    assert per_day(0.4, "°C") == "0.4 °C/day"
    assert per_day(12.0, "trips/h") == "12 trips/h per day"
    assert per_day(0.03, "") == "0.03 per day"
    assert in_days(0.4) == "within a day"
    assert in_days(1.2) == "in about 1 day"
    assert in_days(8.6) == "in about 9 days"
    assert fmt_date(1_700_000_000.0) == "14 Nov"  # 2023-11-14 22:13 UTC
    assert fmt_date(1_700_000_000.0, now=1_700_000_000.0 + 60 * 86_400) == "14 Nov 2023"
