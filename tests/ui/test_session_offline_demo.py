"""The issue's walk-through on the demo fleet: sign in and sync, lose the office, run a whole
session offline through the window, get the office back, sync, and check the office's side.

Real back office over HTTP on 127.0.0.1 (a persistent SQLite file, stopped and restarted on
the same file and port), real store, real keyring (run under scripts/test-session.sh).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from concierge.domain import StepType
from concierge.session.state import Step
from concierge.settings import Settings
from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD
from tests.ui.conftest import Harness, Office
from ui.main_window import MainWindow
from ui.session import SessionWindow
from ui.session.signature import SignaturePad

pytestmark = [pytest.mark.qt, pytest.mark.keyring]

PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def settle(qtbot: QtBot, w: SessionWindow) -> None:
    qtbot.waitUntil(lambda: w.io.pending == 0, timeout=10_000)


def sign(qtbot: QtBot, pad: SignaturePad) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(30, 100))
    for x in range(40, 220, 15):
        QTest.mouseMove(pad, QPoint(x, 60 + (x % 45)))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(230, 90))


def admin(office: Office) -> requests.Session:
    session = requests.Session()
    reply = session.post(f"{office.url}/v1/auth/login", timeout=10,
                         json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
    reply.raise_for_status()
    session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return session


def sync_until_clean(qtbot: QtBot, window: MainWindow) -> Any:
    """Sync through the app's service until a cycle succeeds with nothing left to push."""
    ctx = window.ctx
    results: list[Any] = []
    ctx.bridge.sync_finished.connect(results.append)

    def clean() -> bool:
        if results and results[-1].ok and ctx.store.status().pending_ops == 0:
            return True
        if not ctx.sync.running:
            ctx.sync.sync_now("test")
        return False

    qtbot.waitUntil(clean, timeout=60_000)
    return results[-1]


def first_open_visit(window: MainWindow) -> str:
    """The first proposed or scheduled visit on the board with assets."""
    return next(r.id for r in window.board.model.rows()
                if r.status in ("proposed", "scheduled") and r.asset_count)


def open_first_session(harness: Harness, office: Office,
                       qtbot: QtBot) -> tuple[MainWindow, SessionWindow]:
    """Sign in to ``office`` and open the session of the first open visit, loaded."""
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    window.open_session(first_open_visit(window))
    w: SessionWindow = window.session_windows[-1]
    qtbot.waitUntil(lambda: w.ready, timeout=20_000)
    assert w.engine is not None
    return window, w


def test_offline_session_on_the_demo_fleet_reaches_the_office_once(
        harness: Harness, office: Office, qtbot: QtBot, tmp_path: Path) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    ctx = window.ctx
    store, user = ctx.store, ctx.user
    visit = next(r for r in window.board.model.rows()
                 if r.status in ("proposed", "scheduled") and r.asset_count)
    with admin(office) as office_admin:
        before = office_admin.get(f"{office.url}/v1/admin/stats", timeout=10).json()["rows"]
    office.stop()

    # --- the whole session, offline, through the window --------------------------------
    window.open_session(visit.id)
    w: SessionWindow = window.session_windows[-1]
    with qtbot.waitSignal(w.loaded, timeout=20_000):
        assert w.loading.isVisible()
    settle(qtbot, w)
    assert w.current is Step.WELCOME
    qtbot.keyClicks(w.welcome.text, "Quieter doors in the morning, please")
    w.welcome.tags["noise"].click()
    w.welcome.tags["reliability"].click()
    qtbot.keyClicks(w.welcome.others, "Ms Jones (building manager)")
    w.next_button.click()

    assert w.current is Step.BASELINE
    kpis = w.baseline.kpis
    known = [kpis.item(r, 2).text() for r in range(kpis.rowCount())]
    assert known and any(t not in ("no data", "") for t in known), known
    entry = w.baseline.entry
    qtbot.keyClicks(entry.value, "1,5")
    entry.add.click()
    assert entry.message.text().startswith("Recorded 1.5")
    w.next_button.click()

    cards = w.optimise.cards
    measured = [c for c in cards.values()
                if c.item.type is StepType.MEASUREMENT and c.item.target_high is not None]
    checks = [c for c in cards.values() if c.item.type is StepType.CHECK and c.item.required]
    photos = [c for c in cards.values() if c.item.type is StepType.PHOTO]
    assert measured and checks and photos
    first = measured[0]
    qtbot.keyClicks(first.value, "quick")
    first.record.click()
    assert first.flag.text().startswith("“quick” is not a number.")
    assert w.engine is not None and w.engine.doc.result(first.item.id).status == "open"
    too_high = (first.item.target_high or 0) * 10 + 100
    first.value.setText(f"{too_high:g}")
    first.record.click()
    assert " is above the target " in first.flag.text()
    skipped = checks[0]
    qtbot.keyClicks(skipped.reason, "Machine room locked")
    skipped.skip.click()
    assert skipped.status.text() == "Skipped: Machine room locked"
    for card in cards.values():
        item = card.item
        if not item.required or card is first or card is skipped:
            continue
        if item.type is StepType.CHECK:
            card.check.setChecked(True)
        elif item.type is StepType.MEASUREMENT:
            low, high = item.target_low or 0.0, item.target_high or 1.0
            card.value.setText(f"{(low + high) / 2:g}")
            card.record.click()
        elif item.type is StepType.CHOICE:
            card.choice.setCurrentIndex(1)
        elif item.type is StepType.NOTE:
            qtbot.keyClicks(card.note, "All fine")
    photo_file = tmp_path / "operator.png"
    photo_file.write_bytes(PHOTO)
    photo = photos[0]
    photo.attach_button.click()
    dialog = photo.findChild(QFileDialog, "attachDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(photo_file))
    dialog.accept()
    qtbot.waitUntil(lambda: photo.attached.text() == "1 attached", timeout=10_000)
    dialog.deleteLater()
    settle(qtbot, w)
    w.progress.buttons[Step.VERIFY].click()

    assert w.current is Step.VERIFY
    qtbot.keyClicks(w.verify.entry.value, "1.2")
    w.verify.entry.add.click()
    assert w.verify.table.rowCount() > 0
    w.next_button.click()

    assert w.current is Step.DELIGHT
    qtbot.keyClicks(w.delight.recommendations, "Replace the door rollers in spring")
    w.delight.stars.button(5).click()
    qtbot.keyClicks(w.delight.comment, "Very thorough")
    sign(qtbot, w.delight.pad)
    if not w.delight.name.text():
        qtbot.keyClicks(w.delight.name, "Ana Tech")
    w.delight.sign_button.click()
    settle(qtbot, w)
    assert w.delight.missing.text() == "Ready to complete.", w.delight.missing.text()
    w.next_button.click()

    assert w.current is Step.REPORT
    # completing asks for a sync at once (offline here, so it fails; the op stays queued)
    with qtbot.waitSignals([w.finish.completed, ctx.bridge.sync_started], timeout=30_000):
        w.finish.complete_button.click()
    assert w.finish.open_button.isVisible()
    report = w.engine.report_path()
    assert report is not None and report.read_bytes().startswith(b"%PDF")
    local = store.load_session(visit.id)
    assert local is not None and local["status"] == "completed"
    shas = list(local["attachments"])
    photo_sha = w.engine.doc.result(photo.item.id).attachments[0]
    assert set(shas) == {photo_sha, local["data"]["report"], local["data"]["signature"]["png"]}
    assert len(shas) == 3
    status = store.status()
    # still offline: the visit's in_progress and the completed session wait in the outbox
    # (no visit status op of its own: the office derives it from the session, and the
    # store shows that locally at once)
    assert status.pending_ops == 2 and local["version"] == 0
    assert status.conflicts == 0 and status.rejected == 0
    assert store.visit(visit.id).status == "completed"
    assert next(r for r in store.visit_rows() if r.id == visit.id).status == "completed"

    # --- the office is back: sync, then look at the office's side ------------------------
    puts: Counter[str] = Counter()  # attachment uploads, seen on the app's own HTTP session

    def count_puts(reply: requests.Response, *_: Any, **__: Any) -> None:
        if reply.request.method == "PUT" and "/v1/attachments/" in (reply.request.url or ""):
            puts[(reply.request.url or "").rsplit("/", 1)[1]] += 1

    ctx.sync.engine.client._session.hooks["response"].append(count_puts)
    office.start()
    result = sync_until_clean(qtbot, window)
    assert result.conflicts == 0 and result.rejected == 0
    status = store.status()
    assert (status.pending_ops, status.conflicts, status.rejected) == (0, 0, 0)
    qtbot.waitUntil(lambda: store.visit(visit.id).status == "completed", timeout=10_000)
    assert store.load_session(visit.id)["version"] >= 1
    # a second sync sends nothing again
    sync_until_clean(qtbot, window)
    assert puts == Counter(dict.fromkeys(shas, 1))

    with admin(office) as office_admin:
        record = office_admin.get(f"{office.url}/v1/admin/sessions/{local['id']}", timeout=10)
        assert record.status_code == 200
        session = record.json()
        assert session["status"] == "completed" and session["visit_id"] == visit.id
        assert session["data"]["wishes"]["items"][0]["text"] == (
            "Quieter doors in the morning, please")
        assert session["data"]["wishes"]["tags"] == ["noise", "reliability"]
        assert session["data"]["wishes"]["present"] == ["Ms Jones (building manager)"]
        assert session["data"]["rating"] == 5 and session["data"]["comment"] == "Very thorough"
        assert session["data"]["results"][skipped.item.id]["skip_reason"] == \
            "Machine room locked"
        assert sorted(session["attachments"]) == sorted(shas)
        for sha in shas:
            head = office_admin.head(f"{office.url}/v1/attachments/{sha}", timeout=10)
            assert head.status_code == 200
            body = office_admin.get(f"{office.url}/v1/attachments/{sha}", timeout=10)
            assert body.content == store.attachment_path(sha).read_bytes()
        assert body.status_code == 200
        after = office_admin.get(f"{office.url}/v1/admin/stats", timeout=10).json()["rows"]
        assert after["attachments"] - before["attachments"] == len(shas)
        assert after["sessions"] - before["sessions"] == 1
        ops = office_admin.get(f"{office.url}/v1/admin/ops", timeout=10,
                               params={"technician": user.id}).json()["ops"]
        mine = [o for o in ops if o["entity_id"] in (visit.id, local["id"])]
        by_entity = Counter(o["entity"] for o in mine)
        assert by_entity == Counter({"visit": 1, "session": 1}), mine
        assert all(o["status"] == "applied" and o["deliveries"] == 1 for o in mine), mine
        assert not [o for o in ops if o["status"] in ("conflict", "rejected")]
        server_visit = office_admin.get(f"{office.url}/v1/visits/{visit.id}", timeout=10)
        assert server_visit.status_code == 200, server_visit.text
        assert server_visit.json()["status"] == "completed"
    w.close()
