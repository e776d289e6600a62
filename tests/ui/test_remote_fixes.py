"""Resolved behind the scenes: from the board (View menu, Ctrl+Shift+R) the technician
lists what the office fixed remotely at their customers, offline, from the local store;
the customer's next visit shows it too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFrame, QLabel
from pytestqt.qtbot import QtBot

from concierge.protocol.schemas import Change, PullResponse, RemoteAttempt
from concierge.store import Store
from tests.core.session_factories import NOW, seeded_store, site
from tests.ui.conftest import Harness
from ui.format import place_text
from ui.remote_fixes import RemoteFixesDialog
from ui.tasks import TaskManager
from ui.visit.data import VisitBundle, load_bundle
from ui.visit.detail import VisitDetail

pytestmark = pytest.mark.qt


def at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def fix(asset_id: str, t: float, *, note: str = "") -> RemoteAttempt:
    return RemoteAttempt(
        decision_key=f"i-{asset_id}-{t}:elevator-door-recalibrate", insight_id=f"i-{asset_id}",
        asset_id=asset_id, action="elevator-door-recalibrate",
        command="door_operator.recalibrate", command_id="cmd-1", command_state="fixed",
        safety="automatic", result="fixed", metric="door_cycle_time", direction="down",
        decided_at=at(t - 600), sent_at=at(t - 590), acked_at=at(t - 580), concluded_at=at(t),
        baseline=5.5, observed=4.2, customer_note=note)


def add_fixes(store: Store, fixes: list[RemoteAttempt]) -> None:
    """The sync brings the customer's site again, with its remote fixes."""
    data = site().model_copy(update={"version": 2, "remote_fixes": fixes})
    store.replication.apply_page(PullResponse(changes=[Change.model_validate(
        {"entity": "site", "id": "site-1", "seq": 60, "version": 2,
         "data": data.model_dump(mode="json")})], cursor="c3", has_more=False),
        report_urgent=False)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = seeded_store(tmp_path, n_assets=2)
    add_fixes(s, [fix("e1", NOW - 86_400, note="We recalibrated your lift doors remotely."),
                  fix("e2", NOW - 3600), fix("e7", NOW - 7200)])  # e7: not on this laptop
    yield s
    s.close()


def test_the_store_lists_fixes_newest_first_with_their_asset(store: Store) -> None:
    rows = store.remote_fixes(now=NOW)
    assert [(f.asset_id, a.id if a else None) for _s, f, a in rows] == [
        ("e2", "e2"), ("e7", None), ("e1", "e1")]
    assert {s.id for s, _f, _a in rows} == {"site-1"}
    # A site not synced for months still lists old fixes: the list keeps 90 days.
    assert [f.asset_id for _s, f, _a in store.remote_fixes(now=NOW + 89.5 * 86_400)] == [
        "e2", "e7"]


def test_the_list_says_what_when_and_what_verified_it(qtbot: QtBot, store: Store) -> None:
    dialog = RemoteFixesDialog()
    qtbot.addWidget(dialog)
    dialog.set_fixes(store.remote_fixes(now=NOW))
    tree = dialog.tree
    assert tree.topLevelItemCount() == 3
    first = tree.topLevelItem(0)
    columns = [first.text(c) for c in range(tree.columnCount())]
    assert columns[3] == "Door operator recalibration"
    assert columns[4] == "Door cycle time: 5.5 s before, 4.2 s after"
    assert columns[2].endswith(")")  # model (serial)
    last = tree.topLevelItem(2)
    assert "Told the customer: We recalibrated your lift doors remotely." in last.toolTip(0)
    assert dialog.intro.text().startswith("3 problems the office resolved remotely")
    dialog.set_fixes([])
    assert tree.topLevelItemCount() == 0
    assert dialog.intro.text().startswith("Nothing was resolved remotely")


def test_the_customers_next_visit_shows_what_was_resolved_there(
        qtbot: QtBot, tasks: TaskManager, store: Store) -> None:
    bundles: list[VisitBundle] = []
    with qtbot.waitSignal(tasks.finished_all, timeout=10_000):
        tasks.db(lambda: load_bundle(store, "visit-1", now=NOW)).success(bundles.append).run()
    detail = VisitDetail(bundles[0], open_address=lambda _site: None)
    qtbot.addWidget(detail)
    card = detail.findChild(QFrame, "remoteFixesCard")
    assert card is not None
    rows = [w.text() for w in card.findChildren(QLabel, "remoteFixRow")]
    assert len(rows) == 3
    assert "Door operator recalibration on" in rows[0]
    assert "verified by telemetry (Door cycle time: 5.5 s before, 4.2 s after)" in rows[0]


def test_reachable_from_the_board_offline(qtbot: QtBot, harness: Harness) -> None:
    window = harness.window()
    store = window.ctx.store
    assert store is not None
    assert window.ctx.sync is None  # signed out: no office to ask, only the local store
    add_fixes(store, [fix("e1", time.time() - 3600)])
    assert window.remote_fixes_action.shortcut().toString() == "Ctrl+Shift+R"
    window.remote_fixes_action.trigger()
    dialog = window._dialogs["remote_fixes"]
    assert isinstance(dialog, RemoteFixesDialog)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    assert dialog.tree.topLevelItem(0).text(1) == place_text("Acme Housing", "Tower A")
    assert dialog.tree.accessibleName()
    dialog.close()
