from datetime import UTC, datetime

import pytest

from concierge.domain import AssetKind, StepType
from concierge.i18n import translator_for
from concierge.session.impact import insight_outcomes
from concierge.session.model import ChecklistItem, Measurement, SessionDoc, StepResult
from tests.core.session_factories import NOW, counter_insight, trend_insight

AT = datetime.fromtimestamp(NOW, UTC)
KINDS = {"e1": AssetKind.ELEVATOR}


EN = translator_for("en").render  # the source text, to compare with


def _after(value: float, kpi: str = "door_cycle_time") -> SessionDoc:
    return SessionDoc(after=[Measurement(asset_id="e1", kpi=kpi, value=value, at=AT)])


def test_time_to_impact_before_and_after_and_status() -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    cases = {4.0: ("mitigated", 20.0), 5.8: ("open", 2.0), 6.5: ("open", 0.0)}
    for after, (status, days_after) in cases.items():
        [out] = insight_outcomes([ins], _after(after), KINDS, NOW)
        assert out.days_before == pytest.approx(5.0)
        assert (out.status, out.after) == (status, after)
        assert out.days_after == pytest.approx(days_after)


def test_resolved_when_no_crossing_within_the_horizon() -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.04, threshold=6.0)
    [out] = insight_outcomes([ins], _after(3.5), KINDS, NOW)  # 62.5 days to go
    assert out.status == "resolved" and out.days_after is None
    assert out.days_before == pytest.approx(12.5)


def test_spot_measurement_is_the_before_level_and_not_measured_stays_open() -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    doc = SessionDoc(spot=[Measurement(asset_id="e1", kpi="door_cycle_time", value=5.0, at=AT)])
    [out] = insight_outcomes([ins], doc, KINDS, NOW)
    assert (out.status, out.before, out.after, out.days_after) == ("open", 5.0, None, None)
    assert out.days_before == pytest.approx(10.0)
    assert EN(out.reason) == "Not re-measured yet"


def test_trips_kpi_scale_is_undone_for_the_metric() -> None:
    ins = trend_insight("i1", "e1", "trips_per_hour", level=80.0, slope=1.0, threshold=90.0)
    [out] = insight_outcomes([ins], _after(24 * 70.0, "trips_per_day"), KINDS, NOW)
    assert out.after == pytest.approx(70.0) and out.days_after == pytest.approx(20.0)


def test_counter_insight_resolved_by_its_service_step() -> None:
    ins = counter_insight("i4", "e1", "door_cycles")
    item = ChecklistItem(
        id="e1/insight-i4", asset_id="e1", key="insight-i4", title="Service",
        type=StepType.CHECK, insight_ids=["i4"],
    )
    doc = SessionDoc(checklist=[item])
    [out] = insight_outcomes([ins], doc, KINDS, NOW)
    assert (out.status, out.days_before, out.days_after) == ("open", 20.0, 20.0)
    doc.results[item.id] = StepResult(status="done", value=True)
    [out] = insight_outcomes([ins], doc, KINDS, NOW)
    assert (out.status, out.days_after) == ("resolved", None)


def test_insights_of_other_assets_are_left_out() -> None:
    ins = trend_insight("i1", "x9", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    assert insight_outcomes([ins], SessionDoc(), KINDS, NOW) == []
