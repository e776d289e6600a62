# SPDX-License-Identifier: Apache-2.0
"""The one place the store reads the wall clock (for action times and status only)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
