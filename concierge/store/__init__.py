"""The laptop's offline store (SQLite): records, outbox, conflicts, telemetry, attachments.

Entry point: ``Store.open(paths.store_file, paths.attachments)``.  See docs/sync.md.
"""

from concierge.store.db import StoreError
from concierge.store.models import (
    ConflictRow,
    OutboxOp,
    RejectedOp,
    StoreChange,
    StoreEvents,
    SyncStatus,
    TelemetryWindow,
    VisitRow,
)
from concierge.store.store import Store

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
