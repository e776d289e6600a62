"""The sync cycle against a real back office: push, pull, conflicts, refusals, resets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from concierge.store import Store
from tests.sync.conftest import Laptop, Office, local_visits


def _first_visit(store: Store, status: str = "scheduled") -> str:
    return next(r.id for r in store.visit_rows() if r.status == status)


def test_initial_sync_brings_everything_a_visit_needs(laptop: Laptop, office: Office) -> None:
    result = laptop.sync()
    assert result.ok, result.error
    store = laptop.store
    rows = store.visit_rows()
    assert rows and all(r.offline_ready for r in rows)
    assert local_visits(store) == office.server_visits("ana")
    visit = rows[0]
    assert store.site(visit.site_id) is not None
    assets = store.assets_for_visit(visit.id)
    assert len(assets) == visit.asset_count
    assert store.template_for(assets[0].kind) is not None
    metric = store.metrics_for_asset(assets[0].id)[0]
    window = store.telemetry(assets[0].id, metric)
    assert len(window) > 24 and (window.t[1:] > window.t[:-1]).all()
    status = store.status()
    assert status.account == "ana" and status.cursor and status.last_error is None
    assert status.last_sync_at is not None and status.pending_ops == 0


def test_local_change_reaches_the_office_once(laptop: Laptop, office: Office) -> None:
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    laptop.store.update_visit(visit_id, technician_notes="Bring a ladder", status="in_progress")
    assert laptop.store.status().pending_ops == 1
    assert next(r for r in laptop.store.visit_rows() if r.id == visit_id).pending_changes
    result = laptop.sync()
    assert result.ok and result.pushed == 1
    server = office.server_visits("ana")[visit_id]
    assert server["technician_notes"] == "Bring a ladder" and server["status"] == "in_progress"
    assert local_visits(laptop.store)[visit_id] == server
    ops = office.admin_get("/admin/ops")["ops"]
    assert [op["applied_changes"] for op in ops] == [1]


def test_changes_to_one_visit_are_pushed_in_order(laptop: Laptop, office: Office) -> None:
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    for n in range(5):
        laptop.store.update_visit(visit_id, technician_notes=f"note {n}")
    assert laptop.sync().pushed == 5
    assert office.server_visits("ana")[visit_id]["technician_notes"] == "note 4"
    assert laptop.store.status().pending_ops == 0


def test_pulled_row_never_overwrites_pending_change(laptop: Laptop, office: Office) -> None:
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    laptop.store.update_visit(visit_id, technician_notes="mine")
    office.patch_visit(visit_id, office_notes="from the office")
    page = laptop.client.pull(laptop.store.replication.cursor(), 500)  # a pull without a push
    assert any(c.id == visit_id for c in page.changes)
    laptop.store.replication.apply_page(page, report_urgent=False)
    visit = laptop.store.visit(visit_id)
    assert visit is not None and visit.technician_notes == "mine"
    assert visit.office_notes != "from the office"  # parked until the change is acknowledged
    result = laptop.sync()
    assert result.conflicts == 1  # the office edit bumped the version first
    [conflict] = laptop.store.conflicts()
    assert conflict.server["office_notes"] == "from the office"
    assert conflict.local["technician_notes"] == "mine"
    assert conflict.fields_differing == ["technician_notes"]


@pytest.mark.parametrize("choice", ["mine", "theirs", "merge"])
def test_conflict_resolution_ends_in_the_expected_server_state(
    laptop: Laptop, office: Office, choice: str
) -> None:
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    office.patch_visit(visit_id, office_notes="Customer asked for mornings", status="proposed")
    laptop.store.update_visit(visit_id, technician_notes="Gate code 1234", status="in_progress")
    result = laptop.sync()
    assert result.ok and result.conflicts == 1
    row = next(r for r in laptop.store.visit_rows() if r.id == visit_id)
    assert row.has_conflict and laptop.store.status().conflicts == 1
    [conflict] = laptop.store.conflicts()
    assert conflict.local["technician_notes"] == "Gate code 1234"
    assert conflict.server["status"] == "proposed"
    assert set(conflict.fields_differing) == {"status", "technician_notes"}
    merged = {"technician_notes": "Gate code 1234", "status": "proposed"}
    laptop.store.resolve_conflict(conflict.id, choice, merged if choice == "merge" else None)  # type: ignore[arg-type]
    assert laptop.sync().ok
    server = office.server_visits("ana")[visit_id]
    expected = {
        "mine": ("Gate code 1234", "in_progress"),
        "theirs": ("", "proposed"),
        "merge": ("Gate code 1234", "proposed"),
    }[choice]
    assert (server["technician_notes"], server["status"]) == expected
    assert server["office_notes"] == "Customer asked for mornings"
    assert local_visits(laptop.store)[visit_id] == server
    assert laptop.store.conflicts() == [] and laptop.store.status().pending_ops == 0


def test_refused_change_is_listed_and_the_local_view_reverts(
    laptop: Laptop, office: Office
) -> None:
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    laptop.store.update_visit(visit_id, status="completed")  # scheduled → completed is refused
    result = laptop.sync()
    assert result.ok and result.rejected == 1
    [refused] = laptop.store.rejected_ops()
    assert refused.code == "invalid_transition" and "cannot go" in refused.reason
    assert refused.payload == {"status": "completed"} and refused.entity_id == visit_id
    assert laptop.store.visit(visit_id).status == "scheduled"  # type: ignore[union-attr]
    assert laptop.store.status().rejected == 1
    laptop.store.dismiss_rejected(refused.op_id)
    assert laptop.store.rejected_ops() == []


def test_office_cancellation_keeps_the_visit_marked_withdrawn(laptop: Laptop,
                                                              office: Office) -> None:
    """#16: a visit the office takes away stays on the laptop, marked, never vanishes."""
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    before = datetime.now(UTC)
    office.patch_visit(visit_id, status="cancelled", withdrawal_note="Customer closed the site")
    assert laptop.sync().ok
    assert laptop.store.visit(visit_id) is not None
    [withdrawn] = laptop.store.withdrawn_visits().values()
    assert withdrawn.visit_id == visit_id
    assert (withdrawn.code, withdrawn.note) == ("cancelled", "Customer closed the site")
    assert withdrawn.at is not None and withdrawn.at >= before.replace(microsecond=0)
    kept = local_visits(laptop.store)
    kept.pop(visit_id)
    assert kept == office.server_visits("ana")


def test_a_reassigned_visit_carries_the_office_note_as_its_reason(laptop: Laptop,
                                                                   office: Office) -> None:
    """#16 item 3: the reason reaches the laptop; the office's notes are the default note."""
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    office.patch_visit(visit_id, technician_id="tech-ben", office_notes="Ben has the part")
    assert laptop.sync().ok
    withdrawn = laptop.store.withdrawn_visits()[visit_id]
    assert (withdrawn.code, withdrawn.note) == ("reassigned", "Ben has the part")
    office.patch_visit(visit_id, technician_id="tech-ana")  # given back: no longer withdrawn
    assert laptop.sync().ok
    assert visit_id not in laptop.store.withdrawn_visits()


def test_an_older_client_gets_no_withdrawal_reason(laptop: Laptop, office: Office) -> None:
    """Additive: a client that does not ask for reasons gets the tombstone as before."""
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    cursor = laptop.store.status().cursor
    office.patch_visit(visit_id, status="cancelled")
    with office.session("ana") as session:
        reply = session.get(f"{office.url}/v1/sync/changes", params={"cursor": cursor},
                            timeout=10)
    reply.raise_for_status()
    [tombstone] = [c for c in reply.json()["changes"] if c["id"] == visit_id]
    assert tombstone["deleted"] is True and "withdrawal" not in tombstone
    assert "scope" not in reply.json()


def test_session_with_attachment_is_uploaded_first(laptop: Laptop, office: Office) -> None:
    laptop.sync()
    visit_id = _first_visit(laptop.store)
    photo = laptop.store.add_attachment(b"\x89PNG fake photo", "image/png", "door.png")
    assert laptop.store.add_attachment(b"\x89PNG fake photo", "image/png") == photo
    assert laptop.store.attachment_path(photo).read_bytes() == b"\x89PNG fake photo"
    record = {
        "id": f"ses-{visit_id}", "visit_id": visit_id, "status": "in_progress", "step": "wishes",
        "data": {"wishes": ["quiet"]}, "attachments": [photo],
        "started_at": datetime(2026, 1, 1, 8, tzinfo=UTC), "completed_at": None,
    }
    laptop.store.save_session(record)
    laptop.store.save_session({**record, "step": "checklist"})
    assert laptop.store.status().pending_ops == 1  # coalesced
    assert laptop.sync().pushed == 1
    server = office.admin_get(f"/admin/sessions/ses-{visit_id}")
    assert server["step"] == "checklist" and server["attachments"] == [photo]
    loaded = laptop.store.load_session(visit_id)
    assert loaded is not None and loaded["version"] == 1 and loaded["step"] == "checklist"
    laptop.store.save_session({**record, "status": "completed", "step": "report",
                               "completed_at": datetime(2026, 1, 1, 10, tzinfo=UTC)})
    assert laptop.sync().ok
    assert laptop.store.visit(visit_id).status == "completed"  # type: ignore[union-attr]
    assert laptop.store.load_session(visit_id)["version"] == 2  # type: ignore[index]


def test_reset_required_resnapshots_and_keeps_the_outbox(
    office_factory: Callable[..., Office], laptop_factory: Callable[..., Laptop]
) -> None:
    office = office_factory(tombstone_retention_seconds=0.0)
    laptop = laptop_factory(office)
    laptop.sync()
    visits = sorted(r.id for r in laptop.store.visit_rows() if r.status == "scheduled")
    office.patch_visit(visits[0], status="cancelled")  # a tombstone, purged right away
    assert office.server is not None and office.server.service.purge() > 0
    laptop.store.update_visit(visits[1], technician_notes="kept through the reset")
    result = laptop.sync()
    assert result.ok, result.error
    assert laptop.store.visit(visits[0]) is None
    assert local_visits(laptop.store) == office.server_visits("ana")
    assert office.server_visits("ana")[visits[1]]["technician_notes"] == "kept through the reset"
