# SPDX-License-Identifier: Apache-2.0
"""The laptop's offline store (SQLite): records, outbox, conflicts, telemetry, attachments.

Entry point: ``Store.open(paths.store_file, paths.attachments)``.  See docs/sync.md.
The names below load on first use, so ``concierge.store.board`` (the window's first
paint) imports without the rest of the store (pydantic schemas, migrations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.lazy import lazy_exports

if TYPE_CHECKING:
    from concierge.store.board import SyncStatus, VisitRow
    from concierge.store.db import CorruptStoreError, StoreError
    from concierge.store.models import (
        ConflictRow,
        OutboxOp,
        RejectedOp,
        StoreChange,
        StoreEvents,
        TelemetryWindow,
        WithdrawnVisit,
    )
    from concierge.store.store import Store

_HOMES = {
    "Store": "concierge.store.store",
    "StoreError": "concierge.store.db",
    "CorruptStoreError": "concierge.store.db",
    "SyncStatus": "concierge.store.board",
    "VisitRow": "concierge.store.board",
    **dict.fromkeys(
        ("ConflictRow", "OutboxOp", "RejectedOp", "StoreChange", "StoreEvents",
         "TelemetryWindow", "WithdrawnVisit"),
        "concierge.store.models",
    ),
}
__all__ = [
    "ConflictRow",
    "CorruptStoreError",
    "OutboxOp",
    "RejectedOp",
    "Store",
    "StoreChange",
    "StoreError",
    "StoreEvents",
    "SyncStatus",
    "TelemetryWindow",
    "VisitRow",
    "WithdrawnVisit",
]


__getattr__ = lazy_exports(__name__, _HOMES)
