# SPDX-License-Identifier: Apache-2.0
"""A tiny, thread-safe observer: the core's way of announcing change.

The UI adapts these to Qt signals in one bridge; headless code just connects
callables. Handlers run on the emitting thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Event(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[[T], None]] = []
        self._lock = threading.Lock()

    def connect(self, handler: Callable[[T], None]) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        with self._lock:
            self._handlers.append(handler)
        return lambda: self.disconnect(handler)

    def disconnect(self, handler: Callable[[T], None]) -> None:
        with self._lock:
            if handler in self._handlers:
                self._handlers.remove(handler)

    def emit(self, value: T) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(value)
            except Exception:
                log.exception("Handler %r of event %s failed", handler, self.name)
