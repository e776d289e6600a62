# SPDX-License-Identifier: Apache-2.0
"""Retry policy: exponential backoff with full jitter, honouring Retry-After (capped)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

from urllib3.util.retry import Retry

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries per request, the first included
    base: float = 0.25  # seconds; doubles per try (CouchDB: 0.25, 0.5, 1, 2, 4)
    cap: float = 10.0  # longest single wait
    retry_after_cap: float = 60.0  # longest Retry-After we honour within one sync

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))

    def urllib3_retry(self) -> Retry:
        """Connection-level retries for idempotent requests (GET, HEAD, PUT)."""
        return _CappedRetry(
            total=2, connect=2, read=1, status=2, other=0,
            backoff_factor=self.base, backoff_max=self.cap, backoff_jitter=self.base,
            status_forcelist=TRANSIENT_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD", "PUT"}),
            respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
            retry_after_cap=self.retry_after_cap,
        )


class _CappedRetry(Retry):
    """urllib3 Retry that never sleeps longer than ``retry_after_cap`` for Retry-After."""

    def __init__(self, *args: Any, retry_after_cap: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap

    def new(self, **kw: Any) -> Self:
        kw.setdefault("retry_after_cap", self.retry_after_cap)
        return super().new(**kw)

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
