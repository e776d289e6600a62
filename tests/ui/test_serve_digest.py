"""#19.3/#19.4 on the laptop: praise and good ratings reach the technician who earned them,
their follow-ups show (open, owner, due), and the office's "did it hold" checks show to the
next technician at the site; fetched with a sync, shown offline, only their own customers.

Real back office over HTTP on 127.0.0.1, real store, real keyring (scripts/test-session.sh).
"""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from concierge.settings import Settings
from concierge.sync.digest import cached_digest
from concierge_office import db
from concierge_office.db import Database
from concierge_office.serve import held_checks, serve_tasks
from tests.ui.conftest import Harness, Office
from tests.ui.test_session_offline_demo import sync_until_clean

pytestmark = [pytest.mark.qt, pytest.mark.keyring]


def seed(office: Office, visit_id: str) -> None:
    """What the office's tracked items would hold after some visits: praise and a
    follow-up for this technician's visit, a call-back of another technician's, and the
    7-day checks at this visit's site and at a site of someone else's."""
    database = Database(office.database_url)
    now = time.time()
    try:
        with database.write() as conn:
            mine = conn.execute(select(db.visits).where(db.visits.c.id == visit_id)).one()
            other = conn.execute(select(db.visits).where(
                db.visits.c.technician_id != mine.technician_id,
                db.visits.c.site_id != mine.site_id)).first()
            assert other is not None
            base = {"session_id": "ses-x", "status": "open", "version": 1, "history": [],
                    "created_at": now, "updated_at": now, "due_at": now + 86_400 * 14}
            for ident, visit, kind, title, detail in (
                    ("praise:1", mine, "praise", "The customer rated your visit 5/5",
                     {"rating": 5, "comment": "Lovely work on the doors"}),
                    ("wish:1", mine, "wish_follow_up", "Quieter doors", {}),
                    ("callback:2", other, "call_back", "Call back someone else's", {})):
                conn.execute(serve_tasks.insert().values(
                    id=ident, kind=kind, site_id=visit.site_id, visit_id=visit.id,
                    technician_id=visit.technician_id, owner=visit.technician_id,
                    title=title, detail=detail, **base))
            for ident, visit, verdict in (("h1", mine, "regressed"), ("h2", other, "held")):
                conn.execute(held_checks.insert().values(
                    id=ident, session_id="ses-x", visit_id=visit.id, site_id=visit.site_id,
                    technician_id=visit.technician_id, asset_id=visit.asset_ids[0],
                    kpi="door_cycle_time", day=7, before=5.0, after=4.0, since=6.0,
                    verdict=verdict, insight_id=None, checked_at=now))
    finally:
        database.dispose()


def texts(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_praise_follow_ups_and_did_it_hold_reach_the_technician_offline(
        harness: Harness, office: Office, qtbot: QtBot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = next(r.id for r in window.board.model.rows() if r.asset_count)
    seed(office, visit_id)
    sync_until_clean(qtbot, window)  # the digest is fetched after it, in the background
    qtbot.waitUntil(lambda: len(cached_digest(window.ctx.store).tasks) == 2, timeout=20_000)

    office.stop()  # offline from here: the kept digest is what shows
    with qtbot.waitSignal(window.digest.opened, timeout=10_000) as opened:
        window.digest_action.trigger()
    dialog = opened.args[0]
    praise = texts(dialog.praise)
    assert [row[2:] for row in praise] == [["5 / 5", "Lovely work on the doors"]]
    follow = texts(dialog.follow_ups)
    assert [row[0] for row in follow] == ["Quieter doors"]  # not another technician's
    assert follow[0][2] == "open" and follow[0][4]  # status, due
    assert follow[0][3] == "You"  # the owner by who they are, never an account id
    held = texts(dialog.held)
    assert [(row[2], row[4]) for row in held] == [("Door cycle time", "regressed")]
    assert "(" in held[0][1]  # the asset by model and serial, not its id
    dialog.close()

    window.open_visit(visit_id)
    qtbot.waitUntil(lambda: window.detail is not None
                    and window.detail.bundle.visit.id == visit_id, timeout=10_000)
    card = window.detail.findChild(object, "heldChecks")
    assert card is not None and "7 days after the visit: regressed" in card.text()
    assert "door_cycle_time" not in card.text()  # the KPI by its name, not its key
