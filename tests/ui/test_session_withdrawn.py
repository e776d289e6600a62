"""A visit the office withdrew while its session is open: once the laptop learns it by
sync, the session window is read-only with a banner saying what the office did and that the
work was kept and sent, and Complete is disabled with the reason. Completed offline before
the withdrawal arrived: the banner says the completion did not stand, but the work was sent.

Real back office over HTTP on 127.0.0.1, real store, real keyring (scripts/test-session.sh).
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from concierge.session.state import Step
from tests.ui.conftest import Harness, Office
from tests.ui.test_session_offline_demo import (
    admin,
    open_first_session,
    settle,
    sync_until_clean,
)
from ui.main_window import MainWindow
from ui.session import SessionWindow

pytestmark = [pytest.mark.qt, pytest.mark.keyring]


def _open(harness: Harness, office: Office, qtbot: QtBot) -> tuple[MainWindow, SessionWindow]:
    window, w = open_first_session(harness, office, qtbot)
    assert w.engine is not None
    w.engine.set_comment("Door rollers cleaned before the office's message")
    settle(qtbot, w)
    return window, w


def _cancel(office: Office, visit_id: str) -> None:
    with admin(office) as office_admin:
        reply = office_admin.patch(f"{office.url}/v1/admin/visits/{visit_id}", timeout=10,
                                   json={"status": "cancelled",
                                         "withdrawal_note": "Customer called it off"})
    assert reply.status_code == 200, reply.text


def test_the_session_turns_read_only_when_the_office_cancels_the_visit(
        harness: Harness, office: Office, qtbot: QtBot) -> None:
    window, w = _open(harness, office, qtbot)
    sync_until_clean(qtbot, window)
    assert not w.not_ours.isVisibleTo(w) and w.welcome.isEnabled()
    _cancel(office, w.visit_id)
    sync_until_clean(qtbot, window)

    qtbot.waitUntil(lambda: w.not_ours.isVisibleTo(w), timeout=10_000)
    text = w.not_ours.text()
    assert text.startswith("Cancelled by the office at ")
    assert "your notes were kept and sent to the office" in text.lower()
    assert "Customer called it off" in text
    assert not w.welcome.isEnabled() and not w.optimise.isEnabled()
    assert w.saved.text() == "Withdrawn by the office: read-only"
    w.go(Step.REPORT)
    finish = w.finish
    assert finish.complete_button.isVisibleTo(w) and not finish.complete_button.isEnabled()
    assert "office withdrew this visit" in finish.complete_button.toolTip()
    assert "the office withdrew the visit" in finish.missing.text()
    assert window.ctx.store.status().pending_ops == 0  # looking around saved nothing


def test_a_completion_before_the_laptop_learns_of_the_withdrawal_is_sent_and_explained(
        harness: Harness, office: Office, qtbot: QtBot) -> None:
    window, w = _open(harness, office, qtbot)
    e = w.engine
    assert e is not None
    sync_until_clean(qtbot, window)
    _cancel(office, w.visit_id)  # the laptop does not know yet: it has not synced since
    for item in e.doc.checklist:
        if item.required and e.doc.result(item.id).status == "open":
            e.skip(item.id, "Customer not there")
    e.set_presence(False, [])
    e.sign_off("Ana")
    w.go(Step.REPORT)
    with qtbot.waitSignal(w.finish.completed, timeout=30_000):
        w.finish.complete_button.click()
    assert e.completed  # the sync it starts brings the office's answer
    sync_until_clean(qtbot, window)

    qtbot.waitUntil(lambda: w.not_ours.isVisibleTo(w), timeout=10_000)
    qtbot.waitUntil(lambda: "completion did not stand" in w.not_ours.text(), timeout=10_000)
    assert "notes and report were kept and sent to the office" in w.not_ours.text()
    assert not e.completed and e.doc.report is not None  # the work kept, not the completion
    assert not w.finish.complete_button.isEnabled()
    assert not window.ctx.store.rejected_ops()  # nothing in "needs attention"
