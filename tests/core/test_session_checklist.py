from concierge.domain import AssetKind, StepType
from concierge.session.checklist import generate
from concierge.session.model import ChecklistItem
from tests.core.session_factories import (
    asset,
    counter_insight,
    elevator_template,
    trend_insight,
)

TEMPLATES = {AssetKind.ELEVATOR: elevator_template()}


def keys(items: list[ChecklistItem]) -> list[str]:
    return [i.id for i in items]


def test_template_only_unconditional_steps_between_core_steps() -> None:
    items = generate([asset("e1")], TEMPLATES, [], [])
    assert keys(items) == [
        "session/core-safety", "e1/inspect", "e1/photo", "e1/note", "session/core-handover"
    ]
    assert all(i.required for i in items if i.key.startswith("core"))
    assert items[1].reasons == ["Standard step for this equipment"]


def test_open_insight_adds_its_metric_step_and_wishes_add_tagged_steps() -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    items = generate([asset("e1")], TEMPLATES, [ins], ["noise", "comfort"])
    by_id = {i.id: i for i in items}
    assert "e1/door-adjust" in by_id and "e1/quiet-doors" in by_id
    assert "e1/motor-check" not in by_id
    assert by_id["e1/door-adjust"].insight_ids == ["i1"]
    assert by_id["e1/door-adjust"].reasons == ["Insight: door_cycle_time drifting"]
    assert by_id["e1/quiet-doors"].reasons == ["Customer wish: Noise"]
    assert by_id["e1/door-adjust"].type is StepType.MEASUREMENT
    assert (by_id["e1/door-adjust"].target_low, by_id["e1/door-adjust"].target_high) == (3, 5)


def test_resolved_insights_and_other_assets_do_not_count() -> None:
    resolved = trend_insight(
        "i1", "e1", "motor_temp", level=70, slope=1, threshold=75, status="resolved"
    )
    elsewhere = trend_insight("i2", "e2", "motor_temp", level=70, slope=1, threshold=75)
    items = generate([asset("e1")], TEMPLATES, [resolved, elsewhere], [])
    assert "e1/motor-check" not in keys(items)


def test_uncovered_insight_gets_its_own_step() -> None:
    vib = trend_insight("i3", "e1", "vibration", level=3.5, slope=0.05, threshold=4.0)
    counter = counter_insight("i4", "e1", "door_cycles")
    items = generate([asset("e1")], TEMPLATES, [vib, counter], [])
    by_id = {i.id: i for i in items}
    m = by_id["e1/insight-i3"]
    assert m.type is StepType.MEASUREMENT and m.unit == "mm/s"
    assert (m.target_low, m.target_high, m.metric) == (0.5, 2.5, "vibration")
    c = by_id["e1/insight-i4"]
    assert c.type is StepType.CHECK and c.insight_ids == ["i4"]
    assert keys(items)[-1] == "session/core-handover"


def test_kind_without_template_still_gets_core_and_insight_steps() -> None:
    gw = asset("g1", AssetKind.CABLE_GATEWAY)
    snr = trend_insight("i5", "g1", "snr", level=31.0, slope=-0.2, threshold=30.0)
    items = generate([gw], TEMPLATES, [snr], ["speed"])
    assert keys(items) == ["session/core-safety", "g1/insight-i5", "session/core-handover"]


def test_generation_is_stable_for_the_same_inputs() -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    a = generate([asset("e1"), asset("e2")], TEMPLATES, [ins], ["noise"])
    b = generate([asset("e1"), asset("e2")], TEMPLATES, [ins], ["noise"])
    assert a == b
    assert len(set(keys(a))) == len(a)
