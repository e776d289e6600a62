from __future__ import annotations

import threading

import pytest

from concierge.events import Event
from ui.bridge import CoreBridge
from ui.tasks import TaskManager

pytestmark = pytest.mark.qt


def test_result_arrives_on_gui_thread(qtbot, tasks: TaskManager) -> None:
    seen: list[tuple[int, bool]] = []
    worker: list[str] = []

    def work() -> int:
        worker.append(threading.current_thread().name)
        return 42

    tasks.db(work).success(lambda v: seen.append(
        (v, threading.current_thread() is threading.main_thread()))).run()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(42, True)]
    assert worker[0].startswith("concierge-db")


def test_db_work_is_serial_and_ordered(qtbot, tasks: TaskManager) -> None:
    order: list[int] = []
    for i in range(20):
        tasks.db(lambda i=i: i).success(order.append).run()
    qtbot.waitUntil(lambda: len(order) == 20)
    assert order == list(range(20))


def test_errors_go_to_the_default_handler(qtbot, tasks: TaskManager) -> None:
    shown: list[str] = []
    tasks.on_error = lambda label, exc: shown.append(f"{label}: {exc}")

    def boom() -> None:
        raise RuntimeError("disk on fire")

    tasks.io(boom).label("Saving").run()
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == ["Saving: disk on fire"]


def test_failure_callback_overrides_default(qtbot, tasks: TaskManager) -> None:
    default: list[BaseException] = []
    mine: list[BaseException] = []
    tasks.on_error = lambda _l, exc: default.append(exc)
    tasks.io(lambda: 1 / 0).failure(mine.append).run()
    qtbot.waitUntil(lambda: bool(mine))
    assert isinstance(mine[0], ZeroDivisionError) and not default


def test_synchronous_mode_runs_inline(qapp) -> None:
    manager = TaskManager(synchronous=True)
    got: list[int] = []
    manager.db(lambda: 7).success(got.append).run()
    assert got == [7]
    manager.shutdown()


def test_result_for_a_deleted_parent_is_dropped(qtbot, tasks: TaskManager) -> None:
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    got: list[int] = []
    gate = threading.Event()
    tasks.db(lambda: gate.wait(5) and 1, parent=widget).success(got.append).run()
    widget.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(widget))
    gate.set()
    with qtbot.waitSignal(tasks.finished_all):
        pass
    assert got == []


def test_bridge_delivers_core_events_on_gui_thread(qtbot) -> None:
    event: Event[int] = Event("changed")

    class Store:
        events = type("E", (), {"changed": event})()

    bridge = CoreBridge()
    bridge.attach_store(Store())
    got: list[tuple[int, bool]] = []
    bridge.store_changed.connect(
        lambda v: got.append((v, threading.current_thread() is threading.main_thread())))
    thread = threading.Thread(target=event.emit, args=(5,), name="concierge-test-emitter")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(got))
    assert got == [(5, True)]
    bridge.detach()
    event.emit(6)
    assert not event._handlers
