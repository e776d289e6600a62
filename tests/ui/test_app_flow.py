"""The window against a real embedded back office and a real local store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from concierge.settings import Settings
from tests.ui.conftest import Harness, Office
from ui.board.model import ROW_ROLE, Column
from ui.format import DONE_STATUSES

pytestmark = pytest.mark.qt


def _visible_ids(window) -> list[str]:
    proxy = window.board.proxy
    return [proxy.index(r, 0).data(ROW_ROLE).id for r in range(proxy.rowCount())]


def test_signed_out_then_first_sync_fills_the_board(harness: Harness, office: Office) -> None:
    window = harness.window(Settings(server_url=office.url))
    assert window.placeholders.showing("signedOut")
    assert not window.sign_out_action.isVisible()
    harness.sign_in(window, office)
    assert window.pages.currentWidget() is window.board
    rows = window.board.model.rows()
    assert all(r.summary for r in rows)
    # sort by priority (default), then by time
    window.board.set_group("")
    priorities = [window.board.proxy.index(r, 0).data(ROW_ROLE).priority
                  for r in range(window.board.proxy.rowCount())]
    assert priorities == sorted(priorities)
    window.board.sort.setCurrentIndex(1)
    starts = [window.board.proxy.index(r, 0).data(ROW_ROLE).window_start
              for r in range(window.board.proxy.rowCount())]
    assert starts == sorted(starts)
    # search as you type, on a word of one visit's reason
    target = rows[0]
    word = max(target.summary.split(), key=len)
    window.board.search.setText(word)
    assert target.id in _visible_ids(window)
    assert all(word.casefold() in window.board.model.search_key(window.board.model.row_of(i))
               for i in _visible_ids(window))
    window.board.search.clear()
    # filter by status
    window.board.status.setCurrentIndex(window.board.status.findData(target.status))
    assert set(_visible_ids(window)) == {r.id for r in rows if r.status == target.status}


def test_detail_shows_insights_and_charts_with_thresholds(harness: Harness,
                                                          office: Office, qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    urgent = min((r for r in window.board.model.rows() if r.status not in DONE_STATUSES),
                 key=lambda r: (r.priority, r.window_start))
    window.board.select_visit(urgent.id)
    window.board.table.setFocus()
    with qtbot.waitSignal(window.visit_opened, timeout=10_000):
        qtbot.keyClick(window.board.table, Qt.Key.Key_Return)
    detail = window.detail
    assert window.pages.currentWidget() is window.visit_page
    assert detail.bundle.insights, "the most urgent demo visit explains itself"
    rows = detail.findChildren(QLabel, "insightRow")
    assert len(rows) == len(detail.bundle.insights)
    assert "Confidence" in rows[0].text() and "impact" in rows[0].text()
    assert detail.charts
    chart = detail.charts[0]
    assert chart.threshold_lines
    assert chart.visible_points() > 0
    with_forecast = [c for c in detail.charts if c.forecast is not None]
    assert with_forecast and with_forecast[0].forecast_line is not None
    opened: list[object] = []
    detail._open_address = opened.append
    detail.address.click()
    assert opened == [detail.bundle.site]
    qtbot.keyClick(detail, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.board
    assert window.board.current_visit_id() == urgent.id


def test_sync_status_during_and_after_a_sync(harness: Harness, office: Office, qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    seen_phases: list[str] = []
    window.ctx.bridge.sync_progress.connect(
        lambda _p: seen_phases.append(window.status.phase.text()))
    running: list[bool] = []
    window.ctx.bridge.sync_started.connect(
        lambda _v: running.append(window.status.progress.isVisibleTo(window.status)))
    harness.sign_in(window, office)
    assert running == [True]
    assert seen_phases and all(p.endswith("…") for p in seen_phases)
    assert not window.status.progress.isVisibleTo(window.status)
    qtbot.waitUntil(lambda: window.status.last_sync.text() == "Synced just now")
    assert window.status.online.text() == "● Online"
    assert window.status.pending.text() == "Nothing pending"
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=30_000):
        window.sync_action.trigger()  # F5 / Ctrl+R
    assert [s.toString() for s in window.sync_action.shortcuts()] == ["F5", "Ctrl+R"]


@pytest.mark.parametrize(("url", "password", "expected"), [
    ("{office}", "not-the-password", "Unknown user name or wrong password."),
    ("http://127.0.0.1:9", "x", "reach"),
    ("http://backoffice.example.com", "x", "plain http"),
])
def test_sign_in_errors_show_in_the_dialog(harness: Harness, office: Office, qtbot, *,
                                           url: str, password: str, expected: str) -> None:
    window = harness.window()
    dialog = window.open_sign_in()
    dialog.server.setText(url.format(office=office.url))
    dialog.username.setText("ana")
    dialog.password.setText(password)
    dialog.submit.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=30_000)
    assert expected.casefold() in dialog.error.text().casefold()
    assert "Traceback" not in dialog.error.text()
    assert dialog.isVisible() and dialog.submit.isEnabled()
    dialog.close()


def test_offline_start_shows_the_cached_board(harness: Harness, office: Office, qtbot) -> None:
    first = harness.window(Settings(server_url=office.url))
    harness.sign_in(first, office)
    cached = {r.id for r in first.board.model.rows()}
    harness.close(first)
    office.stop()
    second = harness.window(Settings(server_url=office.url))
    assert {r.id for r in second.board.model.rows()} == cached
    assert second.pages.currentWidget() is second.board
    with qtbot.waitSignal(second.ctx.bridge.sync_finished, timeout=60_000) as blocker:
        second.sync_now()
    assert not blocker.args[0].ok
    qtbot.waitUntil(lambda: second.status.online.text() == "○ Offline", timeout=10_000)
    assert "failed" in second.status.last_sync.text()
    assert {r.id for r in second.board.model.rows()} == cached


def test_a_conflict_shows_and_resolves(harness: Harness, office: Office, qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    store = window.ctx.store
    visit_id = window.board.model.rows()[0].id
    office.patch_visit(visit_id, office_notes="Customer asked for mornings", status="proposed")
    store.update_visit(visit_id, technician_notes="Gate code 1234", status="in_progress")
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000) as blocker:
        window.sync_now()
    assert blocker.args[0].conflicts == 1
    qtbot.waitUntil(lambda: window.status.conflicts.isVisibleTo(window.status), timeout=10_000)
    assert window.status.conflicts.text() == "1 conflict"
    qtbot.waitUntil(lambda: "conflict" in window.board.model.index(
        window.board.model.row_of(visit_id), Column.OFFLINE).data(), timeout=10_000)
    window.status.conflicts.click()
    dialog = window._dialogs["conflicts"]
    qtbot.waitUntil(lambda: dialog.conflict_list.count() == 1, timeout=10_000)
    fields = [dialog.fields.item(r, 0).text() for r in range(dialog.fields.rowCount())]
    assert fields == ["Status", "Technician notes"]
    assert dialog.fields.item(0, 1).text() == "in_progress"
    assert dialog.fields.item(0, 2).text() == "proposed"
    dialog.choose("status", "theirs")
    assert dialog.merged_values() == {"status": "proposed", "technician_notes": "Gate code 1234"}
    dialog.merge.click()
    qtbot.waitUntil(lambda: dialog.conflict_list.count() == 0, timeout=10_000)
    assert dialog.conflict_empty.isVisibleTo(dialog)
    qtbot.waitUntil(lambda: not window.status.conflicts.isVisibleTo(window.status),
                    timeout=10_000)
    visit = store.visit(visit_id)
    assert (visit.status, visit.technician_notes) == ("proposed", "Gate code 1234")
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000) as blocker:
        window.sync_now()
    assert blocker.args[0].ok and blocker.args[0].conflicts == 0
    dialog.close()


def test_geometry_and_last_view_are_restored(harness: Harness, office: Office, qtbot) -> None:
    first = harness.window(Settings(server_url=office.url))
    harness.sign_in(first, office)
    visit_id = first.board.model.rows()[0].id
    with qtbot.waitSignal(first.visit_opened, timeout=10_000):
        first.open_visit(visit_id)
    first.resize(700, 520)
    size = (first.width(), first.height())
    harness.close(first)
    second = harness.window(Settings(server_url=office.url))
    qtbot.waitUntil(lambda: second.pages.currentWidget() is second.visit_page, timeout=10_000)
    assert second.detail.bundle.visit.id == visit_id
    assert (second.width(), second.height()) == size != (1280, 800)
