"""The visit history shows whether an earlier session's improvements held, per KPI."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from concierge.protocol.schemas import Change, PullResponse, TelemetrySeries
from concierge.session.engine import SessionEngine
from concierge.store import Store
from tests.core.session_factories import NOW, NOW_DT, seeded_store, trend_insight, visit
from ui.format import SEVERITY_TONES
from ui.tasks import TaskManager
from ui.theme import palette_for, tone
from ui.visit.data import VisitBundle, load_bundle
from ui.visit.detail import VisitDetail

pytestmark = pytest.mark.qt

LATER = [NOW + 900.0 * k for k in range(1, 97)]  # the day after the session


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = history_store(tmp_path)
    yield s
    s.close()


def history_store(tmp_path: Path) -> Store:
    """visit-1 with a completed session and a day of telemetry since; visit-2 today."""
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    s = seeded_store(tmp_path, n_assets=2, insights=[ins])
    # an earlier session at the site, completed (offline: the visit itself not synced yet)
    e = SessionEngine(s, "visit-1", clock=lambda: NOW_DT)
    for item in e.doc.checklist:
        if item.required:
            e.skip(item.id, "Not needed")
    e.set_presence(False, [])
    e.add_after("e1", "door_cycle_time", "4.1")
    e.sign_off("Sam Tech")
    e.complete(b"%PDF-1.4 report")

    # a day of telemetry since: e1's doors stayed fast, e2's motor ran hotter
    def day(asset_id: str, metric: str, level: float) -> TelemetrySeries:
        return TelemetrySeries(
            asset_id=asset_id, metric=metric, start=NOW_DT, end=NOW_DT + timedelta(days=1),
            bucket_seconds=900, t=LATER, min=[level] * 96, mean=[level] * 96,
            max=[level] * 96, count=[1] * 96)
    s.replication.store_telemetry(
        900, asset_ids=["e1", "e2"], replace_from=LATER[0], keep_from=NOW - 14 * 86_400.0,
        until=LATER[-1], series=[day("e1", "door_cycle_time", 4.0),
                                 day("e2", "motor_temp", 80.0),
                                 day("e1", "motor_temp", 60.0)])
    # today's visit at the same site, as a sync brings it
    today = visit(["e1", "e2"], []).model_copy(update={
        "id": "visit-2", "window_start": NOW_DT + timedelta(days=20),
        "window_end": NOW_DT + timedelta(days=20)})
    s.replication.apply_page(PullResponse(changes=[Change.model_validate(
        {"entity": "visit", "id": "visit-2", "seq": 99, "version": 1,
         "data": today.model_dump(mode="json")})], cursor="c2", has_more=False),
        report_urgent=False)
    return s


def test_history_shows_per_kpi_outcome_computed_on_the_worker(
        qtbot: QtBot, tasks: TaskManager, store: Store) -> None:
    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-2", now=LATER[-1])).success(
            bundles.append).run()
        assert bundles == []  # not on the GUI thread
    [bundle] = bundles
    assert [v.id for v in bundle.history] == ["visit-1"]
    verdicts = {(o.asset_id, o.kpi.key): o.verdict for o in bundle.outcomes["visit-1"]}
    assert verdicts[("e1", "door_cycle_time")] == "held"
    assert verdicts[("e2", "motor_temp")] == "regressed"
    assert verdicts[("e1", "motor_temp")] == "unchanged"
    assert verdicts[("e2", "door_cycle_time")] == "no data yet"

    detail = VisitDetail(bundle)
    qtbot.addWidget(detail)
    detail.resize(1200, 900)
    detail.show()
    qtbot.waitExposed(detail)
    [row] = detail.findChildren(QLabel, "historyRow")
    assert "Completed" in row.text()  # from the completed session, before any sync
    outcome = detail.findChild(QLabel, "historyOutcome:visit-1")
    assert outcome is not None and outcome.isVisible()
    spoken = outcome.accessibleName()
    assert "Door cycle time, M1 (SN-e1): 5 s to 4 s, held" in spoken
    assert "Motor temperature, M1 (SN-e2): 60 °C to 80 °C, regressed" in spoken
    assert "Motor temperature, M1 (SN-e1): 60 °C to 60 °C, unchanged" in spoken
    assert "Door cycle time, M1 (SN-e2): 5 s to —, no data yet" in spoken
    text = outcome.text()
    assert "5 s → 4 s" in text and "60 °C → 80 °C" in text
    assert "No data yet: " in text and "Door cycle time · M1 (SN-e2)" in text


def test_no_outcome_for_a_session_not_completed(qtbot: QtBot, tasks: TaskManager,
                                                tmp_path: Path) -> None:
    s = seeded_store(tmp_path, n_assets=1)
    try:
        SessionEngine(s, "visit-1", clock=lambda: NOW_DT).set_wish_text("Half way")
        bundle = load_bundle(s, "visit-1", now=LATER[-1])
        assert bundle.outcomes == {}
    finally:
        s.close()


def _colours(text: str) -> set[str]:
    return set(re.findall(r"color:\s*(#[0-9a-fA-F]{6})", text))


def test_verdict_and_severity_words_follow_a_live_switch(
        qtbot: QtBot, tasks: TaskManager, store: Store, qapp: QApplication) -> None:
    """The visit page's rich text is re-coloured when the palette changes (a light/dark
    switch while the page is open), not only when the page is next built."""
    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-2", now=LATER[-1])).success(
            bundles.append).run()
    warning = trend_insight("i2", "e2", "motor_temp", level=70.0, slope=1.0, threshold=85.0)
    bundle = dataclasses.replace(bundles[0], insights=[*bundles[0].insights, warning])
    original = QPalette(qapp.palette())
    qapp.setPalette(palette_for("light"))
    try:
        detail = VisitDetail(bundle)
        qtbot.addWidget(detail)
        detail.show()
        qtbot.waitExposed(detail)
        outcome = detail.findChild(QLabel, "historyOutcome:visit-1")
        insights = detail.findChildren(QLabel, "insightRow")
        assert outcome is not None and insights
        light = {tone(m) for m in ("ok", "error", "muted")}
        assert _colours(outcome.text()) == light
        severities = {m for i in bundle.insights for m in [SEVERITY_TONES.get(
            str(i.severity), "muted")]}
        assert set().union(*(_colours(r.text()) for r in insights)) == {
            tone(m) for m in severities}

        qapp.setPalette(palette_for("dark"))
        dark = {tone(m) for m in ("ok", "error", "muted")}
        assert dark.isdisjoint(light)  # a switch that must show
        qtbot.waitUntil(lambda: _colours(outcome.text()) == dark)
        assert set().union(*(_colours(r.text()) for r in insights)) == {
            tone(m) for m in severities}
    finally:
        qapp.setPalette(original)
