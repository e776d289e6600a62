"""The office's own wording of its tracked items (call-back and praise titles, the history
notes it writes) reaches a German laptop in German: rendered from the items' data, which
the real office serves over HTTP; what a customer or an office person typed stays as typed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from concierge.i18n import translator_for
from concierge.office_text import event_note, task_title
from concierge.protocol import schemas
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, mutation


def completed(visit_id: str, rating: int, comment: str,
              wishes: list[dict[str, object]]) -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {"visit_id": visit_id, "status": "completed", "step": "report",
            "data": {"wishes": {"items": wishes}, "rating": rating, "comment": comment},
            "attachments": [], "started_at": now, "completed_at": now}


def test_call_backs_praise_and_their_history_read_in_german(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, office = login(fresh_office, "ana"), login(fresh_office, "office")
    first, second = ana.ok("GET", "/v1/visits")[:2]
    low = str(uuid.uuid4())
    wishes = [{"id": "w-1", "text": "Quieter doors", "answer": "not_yet"}]
    assert ana.push(mutation("session", low, None, completed(
        first["id"], 2, "Still loud", wishes)))[0]["status"] == "applied"
    happy = str(uuid.uuid4())
    assert ana.push(mutation("session", happy, None, completed(
        second["id"], 5, "Lovely", [])))[0]["status"] == "applied"
    [call_back] = [t for t in ana.ok("GET", "/v1/serve/tasks")
                   if t["session_id"] == low and t["kind"] == "call_back"]
    office.ok("PATCH", f"/v1/admin/serve/tasks/{call_back['id']}",
              json={"status": "in_progress", "owner": office.user["id"],
                    "note": "Rufe morgen an"})

    digest = schemas.ServeDigest.model_validate(ana.ok("GET", "/v1/serve/digest"))
    mine = {(t.session_id, t.kind): t for t in digest.tasks}
    de, en = translator_for("de"), translator_for("en")
    call = mine[(low, "call_back")]
    assert de.render(task_title(call)) == (
        "Den Kunden zurückrufen: bewertet mit 2/5; noch nicht: Quieter doors")
    assert en.render(task_title(call)) == call.title  # the office's English, unchanged
    assert [de.render(event_note(call, e)) for e in call.history] == [
        "eröffnet: bewertet mit 2/5; noch nicht: Quieter doors", "Rufe morgen an"]
    assert call.history[-1].owner == office.user["id"]  # kept apart from the person's note
    assert office.user["id"] not in call.history[-1].note

    wish = mine[(low, "wish_follow_up")]
    assert de.render(task_title(wish)) == "Quieter doors"  # the customer's words
    assert de.render(event_note(wish, wish.history[0])) == (
        "eröffnet: Der Kunde hat diesen Wunsch nicht als erfüllt bezeichnet")

    praise = mine[(happy, "praise")]
    assert de.render(task_title(praise)) == (
        "Der Kunde hat Ihren Einsatz mit 5/5 bewertet: „Lovely“")
    assert de.render(event_note(praise, praise.history[0])) == (
        "an den Techniker weitergegeben, der es verdient hat")


def test_a_title_the_office_worded_otherwise_is_shown_as_sent() -> None:
    """An older (or newer) office's wording that the item's data does not give back is
    not replaced by a guess."""
    now = datetime.now(UTC)
    task = schemas.ServeTask(
        id="callback:s", kind="call_back", site_id="s", visit_id="v", session_id="s",
        technician_id="t", owner="t", title="Call back: rated the noise 3 of 5",
        detail={"rating": 3, "not_yet": []}, status="open", due_at=now,
        history=[schemas.ServeTaskEvent(at=0.0, by="system", status="open",
                                        note="opened because of the noise")],
        version=1, created_at=now, updated_at=now)
    de = translator_for("de")
    assert de.render(task_title(task)) == "Call back: rated the noise 3 of 5"
    assert de.render(event_note(task, task.history[0])) == "opened because of the noise"
