"""Row-shaped values for model tests that need no store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass
class Row:
    id: str
    site_id: str = "s1"
    customer_name: str = "Acme"
    site_name: str = "HQ"
    address: str = "1 Main St"
    window_start: datetime = datetime(2030, 1, 1, 9, tzinfo=UTC)
    window_end: datetime = datetime(2030, 1, 1, 11, tzinfo=UTC)
    priority: int = 3
    status: str = "scheduled"
    summary: str = "Routine check"
    asset_count: int = 1
    offline_ready: bool = True
    pending_changes: bool = False
    has_conflict: bool = False
    updated_at: datetime = datetime(2029, 12, 1, tzinfo=UTC)


def now_plus(days: float, hours: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(days=days, hours=hours)
