"""#16.8 in the core: checklist values are after-values; the visit's trigger has a KPI row."""

from pathlib import Path

from concierge.session.engine import SessionEngine
from tests.core.session_factories import NOW_DT, counter_insight, seeded_store, trend_insight


def test_checklist_measurement_is_the_after_value_until_remeasured(tmp_path: Path) -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    store = seeded_store(tmp_path, insights=[ins, counter_insight("i2", "e1", "door_cycles")])
    clock = [NOW_DT]
    e = SessionEngine(store, "visit-1", clock=lambda: clock[0])
    assert e.kpi_keys("e1")[-1] == "door_cycles"  # the trigger, after the kind's KPIs
    e.set_measurement("e1/door-adjust", "4.5")
    rows = {c.kpi.key: c for c in e.comparisons()}
    door = rows["door_cycle_time"]
    assert (door.before, door.after, door.after_source, door.verdict) == (
        5.0, 4.5, "checklist", "improved")
    assert rows["door_cycles"].verdict in ("not measured", "no verdict")
    assert [o.after for o in e.outcomes() if o.insight.id == "i1"] == [4.5]
    clock[0] = NOW_DT.replace(minute=NOW_DT.minute + 1)
    e.add_after("e1", "door_cycle_time", "4.2")
    door = {c.kpi.key: c for c in e.comparisons()}["door_cycle_time"]
    assert (door.after, door.after_source) == (4.2, "after")
    assert e.carried_after("e1", "door_cycle_time") == 4.5
    store.close()


def test_an_older_session_gains_the_trigger_row_on_load(tmp_path: Path) -> None:
    store = seeded_store(tmp_path, insights=[counter_insight("i2", "e1", "door_cycles")])
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    record = e.record()
    record["data"]["baseline"] = [b for b in record["data"]["baseline"]
                                  if b["kpi"] != "door_cycles"]
    store.save_session(record)
    again = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    assert "door_cycles" in again.kpi_keys("e1")
    store.close()
