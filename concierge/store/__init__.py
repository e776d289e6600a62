"""The laptop's offline store (SQLite): records, outbox, conflicts, telemetry, attachments.

Entry point: ``Store.open(paths.store_file, paths.attachments)``.  See docs/sync.md.
The names below load on first use, so ``concierge.store.board`` (the window's first
paint) imports without the rest of the store (pydantic schemas, migrations).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concierge.store.board import SyncStatus, VisitRow
    from concierge.store.db import StoreError
    from concierge.store.models import (
        ConflictRow,
        OutboxOp,
        RejectedOp,
        StoreChange,
        StoreEvents,
        TelemetryWindow,
    )
    from concierge.store.store import Store

_HOMES = {
    "Store": "concierge.store.store",
    "StoreError": "concierge.store.db",
    "SyncStatus": "concierge.store.board",
    "VisitRow": "concierge.store.board",
    **dict.fromkeys(
        ("ConflictRow", "OutboxOp", "RejectedOp", "StoreChange", "StoreEvents",
         "TelemetryWindow"),
        "concierge.store.models",
    ),
}
__all__ = [
    "ConflictRow",
    "OutboxOp",
    "RejectedOp",
    "Store",
    "StoreChange",
    "StoreError",
    "StoreEvents",
    "SyncStatus",
    "TelemetryWindow",
    "VisitRow",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'concierge.store' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
