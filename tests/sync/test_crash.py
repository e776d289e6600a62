"""Crash safety: kill -9 `concierge sync --once` at many points of push and pull."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concierge.store import Store
from tests.sync.cli_helpers import concierge, status, sync_killed_when, sync_until
from tests.sync.conftest import BULK_TECH, Office, local_visits
from tests.sync.proxy import FaultProxy

pytestmark = pytest.mark.keyring

CHANGES = 220


def _queue_changes_offline(data_dir: Path) -> dict[str, str]:
    """≥200 changes on 40 visits (and two sessions); returns each visit's last note."""
    last: dict[str, str] = {}
    folder = data_dir / "data"
    with Store.open(folder / "concierge.sqlite3", folder / "attachments") as store:
        visits = sorted(r.id for r in store.visit_rows())[:40]
        for n in range(CHANGES):
            visit_id = visits[n % len(visits)]
            last[visit_id] = f"change {n}"
            store.update_visit(visit_id, technician_notes=last[visit_id])
        for visit_id in visits[:2]:
            for step in ("wishes", "baseline", "checklist"):
                store.save_session({
                    "id": f"ses-{visit_id}", "visit_id": visit_id, "status": "in_progress",
                    "step": step, "data": {"step": step}, "attachments": [],
                    "started_at": datetime(2026, 1, 1, tzinfo=UTC), "completed_at": None,
                })
        assert store.status().pending_ops == CHANGES + 2
    return last


def _kill_while_reply_is_held(proxy: FaultProxy, data: Path, path: str, *args: str) -> bool:
    """The server has done the work; the app dies before it hears back."""
    proxy.held.clear()
    proxy.release.clear()
    proxy.hold_path = path
    try:
        return sync_killed_when(data, proxy.held, *args)
    finally:
        proxy.hold_path = None
        proxy.release.set()


def test_kill_9_anywhere_loses_and_duplicates_nothing(office: Office, tmp_path: Path) -> None:
    proxy = FaultProxy(office.url)
    try:
        _crash_and_recover(office, proxy, tmp_path / "cli")
    finally:
        proxy.close()


def _crash_and_recover(office: Office, proxy: FaultProxy, data: Path) -> None:
    concierge(data, "login", "--server", proxy.url, "--user", BULK_TECH)
    concierge(data, "sync", "--once")
    last_note = _queue_changes_offline(data)
    later = sorted(set(office.server_visits(BULK_TECH)) - set(last_note))[:20]
    for visit_id in later:  # office edits, so the pull has pages to crash in
        office.patch_visit(visit_id, office_notes="office edit")

    small = ("--batch-size", "10", "--page-size", "2")
    kills = Counter[str]()
    for _ in range(6):  # batch applied by the server, reply not yet received
        if _kill_while_reply_is_held(proxy, data, "/v1/sync/push", *small):
            kills["push"] += 1
    for _ in range(8):  # just after a batch's results were stored
        if sync_until(data, lambda p: p["phase"] == "push" and p["done"] > 0, *small):
            kills["push"] += 1
    for pages in (1, 2, 1, 3, 1, 2):  # just after a page was applied
        if sync_until(data, lambda p, n=pages: p["phase"] == "pull" and p["done"] >= 2 * n, *small):
            kills["pull"] += 1
    for _ in range(3):  # page served, never received
        if _kill_while_reply_is_held(proxy, data, "/v1/sync/changes", *small):
            kills["pull"] += 1
    assert kills["push"] >= 12 and kills["pull"] >= 8, kills
    concierge(data, "sync", "--once")

    state = status(data)
    assert state["pending_ops"] == 0 and state["conflicts"] == 0 and state["rejected"] == 0
    ops = office.admin_get("/admin/ops")["ops"]
    assert len(ops) == CHANGES + 2
    assert all(op["status"] == "applied" and op["applied_changes"] == 1 for op in ops)
    assert any(op["deliveries"] > 1 for op in ops)  # some were resent after a kill
    server = office.server_visits(BULK_TECH)
    with Store.open(data / "data" / "concierge.sqlite3", data / "data" / "attachments") as store:
        assert local_visits(store) == server
        sessions = [store.load_session(v) for v in sorted(last_note)[:2]]
    assert all(s is not None and s["step"] == "checklist" and s["version"] >= 1 for s in sessions)
    for visit_id, note in last_note.items():
        assert server[visit_id]["technician_notes"] == note
    assert all(server[v]["office_notes"] == "office edit" for v in later)
