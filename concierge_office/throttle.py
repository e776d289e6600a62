# SPDX-License-Identifier: Apache-2.0
"""Slowing down repeated failed logins."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class LoginThrottle:
    """Exponential lockout per login and per client after repeated failures.

    Keys are ``(key, free_failures)``: a login gets fewer free tries than a client
    address, which many people may share.
    """

    max_lockout: float = 300.0
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, keys: list[tuple[str, int]], now: float) -> float:
        with self._lock:
            waits = [self._failures.get(k, (0, 0.0))[1] - now for k, _ in keys]
        return max([0.0, *waits])

    def failed(self, keys: list[tuple[str, int]], now: float) -> None:
        with self._lock:
            for key, free in keys:
                count = self._failures.get(key, (0, 0.0))[0] + 1
                excess = count - free
                wait = min(self.max_lockout, 2.0 ** (excess - 1)) if excess > 0 else 0.0
                self._failures[key] = (count, now + wait)

    def succeeded(self, keys: list[tuple[str, int]]) -> None:
        with self._lock:
            for key, _ in keys:
                self._failures.pop(key, None)
