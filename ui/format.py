# SPDX-License-Identifier: Apache-2.0
"""Words and times for people: local time, "2 min ago", priority and status names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from concierge.store import board

PRIORITY_NAMES = {1: "Urgent", 2: "High", 3: "Normal", 4: "Low"}
PRIORITY_COLOURS = {1: "#d03b2f", 2: "#e07a1f", 3: "#1f7a8c", 4: "#7b8794"}
STATUS_NAMES = {
    "proposed": "Proposed", "scheduled": "Scheduled", "in_progress": "In progress",
    "completed": "Completed", "cancelled": "Cancelled",
}
DONE_STATUSES = frozenset(board.DONE_STATUSES)
SEVERITY_COLOURS = {"info": "#1f7a8c", "warning": "#d08c00", "critical": "#d03b2f"}


def place_text(customer: Any, site: Any = None) -> str:
    """"Customer · site" without saying the customer twice; takes a row or two names."""
    if site is None:
        customer, site = customer.customer_name, customer.site_name
    return str(site) if str(site).startswith(str(customer)) else f"{customer} · {site}"


def as_datetime(value: Any) -> datetime | None:
    """An aware datetime from a datetime, epoch seconds or ISO text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return as_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def local(value: Any) -> datetime | None:
    moment = as_datetime(value)
    return moment.astimezone() if moment else None


def window_text(start: Any, end: Any, now: datetime | None = None) -> str:
    """"Today 09:00–11:00", "Tue 14 May 13:00–15:00"."""
    a, b = local(start), local(end)
    if a is None:
        return ""
    today = (now or datetime.now().astimezone()).date()
    days = (a.date() - today).days
    day = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get(days, f"{a:%a %d %b}")
    span = f"{a:%H:%M}" + (f"–{b:%H:%M}" if b is not None else "")
    return f"{day} {span}"


def ago(value: Any, now: datetime | None = None) -> str:
    """"just now", "2 min ago", "3 h ago", "yesterday", "12 Mar"."""
    moment = as_datetime(value)
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86_400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 2 * 86_400:
        return "yesterday"
    return f"{moment.astimezone():%d %b}"


def when_text(value: Any, now: datetime | None = None) -> str:
    """Future moment in words: "in ~9 days (Tue 14 May)"."""
    moment = local(value)
    if moment is None:
        return "no forecast"
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds < 0:
        rel = "already reached"
    elif seconds < 86_400:
        rel = f"in ~{max(1, round(seconds / 3600))} h"
    else:
        rel = f"in ~{round(seconds / 86_400)} days"
    return f"{rel} ({moment:%a %d %b %H:%M})"
