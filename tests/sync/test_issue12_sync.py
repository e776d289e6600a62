"""Issue #12: sync survives poison input and stuck peers (client and office together)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from concierge.sync import SyncOptions
from tests.sync.conftest import Laptop, Office, local_visits


def test_12_1_first_sync_after_purge_completes(
    office_factory: Callable[..., Office], laptop_factory: Callable[..., Laptop]
) -> None:
    office = office_factory(tombstone_retention_seconds=0.0)
    visit_id = sorted(office.server_visits("ana"))[0]
    office.patch_visit(visit_id, status="cancelled")  # a tombstone, purged at once
    assert office.server is not None and office.server.service.purge() > 0
    laptop = laptop_factory(office, options=SyncOptions(page_size=3))  # a snapshot of many pages
    first = laptop.sync()
    assert first.ok, first.error
    assert local_visits(laptop.store) == office.server_visits("ana")
    again = laptop.sync()
    assert again.ok and again.pulled == 0, again.error


def test_12_2_a_pulled_record_the_app_cannot_read_is_set_aside(
    office: Office, laptop: Laptop
) -> None:
    """One unreadable record does not hold back the page: set aside, reported, cursor moves."""
    visits = sorted(office.server_visits("ana"))
    with sqlite3.connect(office.db_file) as db:  # an office record this app cannot read
        db.execute("UPDATE visits SET priority = 9 WHERE id = ?", (visits[0],))
    result = laptop.sync()
    assert result.ok, result.error
    assert result.set_aside == 1
    store = laptop.store
    assert store.visit(visits[0]) is None
    assert {r.id for r in store.visit_rows()} == set(visits[1:])
    [attention] = store.rejected_ops()
    assert attention.entity_id == visits[0] and attention.code == "unreadable_record"
    assert "priority" in attention.reason
    assert store.status().cursor is not None
    office.patch_visit(visits[1], office_notes="still flowing")
    again = laptop.sync()
    assert again.ok and again.pulled == 1 and again.set_aside == 0
    assert store.visit(visits[1]).office_notes == "still flowing"  # type: ignore[union-attr]


def _session(visit_id: str, **fields: object) -> dict[str, object]:
    return {"id": f"ses-{visit_id}", "visit_id": visit_id, "status": "in_progress",
            "step": "wishes", "data": {}, "attachments": [],
            "started_at": datetime(2026, 1, 1, tzinfo=UTC), "completed_at": None, **fields}


def test_12_2_the_store_refuses_what_the_office_could_not_serve_back(laptop: Laptop) -> None:
    """Checked where the person types it, so it never becomes a poisoned outbox op."""
    laptop.sync()
    store = laptop.store
    visit_id = store.visit_rows()[0].id
    far = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14)))
    with pytest.raises(ValueError, match="started_at"):
        store.save_session(_session(visit_id, started_at=far))
    with pytest.raises(ValueError, match=r"data\.wishes\.0\.text"):
        store.save_session(_session(visit_id, data={"wishes": [{"text": "\ud800"}]}))
    with pytest.raises(ValueError, match="technician_notes"):
        store.update_visit(visit_id, technician_notes="a\x00b")
    assert store.load_session(visit_id) is None and store.status().pending_ops == 0
