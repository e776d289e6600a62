"""#19 in the office: a completed session opens a follow-up per wish not solved and a
call-back after a low rating or a "not yet"; each is tracked with owner, due date and
history; a technician sees only their own; bad input gets a clear 4xx."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, mutation


def completed(visit_id: str, rating: int | None, wishes: list[dict[str, object]]
              ) -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {"visit_id": visit_id, "status": "completed", "step": "report",
            "data": {"wishes": {"items": wishes}, "rating": rating, "comment": "Still loud"},
            "attachments": [], "started_at": now, "completed_at": now}


def test_a_completed_session_opens_follow_ups_and_a_call_back(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben, office = (login(fresh_office, who) for who in ("ana", "ben", "office"))
    visit = ana.ok("GET", "/v1/visits")[0]
    wishes = [{"id": "w-1", "text": "Quieter doors", "answer": "not_yet"},
              {"id": "w-2", "text": "Faster mornings", "answer": "yes"},
              {"id": "w-3", "text": "Clean cabin", "answer": "partly", "comment": "mostly"}]
    session_id = str(uuid.uuid4())
    op = mutation("session", session_id, None, completed(visit["id"], 3, wishes))
    assert ana.push(op)[0]["status"] == "applied"
    assert ana.push(op)[0]["status"] in ("applied", "duplicate")  # a replay opens nothing new

    tasks = office.ok("GET", "/v1/admin/serve/tasks", params={"site_id": visit["site_id"]})
    mine = [t for t in tasks if t["session_id"] == session_id]
    follow_ups = sorted(t["title"] for t in mine if t["kind"] == "wish_follow_up")
    assert follow_ups == ["Clean cabin", "Quieter doors"]
    [call_back] = [t for t in mine if t["kind"] == "call_back"]
    assert "rated 3/5" in call_back["title"] and "not yet: Quieter doors" in call_back["title"]
    for task in mine:
        assert task["owner"] == ana.user["id"] and task["status"] == "open"
        assert datetime.fromisoformat(task["due_at"]) > datetime.now(UTC) + timedelta(days=1)

    assert {t["id"] for t in ana.ok("GET", "/v1/serve/tasks")} >= {t["id"] for t in mine}
    assert not {t["id"] for t in ben.ok("GET", "/v1/serve/tasks")} & {t["id"] for t in mine}

    path = f"/v1/admin/serve/tasks/{call_back['id']}"
    done = office.ok("PATCH", path, json={"status": "done", "note": "Called; happy now",
                                          "base_version": 1})
    assert done["status"] == "done" and done["version"] == 2
    assert [e["status"] for e in done["history"]] == ["open", "done"]
    stale = office.request("PATCH", path, json={"status": "open", "base_version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_mismatch"
    assert office.request("PATCH", path, json={"status": "maybe"}).status_code == 422
    missing = office.request("PATCH", "/v1/admin/serve/tasks/nope", json={"status": "done"})
    assert missing.status_code == 404
    assert ana.request("PATCH", path, json={"status": "done"}).status_code == 403


def test_a_happy_customer_opens_no_call_back(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, office = login(fresh_office, "ana"), login(fresh_office, "office")
    visit = ana.ok("GET", "/v1/visits")[0]
    session_id = str(uuid.uuid4())
    wishes = [{"id": "w-1", "text": "Quieter doors", "answer": "yes"}]
    assert ana.push(mutation("session", session_id, None,
                             completed(visit["id"], 5, wishes)))[0]["status"] == "applied"
    tasks = office.ok("GET", "/v1/admin/serve/tasks")
    assert [t for t in tasks if t["session_id"] == session_id] == []
