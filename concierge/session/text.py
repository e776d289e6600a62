# SPDX-License-Identifier: Apache-2.0
"""Numbers and durations as people read them (shared by the UI and the report)."""

from __future__ import annotations


def fmt_value(value: float | None, unit: str = "") -> str:
    """``12.5 s``; up to three significant decimals, no trailing zeros; ``—`` for None."""
    if value is None:
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}" if abs(value) >= 1 else f"{value:.3f}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def fmt_pct(pct: float | None) -> str:
    return "—" if pct is None else f"{pct:+.1f} %"


def fmt_days(days: float | None, horizon: float) -> str:
    """Time to impact: ``now``, ``in 12 days`` or ``not within 60 days``."""
    if days is None:
        return f"not within {horizon:.0f} days"
    if days < 1.0:
        return "now"
    return "in 1 day" if round(days) == 1 else f"in {days:.0f} days"


KIND_LABELS = {"elevator": "Elevator", "cable_gateway": "Cable gateway", "heat_pump": "Heat pump"}


def asset_label(kind: str, model: str, serial: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)} {model} ({serial})"
