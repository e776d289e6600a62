# SPDX-License-Identifier: Apache-2.0
"""Domain vocabulary shared by the back office, the laptop core and the UI.

Plain enums and the metric catalogue: which metrics each asset kind reports,
their units, normal ranges, thresholds and which direction is bad.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from concierge.i18n import N_


class AssetKind(StrEnum):
    ELEVATOR = "elevator"
    CABLE_GATEWAY = "cable_gateway"
    HEAT_PUMP = "heat_pump"


class BadDirection(StrEnum):
    """Which way a metric moves when things get worse."""

    UP = "up"
    DOWN = "down"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class InsightKind(StrEnum):
    TREND = "trend"  # robust trend forecast to cross a threshold
    DEVIATION = "deviation"  # level shift, spikes or noise growth vs own baseline
    COUNTER = "counter"  # usage counter nearing its service limit
    ANOMALY = "anomaly"  # unusual behaviour: the streaming detector's alarm


# What a client that does not know a kind is sent instead (it declares the kinds it
# knows in the ``X-Insight-Kinds`` header of a pull; one that does not knows these).
LEGACY_INSIGHT_KINDS = frozenset({"trend", "deviation", "counter"})
INSIGHT_KIND_FALLBACK = {InsightKind.ANOMALY.value: InsightKind.DEVIATION.value}


class VisitStatus(StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepType(StrEnum):
    CHECK = "check"
    MEASUREMENT = "measurement"
    CHOICE = "choice"
    PHOTO = "photo"
    NOTE = "note"


# The customer wish tags a technician can record; checklist steps match them via ``when_tags``.
# ("cost" is shown as "Energy cost".)
WISH_TAGS: tuple[str, ...] = ("comfort", "noise", "cost", "reliability", "speed")


@dataclass(frozen=True)
class MetricSpec:
    """One metric of an asset kind.

    ``warning``/``critical`` are thresholds on the bad side; for a metric whose
    bad direction is DOWN they are below the normal range.  A counter metric is
    cumulative (it only grows) and has a ``service_limit`` instead.
    """

    key: str
    label: str
    unit: str
    normal_low: float
    normal_high: float
    warning: float
    critical: float
    bad_direction: BadDirection
    counter: bool = False
    service_limit: float | None = None

    def is_worse(self, a: float, b: float) -> bool:
        """True if value ``a`` is worse than value ``b`` for this metric."""
        return a > b if self.bad_direction is BadDirection.UP else a < b

    def reached(self, value: float, threshold: float) -> bool:
        """True if ``value`` is at or beyond ``threshold`` on the bad side."""
        return value >= threshold if self.bad_direction is BadDirection.UP else value <= threshold

    def severity_of(self, value: float) -> Severity | None:
        """Threshold severity of one value, or None while it is short of warning."""
        if self.counter:
            return None
        if self.reached(value, self.critical):
            return Severity.CRITICAL
        if self.reached(value, self.warning):
            return Severity.WARNING
        return None


_UP, _DOWN = BadDirection.UP, BadDirection.DOWN

METRIC_CATALOGUE: dict[AssetKind, tuple[MetricSpec, ...]] = {
    AssetKind.ELEVATOR: (
        MetricSpec("door_cycle_time", N_("Door cycle time"), "s", 3.0, 5.0, 6.0, 8.0, _UP),
        MetricSpec("motor_temp", N_("Motor temperature"), "°C", 30.0, 65.0, 75.0, 85.0, _UP),
        MetricSpec("vibration", N_("Vibration"), "mm/s", 0.5, 2.5, 4.0, 6.0, _UP),
        MetricSpec("trips_per_hour", N_("Trips"), "trips/h", 5.0, 60.0, 90.0, 120.0, _UP),
        MetricSpec("availability", N_("Availability"), "%", 99.0, 100.0, 97.0, 95.0, _DOWN),
        MetricSpec(
            "door_cycles", N_("Door cycles"), "cycles", 0.0, 0.0, 0.0, 0.0, _UP,
            counter=True, service_limit=2_000_000.0,
        ),
    ),
    AssetKind.CABLE_GATEWAY: (
        MetricSpec("snr", N_("Downstream SNR"), "dB", 33.0, 40.0, 30.0, 27.0, _DOWN),
        MetricSpec(
            "uncorrectable_codewords", N_("Uncorrectable codewords"), "cw/h",
            0.0, 10.0, 100.0, 1000.0, _UP,
        ),
        MetricSpec("latency", N_("Latency"), "ms", 5.0, 25.0, 50.0, 100.0, _UP),
        MetricSpec("throughput", N_("Throughput"), "Mbit/s", 300.0, 1000.0, 200.0, 100.0, _DOWN),
    ),
    AssetKind.HEAT_PUMP: (
        MetricSpec("cop", N_("Coefficient of performance"), "", 3.0, 4.5, 2.5, 2.0, _DOWN),
        MetricSpec("supply_temp", N_("Supply temperature"), "°C", 35.0, 45.0, 52.0, 58.0, _UP),
        MetricSpec("defrost_cycles", N_("Defrost cycles"), "cycles/day", 0.0, 6.0, 10.0, 16.0, _UP),
        MetricSpec(
            "compressor_hours", N_("Compressor hours"), "h", 0.0, 0.0, 0.0, 0.0, _UP,
            counter=True, service_limit=30_000.0,
        ),
    ),
}


def metric_spec(kind: AssetKind | str, key: str) -> MetricSpec:
    """The spec of ``key`` for ``kind``; KeyError with a clear message if unknown."""
    for spec in METRIC_CATALOGUE[AssetKind(kind)]:
        if spec.key == key:
            return spec
    raise KeyError(f"unknown metric {key!r} for asset kind {kind!s}")


def all_metric_keys() -> frozenset[str]:
    return frozenset(s.key for specs in METRIC_CATALOGUE.values() for s in specs)
