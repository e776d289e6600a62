"""Sync engine and scheduled sync service (Qt-free; events fire on worker threads).

See docs/sync.md.  The names below load on first use, so ``concierge.sync.models``
(plain dataclasses) and ``concierge.sync.lock`` can be imported without pulling in
requests, pydantic and APScheduler (the command line registers its options with them).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concierge.sync.engine import SyncEngine
    from concierge.sync.models import SyncEvents, SyncOptions, SyncProgress, SyncResult
    from concierge.sync.service import ClockWatch, SyncService

_WHERE = {
    "ClockWatch": "concierge.sync.service",
    "SyncEngine": "concierge.sync.engine",
    "SyncEvents": "concierge.sync.models",
    "SyncOptions": "concierge.sync.models",
    "SyncProgress": "concierge.sync.models",
    "SyncResult": "concierge.sync.models",
    "SyncService": "concierge.sync.service",
}

__all__ = [
    "ClockWatch",
    "SyncEngine",
    "SyncEvents",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "SyncService",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
