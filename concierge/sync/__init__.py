"""Sync engine and scheduled sync service (Qt-free; events fire on worker threads).

See docs/sync.md.
"""

from concierge.sync.engine import SyncEngine
from concierge.sync.models import SyncEvents, SyncOptions, SyncProgress, SyncResult
from concierge.sync.service import ClockWatch, SyncService

__all__ = [
    "ClockWatch",
    "SyncEngine",
    "SyncEvents",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "SyncService",
]
