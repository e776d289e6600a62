# SPDX-License-Identifier: Apache-2.0
"""Human, checkable wording: rounded numbers with units, durations and UTC dates."""

from __future__ import annotations

import math
from datetime import UTC, datetime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_number(x: float) -> str:
    """About three significant digits; thousands separators from 1,000 on (4 digits kept)."""
    if not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1000.0:
        digits = math.floor(math.log10(ax)) + 1
        return f"{round(x, 4 - digits):,.0f}"
    if ax >= 100.0:
        decimals = 0
    elif ax >= 10.0:
        decimals = 1
    elif ax >= 1.0:
        decimals = 2
    elif ax > 0.0:
        decimals = 1 - math.floor(math.log10(ax))  # two significant digits
    else:
        decimals = 0
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(x: float, unit: str) -> str:
    number = fmt_number(x)
    if not unit:
        return number
    return f"{number}%" if unit == "%" else f"{number} {unit}"


def per_day(x: float, unit: str) -> str:
    """A rate such as '0.4 °C/day' or '12 trips/h per day'."""
    if not unit or "/" in unit:
        return f"{with_unit(x, unit)} per day"
    return f"{with_unit(x, unit)}/day"


def fmt_confidence(c: float) -> str:
    text = f"{c:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def whole_days(days: float) -> int:
    return math.floor(days + 0.5)


def in_days(days: float) -> str:
    """'within a day' or 'in about N days'."""
    if days < 1.0:
        return "within a day"
    n = whole_days(days)
    return f"in about {n} day" if n == 1 else f"in about {n} days"


def in_days_short(days: float) -> str:
    """'within a day' or 'in ~N days' (board headlines)."""
    if days < 1.0:
        return "within a day"
    n = whole_days(days)
    return f"in ~{n} day" if n == 1 else f"in ~{n} days"


def fmt_date(ts: float, now: float | None = None) -> str:
    """UTC day such as '14 Nov'; the year is added when it differs from ``now``'s."""
    d = datetime.fromtimestamp(ts, tz=UTC)
    text = f"{d.day} {_MONTHS[d.month - 1]}"
    if now is not None and datetime.fromtimestamp(now, tz=UTC).year != d.year:
        text += f" {d.year}"
    return text


def fmt_span(days: float) -> str:
    """'the last 2 days', 'the last 18 hours'."""
    if days >= 1.0:
        n = whole_days(days)
        return "the last day" if n == 1 else f"the last {n} days"
    hours = max(1, math.floor(days * 24.0 + 0.5))
    return "the last hour" if hours == 1 else f"the last {hours} hours"
