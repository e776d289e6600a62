# SPDX-License-Identifier: Apache-2.0
"""The UI's one background-task API (in the spirit of Anki's CollectionOp).

    ctx.tasks.db(lambda: store.visit_rows()).success(model.set_rows).run()
    ctx.tasks.io(lambda: account.sign_in(url, user, pw)).success(...).failure(...).run()

``db`` work runs on one serial thread (the store is used from one thread at a
time); ``io`` work runs on a small pool.  Results and errors come back on the
GUI thread through a queued signal.  The worker function must never touch
widgets.  Errors go to ``TaskManager.on_error`` unless ``failure`` is given.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

T = TypeVar("T")
log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class TaskManager(QObject):
    """Owns the executors; delivers outcomes on the thread it lives in (the GUI thread)."""

    _deliver = Signal(object)
    finished_all = Signal()

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False,
                 io_workers: int = 4) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self.on_error: Callable[[str, BaseException], None] = _log_error
        self._db = ThreadPoolExecutor(1, thread_name_prefix="concierge-db")
        self._io = ThreadPoolExecutor(io_workers, thread_name_prefix="concierge-io")
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    def db(self, fn: Callable[[], T], parent: QObject | None = None) -> Task[T]:
        """Database work: serial, in order."""
        return Task(self, fn, "db", parent)

    def io(self, fn: Callable[[], T], parent: QObject | None = None) -> Task[T]:
        """Network or file work: concurrent."""
        return Task(self, fn, "io", parent)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; wait for running work (its outcome is dropped)."""
        self._closed = True
        for pool in (self._db, self._io):
            pool.shutdown(wait=wait, cancel_futures=True)

    def _submit(self, task: Task[Any]) -> None:
        if self._closed:
            log.debug("Task manager closed; dropping %r", task.fn)
            return
        if self.synchronous:
            self._run_inline(task)
            return
        with self._lock:
            self._pending += 1
        pool = self._db if task.kind == "db" else self._io
        future = pool.submit(task.fn)

        def done(f: Future[Any]) -> None:
            self._deliver.emit((task, f))

        future.add_done_callback(done)

    def _run_inline(self, task: Task[Any]) -> None:
        try:
            result = task.fn()
        except Exception as exc:  # noqa: BLE001 - delivered to the failure handler
            task.deliver(None, exc)
        else:
            task.deliver(result, None)

    @Slot(object)
    def _on_deliver(self, item: tuple[Task[Any], Future[Any]]) -> None:
        task, future = item
        with self._lock:
            self._pending -= 1
            idle = self._pending == 0
        if not future.cancelled() and not self._closed:
            exc = future.exception()
            task.deliver(None if exc else future.result(), exc)
        if idle:
            self.finished_all.emit()


class Task(Generic[T]):
    """One unit of background work; configure, then ``run()``."""

    def __init__(self, manager: TaskManager, fn: Callable[[], T], kind: str,
                 parent: QObject | None) -> None:
        self.manager = manager
        self.fn = fn
        self.kind = kind
        self.parent = parent
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._label = getattr(fn, "__name__", "task")

    def success(self, cb: Callable[[T], None]) -> Task[T]:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Task[T]:
        self._failure = cb
        return self

    def label(self, text: str) -> Task[T]:
        """What the person is told failed, e.g. 'Loading the visit'."""
        self._label = text
        return self

    def run(self) -> None:
        self.manager._submit(self)

    def deliver(self, result: T | None, exc: BaseException | None) -> None:
        if self.parent is not None and not shiboken6.isValid(self.parent):
            return  # the widget that asked is gone
        try:
            if exc is not None:
                if self._failure is not None:
                    self._failure(exc)
                else:
                    self.manager.on_error(self._label, exc)
            elif self._success is not None:
                self._success(result)  # type: ignore[arg-type]
        except Exception as error:
            log.exception("Callback of %s failed", self._label)
            self.manager.on_error(self._label, error)


def _log_error(label: str, exc: BaseException) -> None:
    log.error("%s failed: %s", label, exc, exc_info=exc)
