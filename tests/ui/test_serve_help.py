"""#19.2/#19.4 on the laptop with a real office: the site's contract (set by the office)
is the allowance the technician sees and spends; help asked from the field offline reaches
the office at the next sync, and the office's answer comes back as a change of the day
(listed and notified); an accepted hand-over moves the visit to the colleague.

Real back office over HTTP on 127.0.0.1, real store, real keyring (scripts/test-session.sh).
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from concierge.settings import Settings
from concierge_office import db
from concierge_office.db import Database
from tests.ui.conftest import Harness, Office
from tests.ui.test_session_offline_demo import admin, settle, sync_until_clean
from ui.session import SessionWindow

pytestmark = [pytest.mark.qt, pytest.mark.keyring]


def user_id(office: Office, login: str) -> str:
    database = Database(office.database_url)
    try:
        with database.read() as conn:
            return str(conn.execute(select(db.users.c.id).where(
                db.users.c.login == login)).scalar_one())
    finally:
        database.dispose()


def test_contract_allowance_and_help_from_the_field(
        harness: Harness, office: Office, qtbot: QtBot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    store = window.ctx.store
    visit_id = next(r.id for r in window.board.model.rows()
                    if r.status in ("proposed", "scheduled") and r.asset_count)
    site_id = store.visit(visit_id).site_id
    with admin(office) as office_admin:
        reply = office_admin.put(f"{office.url}/v1/admin/sites/{site_id}/contract", timeout=10,
                                 json={"name": "Gold", "office_phone": "+49 30 1234567",
                                       "allowance": {"minutes_per_visit": 10}})
        assert reply.status_code == 200, reply.text
    sync_until_clean(qtbot, window)
    qtbot.waitUntil(lambda: (s := store.site(site_id)) is not None and s.contract is not None,
                    timeout=10_000)

    window.open_session(visit_id)
    w: SessionWindow = window.session_windows[-1]
    qtbot.waitUntil(lambda: w.engine is not None and w.ready, timeout=20_000)
    gw = w.delight.goodwill
    assert "Gold" in gw.terms.text() and "10" in gw.terms.text()
    qtbot.keyClicks(gw.text, "Oil the garage door")
    qtbot.keyClicks(gw.minutes, "15")  # the standard allowance (30) would allow it
    gw.add.click()
    assert [r.status for r in w.engine.doc.goodwill] == ["pending"]

    assert not w.help.isVisible()
    w.help_button.click()
    assert w.help.isVisible()
    w.help.kind.setCurrentIndex(w.help.kind.findData("handover"))
    qtbot.keyClicks(w.help.note, "Cannot finish the door today")
    w.help.ask.click()
    assert w.engine.doc.help == [] and w.help.message.text()  # a hand-over needs a reason
    qtbot.keyClicks(w.help.reason, "Called to an emergency")
    w.help.ask.click()
    assert [(h.kind, h.status) for h in w.engine.doc.help] == [("handover", "pending")]
    assert "waiting for the office" in w.help.items.text()
    settle(qtbot, w)
    sync_until_clean(qtbot, window)

    ben = user_id(office, "ben")
    with admin(office) as office_admin:
        pending = office_admin.get(f"{office.url}/v1/admin/serve/help", timeout=10,
                                   params={"status": "pending"}).json()
        [asked] = [h for h in pending if h["visit_id"] == visit_id]
        assert (asked["kind"], asked["reason"]) == ("handover", "Called to an emergency")
        reply = office_admin.post(f"{office.url}/v1/admin/serve/help/{asked['id']}/answer",
                                  timeout=10, json={"accepted": True, "helper": ben,
                                                    "answer": "Ben is close by"})
        assert reply.status_code == 200, reply.text
    # before the laptop hears of it, one more change to the session (not sent yet)
    qtbot.keyClicks(gw.text, "Wipe the door sills")
    qtbot.keyClicks(gw.minutes, "5")
    gw.add.click()
    settle(qtbot, w)
    sync_until_clean(qtbot, window)
    qtbot.waitUntil(lambda: any(c.kind == "help" for c in window.day_changes), timeout=20_000)
    [told] = [c for c in window.day_changes if c.kind == "help"]
    assert "handed over to Ben Okafor. Your last changes went to the office" in told.text
    assert "Ben is close by" in told.text and ben not in told.text  # a name, no account id
    assert any("handed over to Ben Okafor" in text for _title, text in window.notifier.sent)
    assert store.rejected_ops() == []  # nothing in "needs attention"
    with admin(office) as office_admin:
        given = office_admin.get(f"{office.url}/v1/admin/serve/goodwill", timeout=10).json()
    assert "Wipe the door sills" in {g["text"] for g in given if g["visit_id"] == visit_id}
    assert window.changes_button.isVisibleTo(window)
    qtbot.waitUntil(lambda: w.engine.doc.help[0].status == "accepted", timeout=20_000)
    assert "accepted by the office" in w.help.items.text()
    assert visit_id in store.withdrawn_visits()  # the visit is Ben's now

    sync_until_clean(qtbot, window)  # told once
    assert len([c for c in window.day_changes if c.kind == "help"]) == 1
