# SPDX-License-Identifier: Apache-2.0
"""The KPIs of each asset kind: baseline from cached telemetry, and before/after maths."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy.typing as npt

from concierge.domain import AssetKind, BadDirection, MetricSpec, StepType, metric_spec
from concierge.i18n import N_
from concierge.insights import robust_trend, summarize
from concierge.insights.series import as_series, bin_index, group_medians
from concierge.session.model import KpiBaseline, SessionDoc

DAY = 86_400.0
BASELINE_DAYS = 14.0
BUCKET = 900.0  # the cache's coarse resolution; finer recent detail is binned to it

TelemetryFn = Callable[[str, str, float, float], tuple[npt.ArrayLike, npt.ArrayLike]]
"""(asset_id, metric, start, end) -> (t epoch seconds, values) from the local cache."""


Better = Literal["higher", "lower", "band", "none"]
"""Which way a KPI gets better: up, down, towards its target band, or not at all (a usage
figure such as trips per day, which says how much the asset is used, not how well)."""


@dataclass(frozen=True)
class KpiDef:
    """A KPI read from one metric; ``scale`` converts the metric's unit to the KPI's.

    ``better`` declares the better direction; None takes it from the metric's bad
    direction. A ``band`` KPI is better the closer it is to its normal range."""

    key: str
    kind: AssetKind
    metric: str
    label: str
    unit: str
    scale: float = 1.0
    stat: Literal["median", "mean"] = "median"
    better: Better | None = None

    @property
    def direction(self) -> Better:
        if self.better is not None:
            return self.better
        return "lower" if self.bad_direction is BadDirection.UP else "higher"

    @property
    def spec(self) -> MetricSpec:
        return metric_spec(self.kind, self.metric)

    @property
    def bad_direction(self) -> BadDirection:
        return self.spec.bad_direction

    @property
    def normal(self) -> tuple[float, float]:
        s = self.spec
        return s.normal_low * self.scale, s.normal_high * self.scale

    @property
    def warning(self) -> float:
        return self.spec.warning * self.scale


_E, _G, _H = AssetKind.ELEVATOR, AssetKind.CABLE_GATEWAY, AssetKind.HEAT_PUMP
KPI_DEFS: dict[AssetKind, tuple[KpiDef, ...]] = {
    _E: (
        KpiDef("door_cycle_time", _E, "door_cycle_time", N_("Door cycle time"), "s"),
        KpiDef("motor_temp", _E, "motor_temp", N_("Motor temperature"), "°C"),
        KpiDef("vibration", _E, "vibration", N_("Vibration"), "mm/s"),
        KpiDef("trips_per_day", _E, "trips_per_hour", N_("Trips per day"), "trips/day", 24.0,
               "mean", better="none"),
        KpiDef("availability", _E, "availability", N_("Availability"), "%", stat="mean"),
    ),
    _G: (
        KpiDef("snr", _G, "snr", N_("Downstream SNR"), "dB"),
        KpiDef("uncorrectable_codewords", _G, "uncorrectable_codewords",
               N_("Uncorrectable codewords"), "cw/h", stat="mean"),
        KpiDef("latency", _G, "latency", N_("Latency"), "ms"),
        KpiDef("throughput", _G, "throughput", N_("Throughput"), "Mbit/s", better="none"),
    ),
    _H: (
        KpiDef("cop", _H, "cop", N_("COP"), ""),
        KpiDef("supply_temp", _H, "supply_temp", N_("Supply temperature"), "°C", better="band"),
        KpiDef("defrost_cycles", _H, "defrost_cycles", N_("Defrost cycles"), "cycles/day",
               stat="mean"),
    ),
}


def kpi_defs(kind: AssetKind | str) -> tuple[KpiDef, ...]:
    return KPI_DEFS[AssetKind(kind)]


def kpi_def(kind: AssetKind | str, key: str) -> KpiDef:
    """The KPI ``key``; any other metric of the kind (e.g. a counter that triggered the
    visit) is read as a KPI of its own, in its own unit."""
    for d in kpi_defs(kind):
        if d.key == key:
            return d
    try:
        return metric_kpi(kind, key)
    except KeyError:
        raise KeyError(f"unknown KPI {key!r} for asset kind {kind!s}") from None


def metric_kpi(kind: AssetKind | str, metric: str) -> KpiDef:
    """The KPI that reads ``metric``: a defined one, else the metric itself (a counter gets
    no verdict: its reading falls when it is reset)."""
    found = kpi_for_metric(kind, metric)
    if found is not None:
        return found
    spec = metric_spec(kind, metric)
    return KpiDef(metric, AssetKind(kind), metric, spec.label, spec.unit,
                  better="none" if spec.counter else None)


def kpi_for_metric(kind: AssetKind | str, metric: str) -> KpiDef | None:
    return next((d for d in kpi_defs(kind) if d.metric == metric), None)


def baseline(
    asset_id: str,
    kind: AssetKind | str,
    telemetry: TelemetryFn,
    now: float,
    *,
    days: float = BASELINE_DAYS,
    extra_metrics: Sequence[str] = (),
) -> list[KpiBaseline]:
    """Each KPI of the asset over the ``days`` before ``now`` (value None without data),
    then a KPI for each of ``extra_metrics`` that no KPI reads (what triggered the visit)."""
    start = now - days * DAY
    out = []
    defs = list(kpi_defs(kind))
    defs += [metric_kpi(kind, m) for m in dict.fromkeys(extra_metrics)
             if all(d.metric != m for d in defs)]
    for d in defs:
        t, v = telemetry(asset_id, d.metric, start, now)
        out.append(window_kpi(d, asset_id, t, v, start=start, end=now))
    return out


def window_kpi(
    d: KpiDef, asset_id: str, t: npt.ArrayLike, v: npt.ArrayLike, *, start: float, end: float
) -> KpiBaseline:
    """The KPI ``d`` over ``start..end`` of one series, with its trend when there is one.

    The series is first binned to even 15-minute steps, so a detailed last day does not
    outweigh the coarser days before it."""
    t, v = _even(t, v)
    s = summarize(t, v, start, end)
    row = KpiBaseline(asset_id=asset_id, kpi=d.key, window_start=start, window_end=end)
    if s is None:
        return row
    trend = robust_trend(t, v)
    row.value = (s.median if d.stat == "median" else s.mean) * d.scale
    row.n = s.n
    row.p05, row.p95 = s.p05 * d.scale, s.p95 * d.scale
    row.slope_per_day = None if trend is None else trend.slope_per_day * d.scale
    return row


def _even(t: npt.ArrayLike, v: npt.ArrayLike) -> tuple[npt.ArrayLike, npt.ArrayLike]:
    ts, vs = as_series(t, v)
    keys, medians, _ = group_medians(bin_index(ts, BUCKET), vs)
    return keys * BUCKET, medians


def improvement_pct(before: float, after: float, bad: BadDirection) -> float | None:
    """How much better ``after`` is than ``before`` in % of ``before`` (negative: worse)."""
    if before == 0.0:
        return None
    change = (after - before) / abs(before) * 100.0
    return -change if bad is BadDirection.UP else change


def change_pct(before: float, after: float) -> float | None:
    """The honest change from ``before`` to ``after`` in % of ``before``: negative when the
    value fell, whether or not that is good; None from zero."""
    if before == 0.0:
        return None
    return (after - before) / abs(before) * 100.0


Verdict = Literal["improved", "worse", "unchanged", "no verdict", "not measured"]
UNCHANGED_PCT = 1.0  # changes smaller than this (of the before value) are unchanged


def _gain(d: KpiDef, before: float, after: float) -> float:
    """How far ``after`` moved the good way from ``before`` (negative: the bad way)."""
    if d.direction == "higher":
        return after - before
    if d.direction == "lower":
        return before - after
    low, high = d.normal
    return _distance(before, low, high) - _distance(after, low, high)


def _distance(value: float, low: float, high: float) -> float:
    return low - value if value < low else (value - high if value > high else 0.0)


def judge(d: KpiDef, before: float, after: float) -> Verdict:
    """Improved, worse or unchanged by the KPI's declared direction; a usage KPI gets no
    verdict. Moves smaller than ``UNCHANGED_PCT`` of the before value count as unchanged."""
    if d.direction == "none":
        return "no verdict"
    gain = _gain(d, before, after)
    tolerance = abs(before) * UNCHANGED_PCT / 100.0
    if gain == 0.0 or abs(gain) < tolerance:
        return "unchanged"
    return "improved" if gain > 0 else "worse"


@dataclass(frozen=True)
class Comparison:
    """One KPI of one asset before and after the session; ``change_pct`` is the honest
    signed change, ``verdict`` says whether that is good."""

    asset_id: str
    kpi: KpiDef
    before: float | None
    before_source: Literal["telemetry", "spot", "none"]
    after: float | None
    change_pct: float | None
    verdict: Verdict
    after_source: Literal["after", "checklist", "none"] = "none"


def compare(doc: SessionDoc, kinds: Mapping[str, AssetKind]) -> list[Comparison]:
    """Before (latest spot measurement, else the telemetry baseline) against the latest
    after-measurement, for every KPI in the baseline; ``kinds`` maps asset id to kind."""
    rows = []
    for b in doc.baseline:
        if b.asset_id not in kinds:
            continue
        d = kpi_def(kinds[b.asset_id], b.kpi)
        spot = doc.latest("spot", b.asset_id, b.kpi)
        before = spot.value if spot else b.value
        source: Literal["telemetry", "spot", "none"] = (
            "spot" if spot else ("telemetry" if b.value is not None else "none")
        )
        after, after_source = latest_after(doc, b.asset_id, d)
        row = _comparison(b.asset_id, d, before, source, after)
        rows.append(replace(row, after_source=after_source if after is not None else "none"))
    return rows


def checklist_value(doc: SessionDoc, asset_id: str, d: KpiDef) -> tuple[float, float] | None:
    """The latest value of KPI ``d`` measured in a checklist step of the asset (in the KPI's
    unit) with the epoch seconds it was taken; None when no step measured it."""
    spec = d.spec
    found: tuple[float, float] | None = None
    for item in doc.checklist:
        if item.asset_id != asset_id or item.metric != d.metric or (
                item.type is not StepType.MEASUREMENT):
            continue
        r = doc.result(item.id)
        if r.status != "done" or not isinstance(r.value, int | float) or isinstance(
                r.value, bool):
            continue
        unit = item.unit or ""
        if unit == d.unit:
            value = float(r.value)
        elif unit == spec.unit:
            value = float(r.value) * d.scale
        else:
            continue
        at = r.at.timestamp() if r.at else 0.0
        if found is None or at >= found[1]:
            found = (value, at)
    return found


def latest_after(doc: SessionDoc, asset_id: str, d: KpiDef
                 ) -> tuple[float | None, Literal["after", "checklist", "none"]]:
    """The after value of a KPI: the later of the after-measurement and the checklist's."""
    after = doc.latest("after", asset_id, d.key)
    carried = checklist_value(doc, asset_id, d)
    if carried is not None and (after is None or carried[1] > after.at.timestamp()):
        return carried[0], "checklist"
    return (after.value, "after") if after else (None, "none")


def _comparison(
    asset_id: str,
    d: KpiDef,
    before: float | None,
    source: Literal["telemetry", "spot", "none"],
    after: float | None,
) -> Comparison:
    if before is None or after is None:
        return Comparison(asset_id, d, before, source, after, None, "not measured")
    return Comparison(asset_id, d, before, source, after, change_pct(before, after),
                      judge(d, before, after))
