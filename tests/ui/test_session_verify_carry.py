"""#16.8 Verify: a KPI measured in the checklist carries over into Verify (editable), and the
metric that triggered the visit (here a counter no KPI reads) is in the KPI table."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from concierge.session.state import Step
from concierge.store import Store
from tests.core.session_factories import counter_insight, seeded_store, trend_insight
from tests.ui.test_session_window import open_window, settle
from ui.context import AppContext

pytestmark = pytest.mark.qt


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    drift = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    s = seeded_store(tmp_path, insights=[drift, counter_insight("i2", "e1", "door_cycles")])
    yield s
    s.close()


@pytest.fixture
def ctx(bare_context: AppContext, store: Store) -> AppContext:
    bare_context.store = store
    return bare_context


def rows(w) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    t = w.verify.table
    return {t.item(r, 1).text(): [t.item(r, c).text() for c in range(t.columnCount())]
            for r in range(t.rowCount())}


def test_checklist_value_carries_over_and_the_trigger_is_in_the_table(
        qtbot: QtBot, ctx: AppContext) -> None:
    w = open_window(qtbot, ctx)
    w.go(Step.VERIFY)
    assert "Door cycles" in rows(w)  # the counter that triggered the visit
    assert rows(w)["Door cycle time"][3] == "—"

    w.go(Step.BASELINE)  # the window's clock is today's: no telemetry, so a spot value
    w.baseline.entry.select("e1", "door_cycle_time")
    qtbot.keyClicks(w.baseline.entry.value, "5")
    w.baseline.entry.add.click()
    w.go(Step.OPTIMISE)
    door = w.optimise.cards["e1/door-adjust"]
    qtbot.keyClicks(door.value, "4,5")
    door.record.click()
    settle(qtbot, w)

    w.go(Step.VERIFY)
    assert rows(w)["Door cycle time"][2:] == ["5 s (spot)", "4.5 s", "-10.0% · improved"]
    entry = w.verify.entry
    entry.select("e1", "door_cycle_time")
    assert entry.value.text() == "4.5"  # offered, editable
    qtbot.keyClicks(entry.value, "4.2")  # typing replaces the offer
    entry.add.click()
    settle(qtbot, w)
    assert rows(w)["Door cycle time"][3] == "4.2 s"
    assert w.engine.doc.after[-1].value == 4.2
