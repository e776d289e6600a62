"""#19.1 wishes are items: text, tags, an answer each; old blobs migrate; the checklist grows
from their tags; the next visit to the site carries the ones not solved."""

from datetime import timedelta
from pathlib import Path

import pytest

from concierge.session.engine import SessionEngine, SessionError
from concierge.session.model import SessionDoc
from tests.core.session_factories import NOW_DT, add_next_visit, seeded_store


def test_the_old_wish_blob_becomes_one_item() -> None:
    doc = SessionDoc.model_validate(
        {"wishes": {"text": "Quieter doors\nand faster mornings", "tags": ["noise"]}})
    [wish] = doc.wishes.items
    assert (wish.text, wish.tags, wish.answer) == ("Quieter doors\nand faster mornings",
                                                   ["noise"], None)
    assert doc.wishes.tags == ["noise"]
    assert SessionDoc.model_validate({"wishes": {"text": "  "}}).wishes.items == []


def test_wishes_are_items_with_tags_and_answers(tmp_path: Path) -> None:
    store = seeded_store(tmp_path)
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    e.set_wish_text("Quieter doors\nFaster in the morning")
    first, second = e.doc.wishes.items
    e.set_wish_text("Quieter doors, please\nFaster in the morning")
    assert [w.id for w in e.doc.wishes.items] == [first.id, second.id]
    assert "e1/quiet-doors" not in {i.id for i in e.doc.checklist}
    e.set_wish_tags(first.id, ["noise"])
    assert "e1/quiet-doors" in {i.id for i in e.doc.checklist}  # grows from a wish's tag
    e.answer_wish(first.id, "yes", "Much better")
    e.answer_wish(second.id, "not_yet")
    assert [w.status for w in e.doc.wishes.items] == ["solved", "not_yet"]
    with pytest.raises(SessionError):
        e.answer_wish("w-unknown", "yes")
    with pytest.raises(SessionError):
        e.answer_wish(first.id, "maybe")
    saved = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    assert [(w.text, w.answer, w.comment) for w in saved.doc.wishes.items] == [
        ("Quieter doors, please", "yes", "Much better"), ("Faster in the morning", "not_yet", "")]
    store.close()


def test_the_next_visit_carries_the_wishes_not_solved(tmp_path: Path) -> None:
    store = seeded_store(tmp_path)
    e = SessionEngine(store, "visit-1", clock=lambda: NOW_DT)
    e.set_wish_text("Quieter doors\nFaster in the morning\nClean the cabin")
    quiet, faster, _clean = (w.id for w in e.doc.wishes.items)
    e.answer_wish(quiet, "not_yet")
    e.answer_wish(faster, "yes")
    record = e.record() | {"status": "completed", "completed_at": NOW_DT.isoformat()}
    store.save_session(record)
    add_next_visit(store)
    nxt = SessionEngine(store, "visit-2", clock=lambda: NOW_DT + timedelta(days=30))
    carried = nxt.doc.wishes.items
    assert [(w.text, w.last_answer, w.since) for w in carried] == [
        ("Quieter doors", "not_yet", NOW_DT.date().isoformat()),
        ("Clean the cabin", None, NOW_DT.date().isoformat())]
    assert all(w.carried and w.answer is None for w in carried)
    nxt.set_wish_text("A new wish")  # typing touches this visit's own wishes only
    assert [w.text for w in nxt.doc.wishes.items] == [
        "Quieter doors", "Clean the cabin", "A new wish"]
    store.close()
