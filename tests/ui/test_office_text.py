"""What the office words itself reads in German on a German laptop: the follow-ups'
titles and history in the digest, what the office told a customer after a remote fix, and
its note on a visit it resolved remotely. The customer's and office people's own words
stay as typed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from concierge.protocol.schemas import ServeDigest, ServeTask
from concierge.settings import Settings
from concierge.store import Store
from concierge.store.models import WithdrawnVisit
from concierge.sync.digest import cached_digest, keep_digest
from concierge_office import db
from concierge_office.db import Database
from concierge_office.devices.playbooks import load_playbooks
from concierge_office.devices.remote import _customer_note
from concierge_office.serve import serve_tasks, task_out, tasks_for_session
from tests.core.session_factories import NOW, seeded_store
from tests.ui.conftest import Harness, Office
from tests.ui.test_remote_fixes import add_fixes, at, fix
from tests.ui.test_session_offline_demo import sync_until_clean
from ui.remote_fixes import RemoteFixesDialog, site_fixes_card
from ui.serve.digest import DigestDialog, digest_rows
from ui.tasks import TaskManager
from ui.visit.data import VisitBundle, load_bundle
from ui.visit.detail import VisitDetail

pytestmark = pytest.mark.qt


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = seeded_store(tmp_path, n_assets=2)
    yield s
    s.close()


def office_tasks(rating: int, comment: str, wishes: list[dict[str, str]]) -> list[ServeTask]:
    """The items the office opens for a completed session, as it serves them."""
    visit = SimpleNamespace(id="visit-1", site_id="site-1", technician_id="tech-1")
    session = SimpleNamespace(id=f"ses-{rating}", completed_at=at(NOW), data={
        "wishes": {"items": wishes}, "rating": rating, "comment": comment})
    return [ServeTask.model_validate(task_out(SimpleNamespace(**row)))
            for row in tasks_for_session(visit, session, NOW)]


def test_the_digests_follow_ups_and_their_history_read_in_german(
        qtbot: QtBot, store: Store, german: Callable[[str], None]) -> None:
    tasks = office_tasks(2, "Too loud", [
        {"id": "w-1", "text": "Quieter doors", "answer": "not_yet"},
        {"id": "w-2", "text": "Brighter cabin", "answer": "partly"}])
    keep_digest(store, ServeDigest(tasks=tasks, held=[]))
    rows = digest_rows(store)
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = DigestDialog(parent, rows)
    table = dialog.follow_ups
    titles = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert "Den Kunden zurückrufen: bewertet mit 2/5; noch nicht: Quieter doors" in titles
    assert {"Quieter doors", "Brighter cabin"} <= set(titles)  # the customer's wishes
    tips = {table.item(r, 0).text(): table.item(r, 3).toolTip() for r in range(table.rowCount())}
    assert tips["Quieter doors"].endswith(
        "offen · eröffnet: Der Kunde hat diesen Wunsch nicht als erfüllt bezeichnet")
    call_back = tips["Den Kunden zurückrufen: bewertet mit 2/5; noch nicht: Quieter doors"]
    assert call_back.endswith("offen · eröffnet: bewertet mit 2/5; noch nicht: Quieter doors")
    assert "opened" not in " ".join(tips.values())


def test_what_the_customer_was_told_reads_in_german(
        qtbot: QtBot, store: Store, tasks: TaskManager, german: Callable[[str], None]) -> None:
    playbook = load_playbooks().by_id("elevator-door-recalibrate")
    told = _customer_note(playbook, NOW - 3600, 4.2)  # the office's own words
    add_fixes(store, [fix("e1", NOW - 3600, note=told)])
    dialog = RemoteFixesDialog()
    qtbot.addWidget(dialog)
    dialog.set_fixes(store.remote_fixes(now=NOW))
    tip = dialog.tree.topLevelItem(0).toolTip(0)
    assert "Dem Kunden mitgeteilt: Wir haben bemerkt, dass die Aufzugstüren langsamer " \
           "schließen" in tip
    assert "4,2 s" in tip and "UTC" not in tip and "Nothing for you to do" not in tip

    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-1", now=NOW)).success(bundles.append).run()
    card = site_fixes_card(bundles[0].site, bundles[0].assets)
    assert card is not None
    card.setParent(parent := QWidget())
    qtbot.addWidget(parent)
    [row] = card.findChildren(QLabel, "remoteFixRow")
    assert row.toolTip().endswith("Sie müssen nichts tun.")


def test_the_office_words_on_a_visit_resolved_remotely_read_in_german(
        qtbot: QtBot, store: Store, tasks: TaskManager, german: Callable[[str], None]) -> None:
    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-1", now=NOW)).success(bundles.append).run()
    reason = WithdrawnVisit("visit-1", "resolved_remotely",
                            "door_cycle_time 6.20 -> 4.10: fixed remotely", at(time.time()))
    detail = VisitDetail(dataclasses.replace(bundles[0], withdrawn=True, withdrawal=reason),
                         open_address=lambda _site: None)
    qtbot.addWidget(detail)
    banner = detail.findChild(QLabel, "visitStateBanner")
    assert banner is not None
    assert banner.text().endswith("aus der Ferne behoben: Ein Einsatz ist nicht nötig. "
                                  "Notiz vom Innendienst: Türzykluszeit: vorher 6,2 s, "
                                  "nachher 4,1 s")
    assert "door_cycle_time" not in banner.text()
    typed = dataclasses.replace(reason, note="Kunde hat selbst neu gestartet")  # a person's
    other = VisitDetail(dataclasses.replace(bundles[0], withdrawn=True, withdrawal=typed),
                        open_address=lambda _site: None)
    qtbot.addWidget(other)
    assert "Notiz vom Innendienst: Kunde hat selbst neu gestartet" in other.findChild(
        QLabel, "visitStateBanner").text()


@pytest.mark.keyring
def test_the_offices_items_reach_a_german_laptop_in_german(
        harness: Harness, office: Office, qtbot: QtBot, german: Callable[[str], None]) -> None:
    """The round trip: items the office opened for a session, served over HTTP, kept on
    the laptop, read offline in German."""
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    visit_id = next(r.id for r in window.board.model.rows() if r.asset_count)
    database = Database(office.database_url)
    try:
        with database.write() as conn:
            visit = conn.execute(select(db.visits).where(db.visits.c.id == visit_id)).one()
            session = SimpleNamespace(id="ses-de", completed_at=at(time.time()), data={
                "rating": 3, "comment": "", "wishes": {"items": [
                    {"id": "w-1", "text": "Leisere Türen", "answer": "not_yet"}]}})
            for row in tasks_for_session(visit, session, time.time()):
                conn.execute(serve_tasks.insert().values(**row))
    finally:
        database.dispose()
    sync_until_clean(qtbot, window)
    qtbot.waitUntil(lambda: len(cached_digest(window.ctx.store).tasks) == 2, timeout=20_000)

    office.stop()
    with qtbot.waitSignal(window.digest.opened, timeout=10_000) as opened:
        window.digest_action.trigger()
    table = opened.args[0].follow_ups
    titles = sorted(table.item(r, 0).text() for r in range(table.rowCount()))
    assert titles == ["Den Kunden zurückrufen: bewertet mit 3/5; noch nicht: Leisere Türen",
                      "Leisere Türen"]
    opened.args[0].close()


def test_a_help_request_reads_in_german_with_the_words_as_typed(
        german: Callable[[str], None]) -> None:
    from concierge.session.model import HelpRequest
    from ui.serve.help import help_text

    request = HelpRequest(id="h-1", kind="expert", note="Motor brummt", status="accepted",
                          answer="Frau Roth ruft Sie an", helper="Eva Roth", at=at(NOW))
    assert help_text(request) == ("Ein Experte · „Motor brummt“ · vom Innendienst angenommen · "
                                  "mit Eva Roth · Frau Roth ruft Sie an")
