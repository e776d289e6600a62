"""#19.4 help from the field: asked offline (saved in the session at once), answered by
the office through a pulled copy of the session; the office's answer stands."""

from pathlib import Path

import pytest

from concierge.session.engine import SessionEngine, SessionError
from tests.core.session_factories import NOW_DT, seeded_store


def test_help_is_asked_offline_and_the_office_answers(tmp_path: Path) -> None:
    store = seeded_store(tmp_path)
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    for kind, note, reason in (("taxi", "x", ""), ("remote", "  ", ""),
                               ("handover", "Cannot finish", "")):
        with pytest.raises(SessionError):
            e.ask_help(kind, note, reason)
    remote = e.ask_help("remote", "Door controller shows E42", "")
    handover = e.ask_help("handover", "Cannot finish today", "Called to an emergency")
    saved = store.load_session("visit-1")
    assert saved is not None
    assert [(h["id"], h["status"]) for h in saved["data"]["help"]] == [
        (remote.id, "pending"), (handover.id, "pending")]

    seen: list[str] = []
    e.changed.connect(seen.append)
    pulled = dict(saved)
    pulled["data"] = dict(saved["data"], help=[
        dict(saved["data"]["help"][0], status="declined", answer="Nobody free"),
        dict(saved["data"]["help"][1], status="accepted", answer="Ben takes over",
             helper="ben")])
    assert e.adopt_office_answers(pulled)
    assert [(h.status, h.answer, h.helper) for h in e.doc.help] == [
        ("declined", "Nobody free", ""), ("accepted", "Ben takes over", "ben")]
    assert "help" in seen
    assert not e.adopt_office_answers(pulled)  # nothing new the second time


def test_a_newer_versions_fields_survive_a_save_here(tmp_path: Path) -> None:
    """A session field this app does not know (a newer app or office wrote it) is kept when
    this app saves the session: it was dropped before ("help" on an older laptop)."""
    store = seeded_store(tmp_path)
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    record = store.load_session("visit-1")
    assert record is not None
    record["data"] = dict(record["data"], future_items=[{"id": "f-1", "note": "kept"}])
    store.save_session(record)
    again = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    again.set_wish_text("Quieter doors")  # a save through the engine
    saved = store.load_session("visit-1")
    assert saved is not None and saved["data"]["future_items"] == [{"id": "f-1", "note": "kept"}]
    assert e.id == again.id
