"""A visit handed over from the field (#19.4): once the laptop learns by sync that the
office accepted the hand-over, the session there is read-only and cannot be completed, and
the visit shows as handed over. Completed offline while the office accepted meanwhile: the
work reaches the office (for the colleague), the office says plainly that it did not
complete the visit, and the laptop keeps the work and shows what happened.

A real back office over HTTP on 127.0.0.1, a real laptop store and sync engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from concierge.session.engine import SessionEngine, SessionError
from tests.sync.conftest import PASSWORD, Laptop, Office
from tests.sync.session_helpers import complete, first_open_visit

COLLEAGUE = "ben"


def _ask_hand_over(laptop: Laptop, visit_id: str) -> SessionEngine:
    engine = SessionEngine(laptop.store, visit_id)
    engine.set_comment("Door rollers cleaned; the motor needs a specialist")
    engine.ask_help("handover", "Motor needs a specialist", "Called to an emergency")
    assert laptop.sync().ok and laptop.store.status().pending_ops == 0
    return engine


def _accept(office: Office, session_id: str) -> dict[str, Any]:
    """The office accepts the hand-over and gives the visit to the colleague."""
    colleague = requests.post(f"{office.url}/v1/auth/login", timeout=10,
                              json={"username": COLLEAGUE, "password": PASSWORD}).json()["user"]
    [item] = [h for h in office.admin_get("/admin/serve/help")
              if h["session_id"] == session_id and h["kind"] == "handover"]
    with office.admin() as admin:
        reply = admin.post(f"{office.url}/v1/admin/serve/help/{item['id']}/answer", timeout=10,
                           json={"accepted": True, "answer": "Ben takes it over",
                                 "helper": colleague["id"]})
    assert reply.status_code == 200, reply.text
    return dict(colleague)


def test_a_handed_over_session_is_read_only_on_the_laptop(
    office: Office, laptop: Laptop
) -> None:
    assert laptop.sync().ok
    visit_id = first_open_visit(laptop.store)
    asked = _ask_hand_over(laptop, visit_id)
    colleague = _accept(office, asked.id)
    assert laptop.sync().ok

    withdrawn = laptop.store.withdrawn_visits()[visit_id]
    assert (withdrawn.code, withdrawn.note) == ("handed_over", "Ben takes it over")
    engine = SessionEngine(laptop.store, visit_id)
    handover = engine.handed_over
    assert handover is not None and handover.helper == colleague["name"]
    assert handover.answered_at is not None and engine.read_only and not engine.completed
    with pytest.raises(SessionError, match="handed over"):
        engine.check_complete()
    with pytest.raises(SessionError, match="handed over"):
        engine.set_comment("one more thing")
    with pytest.raises(SessionError, match="handed over"):
        engine.rate_preparation(4)
    engine.forward()  # looking around saves nothing
    assert laptop.store.status().pending_ops == 0
    assert asked.adopt_office_answers(laptop.store.load_session(visit_id))
    assert asked.read_only  # an engine already open learns it from the pulled copy too


def test_completed_offline_after_the_hand_over_keeps_the_work_and_says_so(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    laptop = laptop_factory(office)
    assert laptop.sync().ok
    visit_id = first_open_visit(laptop.store)
    engine = _ask_hand_over(laptop, visit_id)
    complete(engine, "Left for the colleague")  # offline: the office accepts meanwhile
    report = engine.doc.report
    colleague = _accept(office, engine.id)
    pushed: list[Any] = []
    push = laptop.client.push
    laptop.client.push = lambda ops: pushed.append(push(ops)) or pushed[-1]  # type: ignore[method-assign]
    result = laptop.sync()

    assert result.ok and result.conflicts == 0 and result.rejected == 0
    [answer] = [r for page in pushed for r in page.results]
    assert (answer.status, answer.code) == ("applied", "handed_over")
    stored = answer.record  # the session as the office keeps it: open, with the work
    assert stored is not None and stored["status"] == "in_progress"
    assert stored["completed_at"] is None and stored["data"]["report"] == report
    # the office: the work is there for the colleague, the visit theirs and not completed
    with office.session(COLLEAGUE) as ben:
        ben.headers["X-Sync-Features"] = "text-codes"
        visits = {v["id"]: v for v in ben.get(f"{office.url}/v1/visits", timeout=10).json()}
    assert visits[visit_id]["technician_id"] == colleague["id"]
    assert visits[visit_id]["status"] != "completed"
    # the laptop: nothing lost, nothing waiting, and why it is not completed
    record = laptop.store.load_session(visit_id)
    assert record is not None and record["status"] == "in_progress"
    assert record["data"]["report"] == report
    assert record["data"]["comment"] == "Door rollers cleaned; the motor needs a specialist"
    assert laptop.store.status().pending_ops == 0
    again = SessionEngine(laptop.store, visit_id)
    assert again.completed_after_handover and again.read_only
    assert laptop.store.withdrawn_visits()[visit_id].code == "handed_over"
    assert engine.adopt_office_answers(record) and engine.completed_after_handover
