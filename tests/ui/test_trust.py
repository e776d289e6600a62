"""Issue #16: the technician can trust every screen (real office, real store, real Qt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from concierge.settings import Settings
from tests.ui.conftest import Harness, Office

pytestmark = pytest.mark.qt


def _two_unsent_changes(window) -> None:
    store = window.ctx.store
    for row in window.board.model.rows()[:2]:
        store.update_visit(row.id, technician_notes="Bring the ladder")


def test_sign_out_with_unsent_changes_defaults_to_sync_first(harness: Harness, office: Office,
                                                              qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    _two_unsent_changes(window)
    window.sign_out()
    qtbot.waitUntil(lambda: window.sign_out_box is not None and window.sign_out_box.isVisible(),
                    timeout=10_000)
    box = window.sign_out_box
    safe = box.findChild(QPushButton, "signOutBoxSafe")
    discard = box.findChild(QPushButton, "signOutDiscard")
    assert safe is not None and discard is not None
    assert box.defaultButton() is safe
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert not discard.isDefault() and not discard.autoDefault()
    assert "2" in discard.text()  # says what is lost
    # Enter takes the safe choice: a sync starts and the account stays signed in
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000) as blocker:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert blocker.args[0].ok
    assert window.ctx.signed_in
    assert window.ctx.store.status().pending_ops == 0


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no stacking
def test_a_second_launch_raises_the_running_window(harness: Harness, office: Office, qtbot,
                                                   tmp_path) -> None:
    import os
    import subprocess
    import sys

    from ui.single_instance import InstanceServer

    window = harness.window(Settings(server_url=office.url))
    window.showMinimized()
    server = InstanceServer(window.ctx.paths.data)
    server.launched.connect(window.second_launch)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONCIERGE_HOME=str(tmp_path / "x"))
    with qtbot.waitSignal(server.launched, timeout=30_000) as blocker:
        proc = subprocess.Popen([sys.executable, "-c",
                                 "import sys; from ui.launcher import main; sys.exit(main())",
                                 "--data-dir",
                                 str(window.ctx.paths.data.parent), "--lang", "en"], env=env)
    try:
        assert proc.wait(timeout=30) == 0  # the second launch hands over and leaves
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "--data-dir" in blocker.args[0]
    assert not window.isMinimized()
    assert "already open" in window.statusBar().currentMessage()
    server.close()


def test_the_store_refuses_a_second_writer(tmp_path) -> None:
    import subprocess
    import sys

    from concierge.store import Store, StoreError

    store_file = tmp_path / "data" / "concierge.sqlite3"  # --data-dir tmp_path
    store_file.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pathlib; from concierge.store import Store; "
         f"s = Store.open(pathlib.Path({str(store_file)!r}), pathlib.Path({str(tmp_path)!r}) "
         "/ 'att', exclusive=True); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError) as refused:
            Store.open(store_file, tmp_path / "att", exclusive=True)
        text = str(refused.value)
        assert "already open in another Field Concierge" in text
        assert str(holder.pid) in text
        Store.open(store_file, tmp_path / "att").close()  # a sync may still read and write
        logout = subprocess.run([sys.executable, "-m", "concierge", "--data-dir", str(tmp_path),
                                 "--lang", "en", "logout"], capture_output=True, text=True,
                                timeout=120, check=False)
        assert logout.returncode != 0
        assert "already open in another Field Concierge" in logout.stderr
        assert "Traceback" not in logout.stderr
    finally:
        holder.communicate("", timeout=30)
    Store.open(store_file, tmp_path / "att", exclusive=True).close()  # free once it is gone


def _open_visit(window, qtbot, visit_id: str) -> None:
    with qtbot.waitSignal(window.visit_opened, timeout=10_000):
        window.open_visit(visit_id)


def _sync(window, qtbot):
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000) as blocker:
        window.sync_now()
    return blocker.args[0]


def _draft(store, visit_id: str) -> None:
    from datetime import UTC, datetime

    store.save_session({"id": f"ses-{visit_id}", "visit_id": visit_id, "status": "in_progress",
                        "step": "delight", "attachments": [],
                        "data": {"wishes": [{"text": "Quieter doors at night"}]},
                        "started_at": datetime.now(UTC), "completed_at": None})


def _active(window) -> list:
    return [r for r in window.board.model.rows() if r.status in ("scheduled", "proposed")]


def test_a_reassigned_visit_stays_marked_with_its_draft(harness: Harness, office: Office, qtbot,
                                                      tmp_path) -> None:
    import json

    from PySide6.QtWidgets import QDialog, QListWidget

    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    _draft(window.ctx.store, visit_id)
    office.patch_visit(visit_id, technician_id="tech-ben",
                       office_notes="Ben has the spare part")
    assert _sync(window, qtbot).ok
    qtbot.waitUntil(lambda: window.board.model.row_of(visit_id) >= 0
                    and window.board.model.rows()[window.board.model.row_of(visit_id)].status
                    == "withdrawn", timeout=10_000)
    qtbot.waitUntil(lambda: bool(window.notifier.sent), timeout=10_000)  # told, not silent
    told = window.notifier.sent[-1][1]
    assert "gave this visit to another technician" in told and "Ben has the spare part" in told
    assert _status_cell(window, visit_id) == "Reassigned"
    _open_visit(window, qtbot, visit_id)
    detail = window.detail
    assert detail.state_banner is not None and detail.state_banner.isVisibleTo(detail)
    assert "gave this visit to another technician" in detail.state_banner.text()
    assert "Office note: Ben has the spare part" in detail.state_banner.text()
    assert not detail.session_button.isVisibleTo(detail)  # no session on someone else's visit
    assert detail.export_button.isVisibleTo(detail)
    out = tmp_path / "draft.json"
    detail.export_draft(str(out))
    assert "Quieter doors at night" in json.dumps(json.loads(out.read_text()))
    # the draft's refused push never shows an internal code
    dialog = window.open_conflicts(1)
    qtbot.waitUntil(lambda: dialog.rejected_list.count() >= 0 and dialog.tabs.count() == 2,
                    timeout=10_000)
    qtbot.waitUntil(lambda: "(" in dialog.tabs.tabText(1), timeout=10_000)
    texts = [dialog.findChild(QListWidget, "rejectedList").item(i).text()
             for i in range(dialog.rejected_list.count())]
    assert all("not_found" not in t for t in texts)
    dialog.done(QDialog.DialogCode.Rejected)


def test_a_cancelled_visit_stays_with_the_office_note_and_no_session(harness: Harness,
                                                                   office: Office, qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    office.patch_visit(visit_id, office_notes="Customer may close the site")
    assert _sync(window, qtbot).ok
    _open_visit(window, qtbot, visit_id)
    assert window.detail.session_button.isVisible()
    assert window.detail.session_button.text() == "Start session"
    office.patch_visit(visit_id, status="cancelled")
    assert _sync(window, qtbot).ok
    # the open page follows the store: status, reason, actions
    qtbot.waitUntil(lambda: window.detail.state_banner is not None, timeout=10_000)
    assert "Customer may close the site" in window.detail.state_banner.text()
    assert not window.detail.session_button.isVisibleTo(window.detail)
    row = window.board.model.rows()[window.board.model.row_of(visit_id)]
    assert row.status == "withdrawn"  # still on the board, in Done, marked
    assert _status_cell(window, visit_id) == "Cancelled by the office"
    assert "The office cancelled this visit." in window.detail.state_banner.text()


def _status_cell(window, visit_id: str, role=Qt.ItemDataRole.DisplayRole) -> str:
    from ui.board.model import Column

    model = window.board.model
    return str(model.data(model.index(model.row_of(visit_id), Column.STATUS), role))


def _resolve_remotely(office: Office, visit_id: str, at, note: str) -> None:
    """What the office's remote-first flow does for a visit a remote fix made unnecessary
    (``concierge_office.devices.remote``), at a chosen time."""
    from sqlalchemy import select, update

    from concierge_office import db
    from concierge_office.changes import Withdrawal, publish_own

    database = db.Database(office.database_url)
    try:
        with database.write() as conn:
            v = db.visits
            row = conn.execute(select(v).where(v.c.id == visit_id)).one()
            conn.execute(update(v).where(v.c.id == visit_id)
                         .values(status="cancelled", version=row.version + 1))
            publish_own(database, conn, row.technician_id, ("visit", visit_id), row.version + 1,
                        visible=False, withdrawal=Withdrawal("resolved_remotely", note))
            w = db.withdrawals
            conn.execute(update(w).where(w.c.visit_id == visit_id).values(at=at.timestamp()))
    finally:
        database.dispose()


def test_a_visit_resolved_remotely_says_so_on_the_board_with_the_local_time(
        harness: Harness, office: Office, qtbot) -> None:
    """#18 item 5: never silently: "Resolved remotely at 10:42", the time in the UI locale."""
    from datetime import datetime

    from ui.format import clock

    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    at = datetime.now().astimezone().replace(hour=10, minute=42, second=0, microsecond=0)
    _resolve_remotely(office, visit_id, at, "Door operator recalibrated; closes in 4.1 s")
    assert _sync(window, qtbot).ok
    qtbot.waitUntil(lambda: _status_cell(window, visit_id).startswith("Resolved"),
                    timeout=10_000)
    assert _status_cell(window, visit_id) == f"Resolved remotely at {clock(at)}"
    assert "10:42" in clock(at)
    tip = _status_cell(window, visit_id, Qt.ItemDataRole.ToolTipRole)
    assert "Door operator recalibrated" in tip
    qtbot.waitUntil(lambda: bool(window.notifier.sent), timeout=10_000)  # told, not silent
    assert f"resolved this remotely at {clock(at)}" in window.notifier.sent[-1][1]
    _open_visit(window, qtbot, visit_id)
    banner = window.detail.state_banner
    assert banner is not None and "Door operator recalibrated" in banner.text()
    assert not window.detail.session_button.isVisibleTo(window.detail)


def test_the_visit_page_offers_only_what_its_state_allows(harness: Harness, office: Office,
                                                           qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    _open_visit(window, qtbot, visit_id)
    assert window.detail.session_button.text() == "Start session"
    _draft(window.ctx.store, visit_id)  # a session begun (in the session window, say)
    qtbot.waitUntil(lambda: window.detail.session_button.text() == "Resume session",
                    timeout=10_000)
    office.patch_visit(visit_id, priority=1)
    assert _sync(window, qtbot).ok
    qtbot.waitUntil(lambda: window.detail.bundle.visit.priority == 1, timeout=10_000)


def test_office_notes_show_updated_and_my_notes_sync(harness: Harness, office: Office,
                                                     qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    office.patch_visit(visit_id, office_notes="Bring the 24 V controller")
    assert _sync(window, qtbot).ok
    model = window.board.model

    def why() -> str:
        return model.index(model.row_of(visit_id), 3).data()

    qtbot.waitUntil(lambda: why().startswith("✎ Office note"), timeout=10_000)  # board card
    assert "Bring the 24 V controller" in model.index(model.row_of(visit_id), 3).data(
        Qt.ItemDataRole.ToolTipRole)
    _open_visit(window, qtbot, visit_id)
    assert not why().startswith("✎")  # read
    assert window.detail.office_notes.text() == "Bring the 24 V controller"
    assert not window.detail.office_notes_updated  # first look: nothing to compare with
    window.show_board()
    office.patch_visit(visit_id, office_notes="Moved to Tuesday; bring the controller")
    assert _sync(window, qtbot).ok
    qtbot.waitUntil(lambda: why().startswith("✎ Note updated"), timeout=10_000)
    _open_visit(window, qtbot, visit_id)
    assert "Tuesday" in window.detail.office_notes.text()
    assert window.detail.office_notes_updated
    assert "Updated" in window.detail.office_heading.text()
    office.patch_visit(visit_id, office_notes="Moved to Wednesday; bring the controller")
    assert _sync(window, qtbot).ok  # the open page follows, marked
    qtbot.waitUntil(lambda: "Wednesday" in window.detail.office_notes.text(), timeout=10_000)
    assert window.detail.office_notes_updated
    # my own notes: typed offline, saved locally, sent with the next sync
    office.stop()
    window.detail.my_notes.setPlainText("Gate code 4711")
    assert window.detail.save_notes.isEnabled()
    window.detail.save_notes.click()
    store = window.ctx.store
    qtbot.waitUntil(lambda: store.visit(visit_id).technician_notes == "Gate code 4711",
                    timeout=10_000)
    assert store.status().pending_ops == 1
    office.start()
    assert _sync(window, qtbot).ok
    assert store.status().pending_ops == 0


def test_dismissing_a_refused_change_asks_with_cancel_as_default(harness: Harness,
                                                                  office: Office, qtbot) -> None:
    from PySide6.QtWidgets import QDialog

    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    window.ctx.store.update_visit(visit_id, technician_notes="Bring a ladder")
    office.patch_visit(visit_id, technician_id="tech-ben")
    assert _sync(window, qtbot).rejected == 1  # the office no longer has it for us
    dialog = window.open_conflicts(1)
    qtbot.waitUntil(lambda: dialog.rejected_list.count() == 1, timeout=10_000)
    assert "not_found" not in dialog.rejected_list.item(0).text()
    dialog.dismiss.click()
    box = dialog.dismiss_box
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter keeps it
    assert dialog.rejected_list.count() == 1
    assert window.ctx.store.rejected_ops()
    dialog.done(QDialog.DialogCode.Rejected)


def test_a_sync_that_changes_the_day_says_what_changed(harness: Harness, office: Office,
                                                       qtbot) -> None:
    from datetime import timedelta

    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    moved, raised = [r for r in _active(window) if r.priority > 1][:2]
    start = moved.window_start + timedelta(days=1)
    office.patch_visit(moved.id, window_start=start.isoformat(),
                       window_end=(moved.window_end + timedelta(days=1)).isoformat())
    office.patch_visit(raised.id, priority=1)
    assert _sync(window, qtbot).ok
    qtbot.waitUntil(lambda: window.changes_button.isVisibleTo(window), timeout=10_000)
    assert window.changes_button.text() == "What changed (2)"
    title, text = window.notifier.sent[-1]
    assert title == "2 changes to your day"
    assert "priority" in text and "moved from" in text
    dialog = window.open_day_changes()
    items = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert items[0].startswith("⚠") and "Urgent" in items[0]  # the raised priority first
    assert any("moved from" in item for item in items)
    dialog.seen_button.click()
    assert not window.changes_button.isVisibleTo(window)
    assert window.day_changes == []


def test_the_demo_day_is_today_even_on_a_weekend(office: Office) -> None:
    """The demo plans visits on the day it runs; a real office keeps to its working week."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from concierge_office.engine import visit_window

    berlin = ZoneInfo("Europe/Berlin")
    saturday_morning = datetime(2026, 12, 5, 7, 0, tzinfo=berlin).timestamp()
    assert office.server is not None
    demo_days = office.server.service.engine.work_days
    start, _end = visit_window(1, None, saturday_morning, berlin, days=demo_days)
    assert datetime.fromtimestamp(start, berlin).date().isoformat() == "2026-12-05"
    start, _end = visit_window(1, None, saturday_morning, berlin)
    assert datetime.fromtimestamp(start, berlin).weekday() == 0  # the working week: Monday


def test_settings_and_about_name_the_server_in_use(harness: Harness, office: Office, qtbot,
                                                    qapp) -> None:
    from PySide6.QtGui import QGuiApplication

    window = harness.window(Settings(server_url="https://office.example.invalid"))
    dialog = window.open_sign_in()
    dialog.server.setText(office.url)  # signs in somewhere else than the settings said
    dialog.username.setText("ana")
    from concierge_office.demo_fleet import DEMO_PASSWORD
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000):
        dialog.submit.click()
    window.ctx.settings = window.ctx.settings.replace(server_url="https://stale.example.invalid")
    settings = window.open_settings()
    assert settings.server.text() == office.url
    assert settings.server.isReadOnly()
    settings.reject()
    box = window._about()
    assert str(window.ctx.paths.data) in box.text()
    assert office.url in box.text()
    copy = box.findChild(QPushButton, "copyDiagnostics")
    copy.click()
    assert box.isVisible()  # copying is an action, not a way out
    copied = QGuiApplication.clipboard().text()
    assert office.url in copied and str(window.ctx.paths.data) in copied
    assert "token" not in copied.lower()
    box.close()


def test_fonts_follow_the_system_size(qapp) -> None:
    from PySide6.QtGui import QFont

    from ui.theme import ThemeController

    before = qapp.font()
    theme = ThemeController(qapp, "light", False)
    try:
        big = QFont(before)
        big.setPointSizeF(14.0)
        qapp.setFont(big)
        theme.base_pt = ThemeController(qapp).base_pt  # what a start with this font reads
        theme.apply()
        assert "font-size: 14.0pt" in qapp.styleSheet()
        theme.apply(large_touch=True)
        assert "font-size: 16.1pt" in qapp.styleSheet()  # scaled up, not pinned
    finally:
        qapp.setStyleSheet("")
        qapp.setFont(before)
        theme.deleteLater()


def test_a_routine_sync_leaves_the_log_quiet(harness: Harness, office: Office, qtbot,
                                             caplog) -> None:
    import logging

    from concierge.logs import QUIET_LOGGERS

    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    caplog.clear()
    for name in QUIET_LOGGERS:  # as setup_logging leaves them in the app
        caplog.set_level(logging.WARNING, logger=name)
    with caplog.at_level(logging.INFO):
        for _round in range(2):
            assert _sync(window, qtbot).ok
            qtbot.waitUntil(lambda: not window.ctx.sync.running, timeout=10_000)
    noise = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.INFO]
    assert noise == [], noise


def _wheel(widget, ctrl: bool):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(widget.width() / 2, widget.height() / 2)
    modifiers = (Qt.KeyboardModifier.ControlModifier if ctrl
                 else Qt.KeyboardModifier.NoModifier)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(widget, event)
    return event


def test_charts_zoom_only_on_purpose_read_out_values_and_follow_the_theme(qtbot, qapp
                                                                          ) -> None:
    import numpy as np

    from concierge.domain import AssetKind, metric_spec
    from ui.charts import TelemetryChart
    from ui.theme import PALETTES, ThemeController

    spec = metric_spec(AssetKind.ELEVATOR, "motor_temp")
    chart = TelemetryChart(spec, "Motor temperature")
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.show()
    qtbot.waitExposed(chart)
    t0 = 1_700_000_000.0
    t = t0 + np.arange(0, 7 * 86_400.0, 600.0)
    chart.set_series(t, 60 + (t - t0) / 86_400.0, 59 + (t - t0) / 86_400.0,
                     61 + (t - t0) / 86_400.0)
    before = chart.viewbox.viewRange()[0]
    event = _wheel(chart.viewport(), ctrl=False)
    assert not event.isAccepted()  # left to the page to scroll
    assert chart.viewbox.viewRange()[0] == before
    _wheel(chart.viewport(), ctrl=True)
    after = chart.viewbox.viewRange()[0]
    assert after != before
    assert after[1] - after[0] <= 3 * (t[-1] - t[0])  # never to absurd ranges
    text = chart.hover_at(t0 + 86_400.0)
    assert "61" in text and "°C" in text and ":" in text
    assert chart.readout.isVisible()
    names = [label.text for _sample, label in chart.legend.items]
    assert "Hourly mean" in names
    theme = ThemeController(qapp, "dark")
    try:
        theme.apply()
        assert chart.backgroundBrush().color().name() == PALETTES["dark"]["base"]
        theme.apply("light")
        assert chart.backgroundBrush().color().name() == PALETTES["light"]["base"]
    finally:
        qapp.setStyleSheet("")
        qapp.setPalette(qapp.style().standardPalette())
        qapp.setProperty("conciergeScheme", None)
        theme.deleteLater()


def test_a_completed_visit_shows_its_evidence_or_says_why_not(harness: Harness, office: Office,
                                                              qtbot) -> None:
    from PySide6.QtWidgets import QLabel

    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = _active(window)[0].id
    office.patch_visit(visit_id, status="completed")  # closed in the office
    assert _sync(window, qtbot).ok
    _open_visit(window, qtbot, visit_id)
    detail = window.detail
    assert detail.bundle.charts  # it has evidence to show
    assert all(chart._t.size for chart in detail.charts)  # no empty chart with a bad range
    reasons = [label.text() for label in detail.findChildren(QLabel, "chartNoData")]
    assert len(reasons) + len(detail.charts) == len(detail.bundle.charts)
    assert all("closed" in text for text in reasons)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_window_reads_in_light_and_dark(harness: Harness, office: Office, qtbot, qapp,
                                              scheme: str) -> None:
    from tests.ui.contrast import contrast_failures
    from ui.theme import ThemeController

    theme = ThemeController(qapp, scheme)
    theme.apply()
    try:
        window = harness.window(Settings(server_url=office.url, theme=scheme))
        window.theme = theme  # a sign-in saves the settings and applies their theme again
        harness.sign_in(window, office)
        assert qapp.property("conciergeScheme") == scheme
        window.resize(1280, 800)
        failures = {"board": contrast_failures(window)}
        visit_id = _active(window)[0].id
        _open_visit(window, qtbot, visit_id)
        failures["visit"] = contrast_failures(window)
        for name, dialog in (("settings", window.open_settings()),
                             ("conflicts", window.open_conflicts(0)),
                             ("about", window._about())):
            qtbot.waitExposed(dialog)
            failures[name] = contrast_failures(dialog)
            dialog.close()
        window.open_session(visit_id)
        session = window.session_windows[-1]
        qtbot.waitUntil(lambda: getattr(session, "ready", False), timeout=20_000)
        failures["session"] = contrast_failures(session)
        session.close()
        assert {k: v for k, v in failures.items() if v} == {}
    finally:
        qapp.setStyleSheet("")
        qapp.setPalette(qapp.style().standardPalette())
        qapp.setProperty("conciergeScheme", None)
        theme.deleteLater()


def test_large_touch_targets_and_columns_that_say_it_all(harness: Harness, office: Office,
                                                          qtbot, qapp) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QCheckBox,
        QComboBox,
        QLineEdit,
        QSpinBox,
        QStyle,
        QStyleOptionButton,
    )

    from ui.board.model import Column
    from ui.theme import ThemeController

    theme = ThemeController(qapp, "light", True)
    theme.apply()
    try:
        window = harness.window(Settings(server_url=office.url, large_touch_targets=True))
        window.theme = theme
        harness.sign_in(window, office)
        window.resize(1280, 800)
        _open_visit(window, qtbot, _active(window)[0].id)
        settings = window.open_settings()
        qtbot.waitExposed(settings)
        small = []
        for top in (window, settings):
            widgets = [w for kind in (QAbstractButton, QLineEdit, QComboBox, QSpinBox)
                       for w in top.findChildren(kind)]
            for widget in widgets:
                if widget.isVisibleTo(top) and widget.height() < 44 and widget.objectName() \
                        not in ("", "qt_scrollarea_hcontainer"):
                    small.append(f"{widget.objectName()}: {widget.height()}")
        assert small == []
        box = settings.touch
        assert isinstance(box, QCheckBox)
        option = QStyleOptionButton()
        box.initStyleOption(option)
        indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        assert indicator.height() >= 24
        settings.reject()
        window.show_board()
        model = window.board.model
        assert model.index(0, Column.WINDOW).data(Qt.ItemDataRole.ToolTipRole)
        when = window.board.table.horizontalHeader().sectionSize(Column.WINDOW)
        metrics = window.board.table.fontMetrics()
        longest = max(metrics.horizontalAdvance(model.index(r, Column.WINDOW).data())
                      for r in range(model.rowCount()))
        assert when >= longest  # When is never cut
    finally:
        qapp.setStyleSheet("")
        qapp.setPalette(qapp.style().standardPalette())
        qapp.setProperty("conciergeScheme", None)
        theme.deleteLater()


def test_the_session_window_closes_from_the_keyboard(harness: Harness, office: Office,
                                                     qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    window.open_session(_active(window)[0].id)
    session = window.session_windows[-1]
    qtbot.waitUntil(lambda: getattr(session, "ready", False), timeout=20_000)
    session.activateWindow()
    qtbot.keyClick(session, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.session_windows, timeout=10_000)


def _office_day(office: Office) -> dict:
    import requests

    from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD

    with requests.Session() as session:
        reply = session.post(f"{office.url}/v1/auth/login", timeout=10,
                             json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
        session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        rows = session.get(f"{office.url}/v1/admin/day-status", timeout=10).json()
    return {row["technician_id"]: row["report"] for row in rows}


def test_the_day_status_is_one_tap_and_tells_the_office(harness: Harness, office: Office,
                                                        qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    bar = window.day_bar
    assert bar.isVisible()
    visit_id = _active(window)[0].id
    _open_visit(window, qtbot, visit_id)
    clock = [1_000_000.0]
    bar._clock = lambda: clock[0]
    bar.buttons["travelling"].click()  # "On my way" tells the office
    qtbot.waitUntil(lambda: not bar.pending, timeout=10_000)
    report = _office_day(office)["tech-ana"]
    assert (report["status"], report["visit_id"]) == ("travelling", visit_id)
    bar.buttons["on_site"].click()
    clock[0] += 42 * 60  # 42 minutes on site
    bar.buttons["break"].click()
    qtbot.waitUntil(lambda: not bar.pending, timeout=10_000)
    report = _office_day(office)["tech-ana"]
    assert report["status"] == "break"
    assert report["on_site_seconds"][visit_id] == pytest.approx(42 * 60)
    # offline: kept, and sent with the next sync
    office.stop()
    bar.buttons["done"].click()
    qtbot.waitUntil(lambda: "not yet sent" in bar.summary.text(), timeout=10_000)
    assert bar.pending
    office.start()
    assert _sync(window, qtbot).ok
    qtbot.waitUntil(lambda: not bar.pending, timeout=10_000)
    assert _office_day(office)["tech-ana"]["status"] == "done"


def test_an_open_session_window_follows_a_live_theme_switch(harness: Harness, office: Office,
                                                             qtbot, qapp) -> None:
    from ui.session.common import session_stylesheet
    from ui.theme import ThemeController

    theme = ThemeController(qapp, "light")
    theme.apply()
    try:
        window = harness.window(Settings(server_url=office.url, theme="light"))
        window.theme = theme
        harness.sign_in(window, office)
        window.open_session(_active(window)[0].id)
        session = window.session_windows[-1]
        qtbot.waitUntil(lambda: getattr(session, "ready", False), timeout=20_000)
        light = session.styleSheet()
        theme.apply("dark")  # as a live switch of the system scheme does
        qtbot.waitUntil(lambda: session.styleSheet() == session_stylesheet(), timeout=5_000)
        assert session.styleSheet() != light
        session.close()
    finally:
        qapp.setStyleSheet("")
        qapp.setPalette(qapp.style().standardPalette())
        qapp.setProperty("conciergeScheme", None)
        theme.deleteLater()
