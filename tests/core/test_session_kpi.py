from datetime import UTC, datetime

import numpy as np
import pytest

from concierge.domain import AssetKind, BadDirection
from concierge.session.kpi import KPI_DEFS, baseline, compare, improvement_pct, kpi_def
from concierge.session.model import KpiBaseline, Measurement, SessionDoc
from tests.core.session_factories import DAY, NOW, series

AT = datetime.fromtimestamp(NOW, UTC)


def test_every_kind_has_the_kpis_of_the_issue() -> None:
    assert [d.key for d in KPI_DEFS[AssetKind.ELEVATOR]] == [
        "door_cycle_time", "motor_temp", "vibration", "trips_per_day", "availability"
    ]
    assert [d.key for d in KPI_DEFS[AssetKind.CABLE_GATEWAY]] == [
        "snr", "uncorrectable_codewords", "latency", "throughput"
    ]
    assert [d.key for d in KPI_DEFS[AssetKind.HEAT_PUMP]] == [
        "cop", "supply_temp", "defrost_cycles"
    ]


def test_baseline_from_telemetry_window() -> None:
    data = {
        "door_cycle_time": series(5.0, slope_per_day=0.1, days=20),
        "trips_per_hour": series(10.0),
        "availability": series(99.5),
    }
    calls = []

    def telemetry(
        asset_id: str, metric: str, start: float, end: float
    ) -> tuple[np.ndarray, np.ndarray]:
        calls.append((asset_id, metric, start, end))
        return data.get(metric, (np.array([]), np.array([])))

    rows = {b.kpi: b for b in baseline("e1", AssetKind.ELEVATOR, telemetry, NOW)}
    assert calls[0] == ("e1", "door_cycle_time", NOW - 14 * DAY, NOW)
    door = rows["door_cycle_time"]
    # median of a line over the last 14 days: its value 7 days ago
    assert door.value == pytest.approx(5.0 - 0.7, abs=0.01)
    assert door.slope_per_day == pytest.approx(0.1, rel=0.01)
    assert door.n == 14 * 96  # binned to 15 minutes
    assert rows["trips_per_day"].value == pytest.approx(240.0)
    assert rows["availability"].value == pytest.approx(99.5)
    assert rows["motor_temp"].value is None and rows["motor_temp"].n == 0


def test_detailed_last_day_does_not_outweigh_the_coarse_days() -> None:
    coarse_t, coarse_v = series(4.0, days=14, step_s=900.0)
    detail_t, detail_v = series(7.0, days=1, step_s=10.0)
    keep = coarse_t < detail_t[0]
    t = np.concatenate((coarse_t[keep], detail_t))
    v = np.concatenate((coarse_v[keep], detail_v))
    [row] = [
        b for b in baseline("e1", AssetKind.ELEVATOR, lambda *_: (t, v), NOW)
        if b.kpi == "door_cycle_time"
    ]
    assert row.value == pytest.approx(4.0)  # 1 day of 7.0 among 14: the median stays 4


@pytest.mark.parametrize(
    ("before", "after", "bad", "pct"),
    [
        (6.0, 4.5, BadDirection.UP, 25.0),  # door cycle time down: better
        (4.5, 6.0, BadDirection.UP, -33.333),
        (30.0, 33.0, BadDirection.DOWN, 10.0),  # SNR up: better
        (-2.0, -1.0, BadDirection.DOWN, 50.0),
    ],
)
def test_improvement_respects_the_bad_direction(
    before: float, after: float, bad: BadDirection, pct: float
) -> None:
    assert improvement_pct(before, after, bad) == pytest.approx(pct, abs=1e-3)


def test_improvement_from_zero_is_undefined() -> None:
    assert improvement_pct(0.0, 3.0, BadDirection.UP) is None


def test_compare_prefers_spot_over_telemetry_and_gives_verdicts() -> None:
    doc = SessionDoc(
        baseline=[
            KpiBaseline(asset_id="e1", kpi="door_cycle_time", value=6.0, n=10),
            KpiBaseline(asset_id="e1", kpi="motor_temp", value=70.0, n=10),
            KpiBaseline(asset_id="e1", kpi="vibration", value=None),
            KpiBaseline(asset_id="e1", kpi="availability", value=99.0, n=10),
        ],
        spot=[Measurement(asset_id="e1", kpi="motor_temp", value=72.0, at=AT)],
        after=[
            Measurement(asset_id="e1", kpi="door_cycle_time", value=5.0, at=AT),
            Measurement(asset_id="e1", kpi="door_cycle_time", value=4.5, at=AT),
            Measurement(asset_id="e1", kpi="motor_temp", value=72.5, at=AT),
            Measurement(asset_id="e1", kpi="availability", value=98.0, at=AT),
        ],
    )
    rows = {c.kpi.key: c for c in compare(doc, {"e1": AssetKind.ELEVATOR})}
    door = rows["door_cycle_time"]
    assert (door.before, door.after, door.before_source) == (6.0, 4.5, "telemetry")
    assert door.change_pct == pytest.approx(-25.0) and door.verdict == "improved"
    motor = rows["motor_temp"]
    assert (motor.before, motor.before_source, motor.verdict) == (72.0, "spot", "unchanged")
    assert rows["vibration"].verdict == "not measured"
    assert rows["availability"].verdict == "worse"
    assert kpi_def("elevator", "trips_per_day").warning == 90 * 24
