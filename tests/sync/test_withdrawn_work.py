"""A visit the office withdrew (cancelled, reassigned, resolved remotely) while the
technician worked on it, often offline: the session is kept by the office, never completed,
answered with an explicit code, and listed for the operators with whoever has the visit
now; the laptop keeps the work, and the session is read-only there once it knows. A
technician still cannot write to a visit that was never theirs.

A real back office over HTTP on 127.0.0.1, a real laptop store and sync engine.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from concierge.protocol.schemas import WITHDRAWN
from concierge.session.engine import SessionEngine, SessionError
from tests.sync.conftest import PASSWORD, Laptop, Office
from tests.sync.session_helpers import complete, first_open_visit


def _work(laptop: Laptop, visit_id: str) -> SessionEngine:
    engine = SessionEngine(laptop.store, visit_id)
    engine.set_comment("Door rollers cleaned before the office's message")
    engine.add_wish("A quieter door at night")
    return engine


def _user(office: Office, login: str) -> dict[str, Any]:
    return dict(requests.post(f"{office.url}/v1/auth/login", timeout=10,
                              json={"username": login, "password": PASSWORD}).json()["user"])


def _capture_pushes(laptop: Laptop) -> list[Any]:
    pushed: list[Any] = []
    push = laptop.client.push
    laptop.client.push = lambda ops: pushed.append(push(ops)) or pushed[-1]  # type: ignore[method-assign]
    return pushed


@pytest.mark.parametrize("how", ["cancelled", "reassigned"])
def test_a_session_completed_offline_for_a_withdrawn_visit_is_kept_not_completed(
    how: str, office: Office, laptop: Laptop
) -> None:
    assert laptop.sync().ok
    visit_id = first_open_visit(laptop.store)
    engine = _work(laptop, visit_id)
    complete(engine, "Visit withdrawn")  # offline: the office withdraws the visit meanwhile
    report = engine.doc.report
    version = office.server_visits("ana")[visit_id]["version"]
    colleague = _user(office, "ben")
    if how == "cancelled":
        office.patch_visit(visit_id, status="cancelled", base_version=version,
                           withdrawal_note="Customer cancelled")
    else:
        office.patch_visit(visit_id, technician_id=colleague["id"], base_version=version,
                           withdrawal_note="Ben is closer")
    pushed = _capture_pushes(laptop)
    result = laptop.sync()

    # the office: kept, said plainly, never completed
    assert result.ok and result.rejected == 0 and result.conflicts == 0, [
        (r.entity, r.code, r.reason) for r in laptop.store.rejected_ops()]
    answers = [r for page in pushed for r in page.results]
    # the visit's own change (started, completed) is not applied, nor refused
    assert {(r.status, r.code) for r in answers} == {("applied", WITHDRAWN)}
    [answer] = [r for r in answers if r.record and r.record.get("id") == engine.id]
    assert answer.record is not None and answer.record["status"] == "in_progress"
    assert answer.record["completed_at"] is None and answer.record["data"]["report"] == report
    kept = office.admin_get(f"/admin/sessions/{engine.id}")
    assert kept["data"]["comment"] == "Door rollers cleaned before the office's message"
    assert kept["status"] == "in_progress"
    [listed] = office.admin_get(f"/admin/withdrawn-work?visit_id={visit_id}")
    ana = _user(office, "ana")
    assert (listed["session_id"], listed["technician_id"]) == (engine.id, ana["id"])
    assert listed["withdrawal"]["code"] == how
    expected_owner = None if how == "cancelled" else colleague["id"]
    assert listed["owner_id"] == expected_owner
    assert listed["visit_status"] != "completed"
    if how == "reassigned":
        assert office.server_visits("ben")[visit_id]["status"] != "completed"

    # the laptop: nothing lost, nothing waiting, nothing in "needs attention"
    assert laptop.store.status().pending_ops == 0
    assert not laptop.store.rejected_ops()
    record = laptop.store.load_session(visit_id)
    assert record is not None and record["status"] == "in_progress"
    assert record["data"]["report"] == report
    assert laptop.store.withdrawn_visits()[visit_id].code == how
    again = SessionEngine(laptop.store, visit_id)
    assert again.withdrawn is not None and again.read_only and again.completion_not_kept
    assert engine.refresh_withdrawal() and engine.adopt_office_answers(record)
    assert engine.completion_not_kept and not engine.completed


def test_once_the_withdrawal_is_known_the_session_is_read_only(
    office: Office, laptop: Laptop
) -> None:
    assert laptop.sync().ok
    visit_id = first_open_visit(laptop.store)
    engine = _work(laptop, visit_id)
    assert laptop.sync().ok and laptop.store.status().pending_ops == 0
    other = next(r.id for r in laptop.store.visit_rows()
                 if r.status in ("proposed", "scheduled") and r.id != visit_id)
    visits = office.server_visits("ana")
    for withdrawn in (visit_id, other):
        office.patch_visit(withdrawn, status="cancelled", base_version=visits[withdrawn]["version"])
    assert laptop.sync().ok
    # a session opened only now, for a visit already withdrawn: read-only, nothing sent
    late = SessionEngine(laptop.store, other)
    assert late.withdrawn is not None and late.read_only
    assert laptop.store.load_session(other) is None and laptop.store.status().pending_ops == 0

    assert engine.refresh_withdrawal() and engine.withdrawn is not None
    assert engine.read_only and not engine.completed
    for change in (lambda: engine.set_comment("one more thing"), engine.check_complete,
                   lambda: engine.rate_preparation(4)):
        with pytest.raises(SessionError, match="office withdrew this visit"):
            change()
    engine.forward()  # looking around saves nothing
    assert laptop.store.status().pending_ops == 0
    assert SessionEngine(laptop.store, visit_id).read_only


def test_a_technician_still_cannot_write_a_session_for_a_visit_never_theirs(
    office: Office, laptop: Laptop
) -> None:
    """Ben's visit, never Ana's: refused as not found, nothing stored, nothing listed."""
    with office.session("ben") as ben:
        ben.headers["X-Sync-Features"] = "text-codes"
        bens_visit = ben.get(f"{office.url}/v1/visits", timeout=10).json()[0]["id"]
    # even withdrawn from Ben: still never Ana's
    version = office.server_visits("ben")[bens_visit]["version"]
    office.patch_visit(bens_visit, status="cancelled", base_version=version)
    session_id = f"ses-{uuid.uuid4().hex}"
    now = datetime.now(UTC).isoformat()
    with office.session("ana") as ana:
        reply = ana.post(f"{office.url}/v1/sync/push", timeout=10, json={"mutations": [{
            "op_id": str(uuid.uuid4()), "entity": "session", "entity_id": session_id,
            "base_version": None, "made_at": now,
            "payload": {"visit_id": bens_visit, "status": "completed", "step": "report",
                        "data": {"comment": "not mine"}, "started_at": now}}, {
            "op_id": str(uuid.uuid4()), "entity": "visit", "entity_id": bens_visit,
            "base_version": version + 1, "made_at": now, "payload": {"status": "completed"}}]})
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [(r["status"], r["code"], r.get("record")) for r in results] == [
        ("rejected", "not_found", None)] * 2  # nothing of Ben's visit comes back either
    with office.admin() as admin:
        assert admin.get(f"{office.url}/v1/admin/sessions/{session_id}",
                         timeout=10).status_code == 404
    assert office.admin_get(f"/admin/withdrawn-work?visit_id={bens_visit}") == []
