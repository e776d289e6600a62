# SPDX-License-Identifier: Apache-2.0
"""The one place where core events (``concierge.events.Event``) become Qt signals.

Core handlers run on whatever thread emits; re-emitting a Qt signal from there
queues delivery to the receivers' thread (the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from concierge.events import Event


class CoreBridge(QObject):
    store_changed = Signal(object)  # StoreChange
    sync_progress = Signal(object)  # SyncProgress
    sync_started = Signal(object)
    sync_finished = Signal(object)  # SyncResult
    online_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: dict[int, list[Callable[[], None]]] = {}

    def forward(self, source: object, event: Event[Any], signal: SignalInstance) -> None:
        """Re-emit every value of ``event`` (belonging to ``source``) on ``signal``."""
        self._unsubscribe.setdefault(id(source), []).append(event.connect(signal.emit))

    def attach_store(self, store: Any) -> None:
        self.forward(store, store.events.changed, self.store_changed)

    def attach_sync(self, sync: Any) -> None:
        events = sync.events
        self.forward(sync, events.progress, self.sync_progress)
        self.forward(sync, events.started, self.sync_started)
        self.forward(sync, events.finished, self.sync_finished)
        self.forward(sync, events.online_changed, self.online_changed)

    def detach(self, source: object | None = None) -> None:
        """Stop forwarding ``source``'s events (all sources when None)."""
        keys = list(self._unsubscribe) if source is None else [id(source)]
        for key in keys:
            for unsubscribe in self._unsubscribe.pop(key, []):
                unsubscribe()
