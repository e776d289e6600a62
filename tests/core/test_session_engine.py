"""SessionEngine against a real store: autosave, resume, navigation, completion."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from concierge.i18n import translator_for
from concierge.protocol.schemas import TelemetrySeries
from concierge.session.engine import SessionBlocked, SessionEngine, SessionError
from concierge.session.outcome import outcome_since
from concierge.session.state import Step
from concierge.session.validation import MeasurementError
from concierge.store import Store
from tests.core.session_factories import DAY, NOW, NOW_DT, seeded_store, trend_insight

EN = translator_for("en").render  # the source text, to compare with


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    s = seeded_store(tmp_path, n_assets=2, insights=[ins])
    yield s
    s.close()


def clock() -> datetime:
    return NOW_DT


def engine(store: Store) -> SessionEngine:
    return SessionEngine(store, "visit-1", clock=clock)


def test_new_session_has_baseline_and_checklist_and_is_saved(store: Store) -> None:
    e = engine(store)
    assert e.step is Step.WELCOME and e.status == "in_progress"
    door = [b for b in e.doc.baseline if b.asset_id == "e1" and b.kpi == "door_cycle_time"]
    assert door[0].value == pytest.approx(5.0) and door[0].n == 14 * 96
    assert len(e.doc.baseline) == 10
    ids = [i.id for i in e.doc.checklist]
    assert "e1/door-adjust" in ids and "e2/door-adjust" not in ids
    saved = store.load_session("visit-1")
    assert saved is not None and saved["id"] == e.id and saved["step"] == "welcome"
    visit = store.visit("visit-1")
    assert visit is not None and visit.status == "in_progress"


def test_every_input_is_saved_and_a_new_engine_resumes_it(store: Store) -> None:
    e = engine(store)
    e.set_wish_text("Doors are noisy")
    e.set_tag("noise", True)
    e.set_presence(True, ["Ms Jones", " "])
    e.go(Step.BASELINE)
    e.add_spot("e1", "door_cycle_time", "5,8")
    e.go(Step.OPTIMISE)
    e.set_check("session/core-safety", True)
    flag = e.set_measurement("e1/door-adjust", "6.4")
    assert flag is not None and "above the target 3–5 s" in EN(flag.message)
    e.set_choice("e1/quiet-doors", "Rollers")
    sha = e.attach("e1/photo", b"\x89PNG fake", "image/png", "door.png")
    e.skip("e2/inspect", "No access to the machine room")
    e.add_stroke([(0.1, 0.2), (0.3, 0.4), (1.5, -1.0)])

    again = engine(store)
    assert again.id == e.id and again.step is Step.OPTIMISE
    assert again.doc == e.doc
    assert again.doc.wishes.present == ["Ms Jones"]
    assert again.doc.spot[0].value == 5.8
    assert again.doc.result("e1/door-adjust").value == 6.4
    assert again.doc.result("e1/photo").attachments == [sha]
    assert again.doc.result("e2/inspect").skip_reason == "No access to the machine room"
    assert again.doc.signature.strokes == [[(0.1, 0.2), (0.3, 0.4), (1.0, 0.0)]]
    assert store.attachment_path(sha).read_bytes() == b"\x89PNG fake"
    assert store.status().pending_ops == 2  # one coalesced session op + the visit status


def test_tags_regenerate_the_checklist_and_keep_results(store: Store) -> None:
    e = engine(store)
    e.set_check("e1/inspect", True)
    assert "e1/quiet-doors" not in [i.id for i in e.doc.checklist]
    e.set_tag("noise", True)
    assert "e1/quiet-doors" in [i.id for i in e.doc.checklist]
    assert e.doc.result("e1/inspect").status == "done"
    e.set_tag("noise", False)
    assert "e1/quiet-doors" not in [i.id for i in e.doc.checklist]
    with pytest.raises(SessionError, match="Unknown wish"):
        e.set_tag("teleport", True)


def test_bad_input_is_refused_and_nothing_changes(store: Store) -> None:
    e = engine(store)
    before = store.load_session("visit-1")
    with pytest.raises(MeasurementError, match="“fast” is not a number"):
        e.set_measurement("e1/door-adjust", "fast")
    with pytest.raises(MeasurementError):
        e.add_after("e1", "door_cycle_time", "")
    with pytest.raises(SessionError, match="Say why"):
        e.skip("e1/inspect", "  ")
    with pytest.raises(SessionError, match="not one of the choices"):
        e.set_choice("session/core-safety", "maybe")
    with pytest.raises(SessionError, match="rating is 1 to 5"):
        e.set_rating(6)
    assert store.load_session("visit-1") == before


def test_navigation_back_and_forth(store: Store) -> None:
    e = engine(store)
    e.back()
    assert e.step is Step.WELCOME
    for _ in range(10):
        e.forward()
    assert e.step is Step.REPORT
    e.back()
    assert e.step is Step.DELIGHT
    assert e.doc.visited == [s.value for s in Step]
    assert [p.current for p in e.progress()] == [False] * 4 + [True, False]


def finish_required(e: SessionEngine) -> None:
    for item in e.doc.checklist:
        if item.required and e.doc.result(item.id).status == "open":
            if item.type == "measurement":
                e.set_measurement(item.id, "4.2")
            elif item.type == "choice":
                e.set_choice(item.id, item.choices[0])
            else:
                e.set_check(item.id, True)


def test_completion_blocked_then_completed(store: Store) -> None:
    e = engine(store)
    with pytest.raises(SessionBlocked) as err:
        e.complete(b"%PDF-1.4 report")
    missing = [EN(m) for m in err.value.missing]
    assert missing[-2:] == [
        "The customer's signature is missing (the customer is present).",
        "The technician's sign-off is missing.",
    ]
    assert "Required step “Step door-adjust” (Elevator M1 (SN-e1)) is still open: " \
        "mark it done or skip it with a reason." in missing
    finish_required(e)
    e.add_stroke([(0.1, 0.5), (0.9, 0.5)])
    e.sign_off("Sam Tech")
    e.add_after("e1", "door_cycle_time", "4")
    e.set_rating(5)
    assert e.blockers() == []
    e.complete(b"%PDF-1.4 report", b"\x89PNG signature")
    assert e.completed and e.step is Step.REPORT
    report = e.report_path()
    assert report is not None and report.read_bytes() == b"%PDF-1.4 report"
    saved = store.load_session("visit-1")
    assert saved is not None and saved["status"] == "completed"
    assert saved["completed_at"] == NOW_DT
    assert set(saved["attachments"]) == {e.doc.report, e.doc.signature.png}
    assert "Door cycle time -20 % (improved)" in saved["data"]["outcome"]
    # No visit mutation of its own: the office completes the visit from the session (a
    # separate update on the old visit version would conflict); the store shows that
    # locally at once. Queued: the visit's in_progress (first) and the session.
    visit = store.visit("visit-1")
    assert visit is not None and visit.status == "completed"
    assert visit.outcome == saved["data"]["outcome"]
    assert store.status().pending_ops == 2
    with pytest.raises(SessionError, match="completed"):
        e.set_comment("late")


def test_outcome_since_compares_fresh_telemetry_with_the_baseline(store: Store) -> None:
    e = engine(store)
    finish_required(e)
    e.set_presence(False, [])
    e.sign_off("Sam")
    e.complete(b"%PDF")
    assert {o.verdict for o in outcome_since(store, "visit-1", NOW)} == {"no data yet"}
    later = [NOW + 900.0 * k for k in range(1, 97)]
    store.replication.store_telemetry(
        900, asset_ids=["e1"], replace_from=later[0], keep_from=NOW - 14 * DAY, until=later[-1],
        series=[TelemetrySeries(
            asset_id="e1", metric="door_cycle_time", start=NOW_DT,
            end=NOW_DT + timedelta(days=1), bucket_seconds=900, t=later,
            min=[4.0] * 96, mean=[4.0] * 96, max=[4.0] * 96, count=[1] * 96,
        )],
    )
    rows = {(o.asset_id, o.kpi.key): o for o in outcome_since(store, "visit-1", later[-1])}
    door = rows[("e1", "door_cycle_time")]
    assert (door.baseline, door.since, door.verdict) == (5.0, 4.0, "held")
    assert door.change_pct == pytest.approx(-20.0)
    assert rows[("e2", "door_cycle_time")].verdict == "no data yet"
    assert datetime.fromtimestamp(later[-1], UTC) > NOW_DT
