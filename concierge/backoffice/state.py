"""Configuration and the per-app state shared by the routers and jobs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from fastapi import Request

from concierge.backoffice.db import Database
from concierge.backoffice.engine import ProactiveEngine
from concierge.backoffice.throttle import LoginThrottle

DAY = 86_400.0


@dataclass(frozen=True)
class Config:
    database_url: str
    access_ttl: float = 15 * 60.0
    refresh_ttl: float = 30 * DAY
    tombstone_retention: float = 60 * DAY
    max_json_body: int = 16 * 1024 * 1024


class Clock:
    """Simulated time: runs ``speed`` times as fast as the wall clock from ``origin``."""

    def __init__(self, speed: float = 1.0, origin: float | None = None) -> None:
        self.speed = speed
        self._real0 = time.time()
        self._sim0 = self._real0 if origin is None else origin
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._sim0 + (time.time() - self._real0) * self.speed


@dataclass
class AppState:
    config: Config
    db: Database
    clock: Clock
    engine: ProactiveEngine
    throttle: LoginThrottle = field(default_factory=LoginThrottle)


def state_of(request: Request) -> AppState:
    state = request.app.state.backoffice
    assert isinstance(state, AppState)
    return state
