"""The hand-over of a visit, as the technician sees it (#19.4): once a sync brings the
office's acceptance, the open session turns read-only with a banner that says to whom and
when, Complete is disabled with the reason, and the board shows the visit as handed over.
Completed offline while the office accepted meanwhile: the banner says the work went to the
colleague and the completion did not stand.

Real back office over HTTP on 127.0.0.1, real store, real keyring (scripts/test-session.sh).
"""

from __future__ import annotations

import pytest
import requests
from pytestqt.qtbot import QtBot

from concierge.session.state import Step
from concierge_office.demo_fleet import DEMO_PASSWORD
from tests.ui.conftest import Harness, Office
from tests.ui.test_session_offline_demo import (
    admin,
    open_first_session,
    settle,
    sync_until_clean,
)
from ui.board.model import Column
from ui.main_window import MainWindow
from ui.session import SessionWindow

pytestmark = [pytest.mark.qt, pytest.mark.keyring]


def _open(harness: Harness, office: Office, qtbot: QtBot) -> tuple[MainWindow, SessionWindow]:
    window, w = open_first_session(harness, office, qtbot)
    assert w.engine is not None
    w.engine.set_comment("Door rollers cleaned; the motor needs a specialist")
    w.engine.ask_help("handover", "Motor needs a specialist", "Called to an emergency")
    settle(qtbot, w)
    sync_until_clean(qtbot, window)
    return window, w


def _accept(office: Office, session_id: str) -> None:
    ben = requests.post(f"{office.url}/v1/auth/login", timeout=10,
                        json={"username": "ben", "password": DEMO_PASSWORD}).json()["user"]
    with admin(office) as office_admin:
        [item] = [h for h in office_admin.get(f"{office.url}/v1/admin/serve/help",
                                              timeout=10).json()
                  if h["session_id"] == session_id]
        reply = office_admin.post(f"{office.url}/v1/admin/serve/help/{item['id']}/answer",
                                  json={"accepted": True, "answer": "Ben takes it over",
                                        "helper": ben["id"]}, timeout=10)
    assert reply.status_code == 200, reply.text


def _board_status(window: MainWindow, visit_id: str) -> str:
    model = window.board.model
    return str(model.data(model.index(model.row_of(visit_id), Column.STATUS)))


def test_the_session_turns_read_only_when_the_hand_over_is_accepted(
        harness: Harness, office: Office, qtbot: QtBot) -> None:
    window, w = _open(harness, office, qtbot)
    assert w.engine is not None
    assert not w.not_ours.isVisibleTo(w) and w.welcome.isEnabled()
    _accept(office, w.engine.id)
    sync_until_clean(qtbot, window)

    qtbot.waitUntil(lambda: w.not_ours.isVisibleTo(w), timeout=10_000)
    assert w.not_ours.text().startswith("Handed over to Ben Okafor")
    assert w.not_ours.text().endswith("your notes went with it.")
    assert not w.welcome.isEnabled() and not w.optimise.isEnabled()
    assert w.saved.text() == "Handed over: read-only"
    w.go(Step.REPORT)
    finish = w.finish
    assert finish.complete_button.isVisibleTo(w) and not finish.complete_button.isEnabled()
    assert "handed over to a colleague" in finish.complete_button.toolTip()
    assert "handed over to a colleague, who completes it" in finish.missing.text()
    visit_id = w.visit_id
    qtbot.waitUntil(lambda: _board_status(window, visit_id) == "Handed over", timeout=10_000)
    assert window.board.model.withdrawals[visit_id].code == "handed_over"
    assert window.ctx.store.status().pending_ops == 0  # looking around saved nothing


def test_a_completion_before_the_laptop_learns_of_the_hand_over_is_kept_and_explained(
        harness: Harness, office: Office, qtbot: QtBot) -> None:
    window, w = _open(harness, office, qtbot)
    e = w.engine
    assert e is not None
    _accept(office, e.id)  # the laptop does not know yet: it has not synced since
    for item in e.doc.checklist:
        if item.required and e.doc.result(item.id).status == "open":
            e.skip(item.id, "Left for the colleague")
    e.set_presence(False, [])
    e.sign_off("Ana")
    w.go(Step.REPORT)
    with qtbot.waitSignal(w.finish.completed, timeout=30_000):
        w.finish.complete_button.click()
    assert e.completed  # the sync it starts brings the office's answer
    sync_until_clean(qtbot, window)

    qtbot.waitUntil(lambda: w.not_ours.isVisibleTo(w), timeout=10_000)
    assert "You completed it after the hand-over" in w.not_ours.text()
    assert not e.completed and e.doc.report is not None  # the work kept, not the completion
    assert not w.finish.complete_button.isEnabled()
    qtbot.waitUntil(lambda: _board_status(window, w.visit_id) == "Handed over",
                    timeout=10_000)
