"""The session window on a real store: a whole walk-through, autosave, resume, completion."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from concierge.session.state import Step
from concierge.store import Store
from tests.core.session_factories import seeded_store, trend_insight
from tests.ui.naming import unnamed
from ui.context import AppContext
from ui.session import SessionWindow
from ui.session.signature import SignaturePad

pytestmark = pytest.mark.qt


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    s = seeded_store(tmp_path, n_assets=2, insights=[ins])
    yield s
    s.close()


@pytest.fixture
def ctx(bare_context: AppContext, store: Store) -> AppContext:
    bare_context.store = store
    return bare_context


def open_window(qtbot: QtBot, ctx: AppContext) -> SessionWindow:
    w = SessionWindow(ctx, "visit-1")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
        assert not w.ready and w.loading.isVisible()  # the engine loads on the worker
    qtbot.waitExposed(w)
    assert not w.loading.isVisible()
    return w


def settle(qtbot: QtBot, w: SessionWindow) -> None:
    """Wait until every queued save has been written (and the person is told so)."""
    qtbot.waitUntil(lambda: w.io.pending == 0, timeout=10_000)


def saved(store: Store) -> dict:  # type: ignore[type-arg]
    record = store.load_session("visit-1")
    assert record is not None
    return record


def sign(qtbot: QtBot, pad: SignaturePad) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(30, 100))
    for x in range(40, 200, 20):
        QTest.mouseMove(pad, QPoint(x, 60 + (x % 40)))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(210, 90))


def test_the_window_is_complete_when_loaded(qtbot: QtBot, ctx: AppContext) -> None:
    """``loaded`` (and ``ready``) mean the pages are on screen: a layout would otherwise
    show widgets added to a visible window only at Qt's next event pass, and whoever reads
    the window at once (a test, a screenshot) would race it."""
    w = SessionWindow(ctx, "visit-1")
    qtbot.addWidget(w)
    seen: list[tuple[bool, bool]] = []
    w.loaded.connect(lambda: seen.append((w.welcome.isVisible(), w.help.isVisible())))
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        w.show()
    assert seen == [(True, False)]  # the page shown; the hidden help card stays hidden


def test_every_interactive_widget_is_named(qtbot: QtBot, ctx: AppContext) -> None:
    w = open_window(qtbot, ctx)
    for step in Step:  # pages build some of their widgets when first shown
        w.go(step)
    assert len(w.optimise.cards) == len(w.engine.doc.checklist) > 5
    settle(qtbot, w)
    assert unnamed(w, SignaturePad) == []  # the help card and its answers too


def test_walk_through_autosaves_and_completes(qtbot: QtBot, ctx: AppContext,
                                              store: Store) -> None:
    w = open_window(qtbot, ctx)
    assert w.current is Step.WELCOME
    qtbot.keyClicks(w.welcome.text, "Doors are slow and noisy")
    qtbot.waitUntil(lambda: [w["text"] for w in saved(store)["data"]["wishes"]["items"]]
                    == ["Doors are slow and noisy"])
    w.welcome.tags["noise"].click()
    settle(qtbot, w)
    assert saved(store)["data"]["wishes"]["tags"] == ["noise"]

    w.next_button.click()
    settle(qtbot, w)
    assert w.current is Step.BASELINE and saved(store)["step"] == "baseline"
    w.baseline.entry.select("e1", "door_cycle_time")
    qtbot.keyClicks(w.baseline.entry.value, "5,9")
    w.baseline.entry.add.click()
    settle(qtbot, w)
    assert saved(store)["data"]["spot"][0]["value"] == 5.9
    assert w.baseline.kpis.item(0, 5).text() == "5.9 s"

    w.next_button.click()
    cards = w.optimise.cards
    assert "e1/quiet-doors" in cards  # the noise wish added it
    door = cards["e1/door-adjust"]
    qtbot.keyClicks(door.value, "fast")
    door.record.click()
    assert door.flag.text() == "“fast” is not a number. Enter digits only, e.g. 12.5 or 12,5 (s)."
    door.value.clear()
    qtbot.keyClicks(door.value, "6,5")
    door.record.click()
    assert door.flag.text().startswith("6.5 s is above the target 3–5 s.")
    for item_id, c in cards.items():
        item = c.item
        if not item.required or item_id == "e1/door-adjust":
            continue
        if item.type == "check":
            c.check.setChecked(True)
        elif item.type == "measurement":
            c.value.setText("4.5")
            c.record.click()
        elif item.type == "choice":
            c.choice.setCurrentIndex(1)
    inspect = cards["e2/inspect"]
    inspect.reopen.click()
    qtbot.keyClicks(inspect.reason, "Machine room locked")
    inspect.skip.click()
    settle(qtbot, w)
    assert saved(store)["data"]["results"]["e2/inspect"]["skip_reason"] == "Machine room locked"
    assert inspect.status.text() == "Skipped: Machine room locked"

    w.progress.buttons[Step.VERIFY].click()
    assert w.current is Step.VERIFY
    w.verify.entry.select("e1", "door_cycle_time")
    qtbot.keyClicks(w.verify.entry.value, "4.2")
    w.verify.entry.add.click()
    assert w.verify.table.item(0, 4).text() == "-28.8% · improved"  # English (CLDR: "-28,8 %")

    w.next_button.click()
    missing = w.delight.missing.text()
    assert "The customer's signature is missing (the customer is present)." in missing
    assert "The technician's sign-off is missing." in missing
    sign(qtbot, w.delight.pad)
    settle(qtbot, w)
    assert len(saved(store)["data"]["signature"]["strokes"]) == 1
    w.delight.stars.button(4).click()
    qtbot.keyClicks(w.delight.recommendations, "Replace rollers in spring")
    qtbot.keyClicks(w.delight.name, "Sam Tech")
    w.delight.sign_button.click()
    settle(qtbot, w)
    assert w.saved.text() == "All changes saved on this laptop"
    assert saved(store)["data"]["rating"] == 4
    assert w.delight.missing.text() == "Ready to complete."

    w.next_button.click()
    opened: list[Path] = []
    w.finish.handover.opener = lambda url: bool(opened.append(Path(url.toLocalFile()))) or True
    assert w.finish.complete_button.isEnabled()
    with qtbot.waitSignal(w.finish.completed, timeout=20_000):
        w.finish.complete_button.click()
        assert not w.finish.complete_button.isEnabled()  # the PDF is made on a worker
        assert not w.progress.isEnabled()
    record = saved(store)
    assert record["status"] == "completed"
    assert record["data"]["recommendations"] == ["Replace rollers in spring"]
    report = w.engine.report_path()
    assert report is not None and report.read_bytes().startswith(b"%PDF")
    assert w.finish.open_button.isVisible()
    w.finish.open_button.click()
    assert [p.name for p in opened] == [w.engine.report_filename()]
    assert opened[0].name.endswith(" Acme Housing Elevator M1 (SN-e1) +1.pdf")
    assert opened[0].read_bytes() == report.read_bytes()
    assert not w.delight.isEnabled()
    assert w.saved.text() == "Completed: read-only"
    assert set(record["attachments"]) == {record["data"]["report"],
                                          record["data"]["signature"]["png"]}
    # The office completes the visit from the session; no visit op of its own is queued,
    # and the store shows the visit completed locally at once.
    visit = store.visit("visit-1")
    assert visit is not None and visit.status == "completed"


def test_reopening_resumes_at_the_same_step_with_everything(
        qtbot: QtBot, ctx: AppContext, store: Store, tmp_path: Path) -> None:
    w = open_window(qtbot, ctx)
    qtbot.keyClicks(w.welcome.text, "Quieter please")
    w.welcome.customer.setChecked(False)
    w.go(Step.DELIGHT)
    sign(qtbot, w.delight.pad)
    qtbot.keyClicks(w.delight.comment, "Friendly")
    w.close()
    settle(qtbot, w)
    # what the person was told is saved is on disk: a second connection reads it
    with Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments") as other:
        record = other.load_session("visit-1")
    assert record is not None and record["data"]["comment"] == "Friendly"

    again = open_window(qtbot, ctx)
    assert again.current is Step.DELIGHT
    assert again.welcome.text.toPlainText() == "Quieter please"
    assert not again.welcome.customer.isChecked()
    assert len(again.delight.pad.strokes) == 1
    assert again.delight.comment.text() == "Friendly"
    assert "signature" not in again.delight.missing.text()


def test_closing_as_the_app_quits_keeps_the_last_input(
        qtbot: QtBot, ctx: AppContext, store: Store, tmp_path: Path) -> None:
    w = open_window(qtbot, ctx)
    settle(qtbot, w)
    gate = threading.Event()
    ctx.tasks.db(gate.wait).run()  # the database worker is busy: saves wait in its queue
    qtbot.keyClicks(w.welcome.text, "Last words")
    w.close()  # flushes the typing pause; the save is queued behind the busy worker
    assert w.io.pending == 1
    ctx.tasks.shutdown(wait=False)  # quitting: queued work is dropped
    gate.set()
    with Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments") as other:
        record = other.load_session("visit-1")
    assert record is not None
    assert [w["text"] for w in record["data"]["wishes"]["items"]] == ["Last words"]
