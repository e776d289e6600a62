# SPDX-License-Identifier: Apache-2.0
"""Sync engine and scheduled sync service (Qt-free; events fire on worker threads).

See docs/sync.md.  The names below load on first use, so ``concierge.sync.models``
(plain dataclasses) and ``concierge.sync.lock`` can be imported without pulling in
requests, pydantic and APScheduler (the command line registers its options with them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.lazy import lazy_exports

if TYPE_CHECKING:
    from concierge.sync.engine import SyncEngine
    from concierge.sync.failures import SyncFailure
    from concierge.sync.models import SyncEvents, SyncOptions, SyncProgress, SyncResult
    from concierge.sync.service import ClockWatch, SyncService

_WHERE = {
    "ClockWatch": "concierge.sync.service",
    "SyncEngine": "concierge.sync.engine",
    "SyncEvents": "concierge.sync.models",
    "SyncFailure": "concierge.sync.failures",
    "SyncOptions": "concierge.sync.models",
    "SyncProgress": "concierge.sync.models",
    "SyncResult": "concierge.sync.models",
    "SyncService": "concierge.sync.service",
}

__all__ = [
    "ClockWatch",
    "SyncEngine",
    "SyncEvents",
    "SyncFailure",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "SyncService",
]


__getattr__ = lazy_exports(__name__, _WHERE)
