"""Pull by server cursor and push with per-mutation results."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from concierge.protocol import schemas
from concierge_office import records
from concierge_office.db import Database
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, demo_office, mutation
from tests.officedb import Template


def test_snapshot_holds_everything_the_technician_sees(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(office, "ana")
    changes, _ = ana.pull_all()
    by_entity = Counter(c["entity"] for c in changes)
    visits = ana.ok("GET", "/v1/visits")
    assert by_entity["visit"] == len(visits) >= 2
    ids = {(c["entity"], c["id"]) for c in changes}
    for visit in visits:
        assert ("site", visit["site_id"]) in ids
        assert all(("asset", a) in ids for a in visit["asset_ids"])
        assert all(("insight", i) in ids for i in visit["insight_ids"])
    assert by_entity["template"] >= 1
    assert not any(c["deleted"] for c in changes)
    assert all(c["data"]["id"] == c["id"] and c["data"]["version"] == c["version"] for c in changes)


def test_paging_is_gapless_and_monotonic(office: EmbeddedBackOffice, login: LoginFactory) -> None:
    ben = login(office, "ben")
    everything, final = ben.pull_all()
    paged, paged_final = ben.pull_all(limit=3)
    seqs = [c["seq"] for c in paged]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [(c["entity"], c["id"]) for c in paged] == [(c["entity"], c["id"]) for c in everything]
    assert paged_final == final
    nothing, again = ben.pull_all(final)
    assert nothing == [] and again == final


def test_push_applied_duplicate_conflict_and_rejected_do_not_block(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, office = login(fresh_office, "ana"), login(fresh_office, "office")
    first, second = ana.ok("GET", "/v1/visits")[:2]
    _, cursor = ana.pull_all()
    office.ok("PATCH", f"/v1/admin/visits/{second['id']}", json={"office_notes": "customer called"})
    ok = mutation(
        "visit",
        first["id"],
        first["version"],
        {"status": "in_progress", "technician_notes": "on my way"},
    )
    stale = mutation("visit", second["id"], second["version"], {"technician_notes": "mine"})
    bad_field = mutation("visit", first["id"], first["version"] + 1, {"priority": 1})
    unknown = mutation("visit", "no-such-visit", 1, {"technician_notes": "x"})
    later = mutation("visit", first["id"], first["version"] + 1, {"technician_notes": "arrived"})
    results = ana.push(ok, stale, bad_field, unknown, later)
    assert [r["status"] for r in results] == [
        "applied",
        "conflict",
        "rejected",
        "rejected",
        "applied",
    ]
    assert results[0]["version"] == first["version"] + 1
    assert results[1]["record"]["office_notes"] == "customer called"
    assert results[1]["version"] == second["version"] + 1
    assert results[2]["code"] == "forbidden_field" and results[3]["code"] == "not_found"
    assert results[4]["record"]["technician_notes"] == "arrived"
    # Re-sending returns the original results, and applies nothing twice.
    again = ana.push(ok, stale, later)
    assert [r["status"] for r in again] == ["duplicate", "conflict", "duplicate"]
    assert (
        again[0]["record"] == results[0]["record"] and again[0]["version"] == results[0]["version"]
    )
    ops = {
        o["op_id"]: o
        for o in office.ok("GET", "/v1/admin/ops", params={"technician": "tech-ana"})["ops"]
    }
    assert ops[ok["op_id"]]["applied_changes"] == 1 and ops[ok["op_id"]]["deliveries"] == 2
    assert ops[later["op_id"]]["applied_changes"] == 1
    assert ops[stale["op_id"]]["applied_changes"] == 0
    assert ana.ok("GET", f"/v1/visits/{first['id']}")["version"] == first["version"] + 2
    # The pull after the push carries both visits' new state.
    changes, _ = ana.pull_all(cursor)
    latest = {c["id"]: c for c in changes if c["entity"] == "visit"}
    assert latest[first["id"]]["version"] == first["version"] + 2
    assert latest[second["id"]]["data"]["office_notes"] == "customer called"


def test_invalid_transition_and_someone_elses_op_id(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben = login(fresh_office, "ana"), login(fresh_office, "ben")
    visit = ana.ok("GET", "/v1/visits")[0]
    jump = mutation("visit", visit["id"], visit["version"], {"status": "completed"})
    assert ana.push(jump)[0]["code"] == "invalid_transition"
    reused = dict(jump, entity_id=ben.ok("GET", "/v1/visits")[0]["id"])
    assert ben.push(reused)[0]["code"] == "op_id_reused"


def _session(visit_id: str, status: str, attachments: list[str] | None = None) -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {
        "visit_id": visit_id,
        "status": status,
        "step": "checklist",
        "data": {"kpis": {"snr": 35.5}},
        "attachments": attachments or [],
        "started_at": now,
        **({"completed_at": now} if status == "completed" else {}),
    }


def test_sessions_create_update_complete_the_visit(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, office = login(fresh_office, "ana"), login(fresh_office, "office")
    visit = ana.ok("GET", "/v1/visits")[0]
    session_id = str(uuid.uuid4())
    created = ana.push(mutation("session", session_id, None, _session(visit["id"], "in_progress")))[
        0
    ]
    assert created["status"] == "applied" and created["version"] == 1
    photo = "0" * 64
    missing = ana.push(
        mutation("session", session_id, 1, _session(visit["id"], "completed", [photo]))
    )[0]
    assert missing["status"] == "rejected" and missing["code"] == "attachment_missing"
    done = ana.push(mutation("session", session_id, 1, _session(visit["id"], "completed")))[0]
    assert done["status"] == "applied" and done["version"] == 2
    assert ana.ok("GET", f"/v1/visits/{visit['id']}")["status"] == "completed"
    stored = office.ok("GET", f"/v1/admin/sessions/{session_id}")
    assert stored["status"] == "completed" and stored["technician_id"] == "tech-ana"
    ben = login(fresh_office, "ben")
    foreign = ben.push(mutation("session", session_id, 2, _session(visit["id"], "completed")))[0]
    assert foreign["code"] == "not_found"


def test_completed_session_fills_an_empty_visit_outcome(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(fresh_office, "ana")
    first, second = ana.ok("GET", "/v1/visits")[:2]
    assert first["outcome"] in (None, "") and second["outcome"] in (None, "")
    # in progress: the outcome line waits for the completion
    session = _session(first["id"], "in_progress")
    session["data"] = {"outcome": "Replaced the door belt; cycle time normal again."}
    session_id = str(uuid.uuid4())
    assert ana.push(mutation("session", session_id, None, session))[0]["status"] == "applied"
    assert ana.ok("GET", f"/v1/visits/{first['id']}")["outcome"] in (None, "")
    done = {**session, "status": "completed", "completed_at": session["started_at"]}
    assert ana.push(mutation("session", session_id, 1, done))[0]["status"] == "applied"
    visit = ana.ok("GET", f"/v1/visits/{first['id']}")
    assert visit["status"] == "completed"
    assert visit["outcome"] == "Replaced the door belt; cycle time normal again."
    pulled = [c for c in ana.pull_all()[0] if c["entity"] == "visit" and c["id"] == first["id"]]
    assert pulled[-1]["data"]["outcome"] == visit["outcome"]
    # an outcome already there is kept; a session without a string outcome changes nothing
    again = {**done, "data": {"outcome": "Something else."}}
    assert ana.push(mutation("session", session_id, 2, again))[0]["status"] == "applied"
    assert ana.ok("GET", f"/v1/visits/{first['id']}")["outcome"] == visit["outcome"]
    other = _session(second["id"], "completed")
    other["data"] = {"outcome": 42}
    assert ana.push(mutation("session", str(uuid.uuid4()), None, other))[0]["status"] == "applied"
    assert ana.ok("GET", f"/v1/visits/{second['id']}")["outcome"] in (None, "")


def test_reassignment_and_cancellation_send_tombstones(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben, office = (
        login(fresh_office, "ana"),
        login(fresh_office, "ben"),
        login(fresh_office, "office"),
    )
    moved, cancelled = ana.ok("GET", "/v1/visits")[:2]
    _, ana_cursor = ana.pull_all()
    _, ben_cursor = ben.pull_all()
    office.ok("PATCH", f"/v1/admin/visits/{moved['id']}", json={"technician_id": "tech-ben"})
    office.ok("PATCH", f"/v1/admin/visits/{cancelled['id']}", json={"status": "cancelled"})
    ana_changes, _ = ana.pull_all(ana_cursor)
    gone = {c["id"] for c in ana_changes if c["deleted"]}
    assert {moved["id"], cancelled["id"]} <= gone
    assert all(c["data"] is None for c in ana_changes if c["deleted"])
    assert ana.get(f"/v1/visits/{moved['id']}").status_code == 404
    ben_changes, _ = ben.pull_all(ben_cursor)
    got = {(c["entity"], c["id"]) for c in ben_changes if not c["deleted"]}
    assert ("visit", moved["id"]) in got and ("site", moved["site_id"]) in got
    assert ben.ok("GET", f"/v1/sites/{moved['site_id']}")["id"] == moved["site_id"]


def test_cursors_reset_and_invalid(
    login: LoginFactory, demo_database: Template
) -> None:
    with demo_office(demo_database, tombstone_retention_seconds=0.0) as bo:
        ana, office = login(bo, "ana"), login(bo, "office")
        _, cursor = ana.pull_all()
        visit = ana.ok("GET", "/v1/visits")[0]
        office.ok("PATCH", f"/v1/admin/visits/{visit['id']}", json={"status": "cancelled"})
        assert bo.service.purge() >= 1
        gone = ana.get("/v1/sync/changes", params={"cursor": cursor})
        assert gone.status_code == 410 and gone.json()["error"]["code"] == "reset_required"
        snapshot, _ = ana.pull_all()  # a fresh snapshot works and has no tombstones
        assert snapshot and not any(c["deleted"] for c in snapshot)
        for bad in ("not-a-cursor", "%%%", "c2VxOi0x"):
            response = ana.get("/v1/sync/changes", params={"cursor": bad})
            assert (
                response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
            )
        future = ana.get("/v1/sync/changes", params={"cursor": "c2VxOjk5OTk5OTk5"})
        assert future.status_code == 410


@pytest.mark.parametrize("limit", [0, 1001])
def test_page_size_is_bounded(office: EmbeddedBackOffice, login: LoginFactory, limit: int) -> None:
    response = login(office, "ana").get("/v1/sync/changes", params={"limit": limit})
    assert response.status_code == 422


def test_pulled_records_are_exactly_what_the_models_would_write(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    """Pages are written without pydantic: every record equals the model's own dump."""
    database = Database(office.database_url)
    try:
        with database.read() as conn:
            for entity, (table, convert) in records.ENTITIES.items():
                rows = list(conn.execute(select(table)))
                assert rows or entity == "session", entity
                for row in rows:
                    fast = records.JSON_RECORDS[entity](row)
                    assert fast == convert(row).model_dump(mode="json"), (entity, row.id)
                    assert json.dumps(fast) == json.dumps(convert(row).model_dump(mode="json"))
    finally:
        database.dispose()
    ana = login(office, "ana")
    page = ana.ok("GET", "/v1/sync/changes", params={"limit": 10})
    assert page["changes"] and page["has_more"]
    dumped = schemas.PullResponse.model_validate(page).model_dump(mode="json")
    for additive in (dumped, *dumped["changes"]):  # sent only when set: an older client
        for name in ("scope", "near_until", "withdrawal"):  # refuses fields it does not know
            if additive.get(name, 0) is None:
                del additive[name]
    assert dumped == page


def test_headline_codes_only_for_a_client_that_reads_them(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    """A client from before the codes (no text-codes sync feature) gets records its strict schema
    parses, with the English text; one that reads them gets the codes as well."""
    from concierge.insights.text import HEADLINE_CODES, coded_msg
    from concierge.sync.checks import _record_problem

    ana = login(office, "ana")
    old, _ = ana.pull_all()
    ana.http.headers[schemas.SYNC_FEATURES_HEADER] = schemas.TEXT_CODES
    new, _ = ana.pull_all()
    for changes in (old, new):
        for c in changes:
            if c["entity"] in ("insight", "visit"):
                assert _record_problem(c["entity"], c["id"], c["data"]) is None
    assert not any(schemas.ADDITIVE_FIELDS & set(c["data"]) for c in old)
    insights = [c["data"] for c in new if c["entity"] == "insight"]
    visits = [c["data"] for c in new if c["entity"] == "visit"]
    assert insights and visits
    for data, field in [(i, "headline_code") for i in insights] + [
            (v, "summary_code") for v in visits]:
        coded = schemas.CodedText.model_validate(data[field])
        assert coded.code in HEADLINE_CODES
        assert coded_msg(coded) is not None
