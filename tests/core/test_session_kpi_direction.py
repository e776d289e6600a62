"""Before/after signs (#16.7): every KPI declares its better direction, the change keeps its
true sign, and usage KPIs get no verdict."""

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concierge.domain import AssetKind
from concierge.i18n import translator_for
from concierge.session.kpi import KPI_DEFS, UNCHANGED_PCT, change_pct, compare, judge, kpi_def
from concierge.session.model import KpiBaseline, Measurement, SessionDoc
from concierge.session.text import fmt_change

ALL_DEFS = [d for defs in KPI_DEFS.values() for d in defs]
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
AT = datetime(2026, 6, 1, tzinfo=UTC)


def test_every_kpi_declares_a_direction_and_usage_is_not_judged() -> None:
    assert {d.direction for d in ALL_DEFS} <= {"higher", "lower", "band", "none"}
    assert kpi_def("elevator", "trips_per_day").direction == "none"
    assert kpi_def("elevator", "door_cycle_time").direction == "lower"
    assert kpi_def("elevator", "availability").direction == "higher"
    assert kpi_def("heat_pump", "supply_temp").direction == "band"


@given(st.sampled_from(ALL_DEFS), values, values)
def test_change_keeps_its_sign_and_the_verdict_follows_the_direction(d, before, after) -> None:
    pct = change_pct(before, after)
    if before != 0.0:
        assert (pct is not None and math.copysign(1, pct) == math.copysign(1, after - before)) or (
            pct == 0.0)
    verdict = judge(d, before, after)
    if d.direction == "none":
        assert verdict == "no verdict"
        return
    if d.direction in ("higher", "lower"):
        gain = (after - before) if d.direction == "higher" else (before - after)
        if abs(gain) > abs(before) * UNCHANGED_PCT / 100.0 and gain != 0.0:
            assert verdict == ("improved" if gain > 0 else "worse")
        else:
            assert verdict == "unchanged"
    else:
        low, high = d.normal
        if low <= before <= high and low <= after <= high:
            assert verdict == "unchanged"
    # Symmetry: going back undoes an improvement.
    if verdict == "improved":
        assert judge(d, after, before) in ("worse", "unchanged")


def test_falling_trips_per_day_is_not_shown_as_an_improvement() -> None:
    doc = SessionDoc(
        baseline=[KpiBaseline(asset_id="e1", kpi="trips_per_day", value=654.0, n=10),
                  KpiBaseline(asset_id="e1", kpi="door_cycle_time", value=6.0, n=10)],
        after=[Measurement(asset_id="e1", kpi="trips_per_day", value=640.0, at=AT),
               Measurement(asset_id="e1", kpi="door_cycle_time", value=4.5, at=AT)],
    )
    rows = {c.kpi.key: c for c in compare(doc, {"e1": AssetKind.ELEVATOR})}
    t = translator_for("en")
    trips, door = rows["trips_per_day"], rows["door_cycle_time"]
    assert trips.change_pct == pytest.approx(-2.14, abs=0.01)
    assert trips.verdict == "no verdict"
    assert fmt_change(trips.change_pct, trips.verdict, t=t) == "-2.1%"
    assert fmt_change(door.change_pct, door.verdict, t=t) == "-25.0% · improved"
    assert "verbessert" in fmt_change(door.change_pct, door.verdict, t=translator_for("de"))


def test_band_kpi_improves_towards_its_range() -> None:
    d = kpi_def("heat_pump", "supply_temp")
    low, high = d.normal
    assert judge(d, high + 8, high + 2) == "improved"
    assert judge(d, low - 1, low - 6) == "worse"
    assert judge(d, high + 5, low - 5) == "unchanged"  # as far out, the other side
