# SPDX-License-Identifier: Apache-2.0
"""Configuration and the per-app state shared by the routers and jobs."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from fastapi import Request

from concierge_office.db import Database
from concierge_office.engine import ProactiveEngine
from concierge_office.throttle import LoginThrottle

DAY = 86_400.0


@dataclass(frozen=True)
class Config:
    database_url: str
    access_ttl: float = 15 * 60.0
    refresh_ttl: float = 30 * DAY
    refresh_grace: float = 60.0
    tombstone_retention: float = 60 * DAY
    max_json_body: int = 16 * 1024 * 1024
    office_phone: str = ""  # the fallback for a site contract without one


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


class Readiness:
    """Set once the office's data is complete (demo history and first engine run done).

    Data requests await it (without holding a thread); ``failed`` tells they never will be served.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self.failed = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self, *, failed: bool = False) -> None:
        with self._lock:
            self.failed = failed
            self._set = True
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._set:
                return
            self._waiters.append((loop, future))
        await future


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _ready() -> Readiness:
    readiness = Readiness()
    readiness.set()
    return readiness


@dataclass
class AppState:
    config: Config
    db: Database
    clock: Clock
    engine: ProactiveEngine
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    ready: Readiness = field(default_factory=_ready)
    stopping: threading.Event = field(default_factory=threading.Event)  # /readyz turns 503


def state_of(request: Request) -> AppState:
    state = request.app.state.backoffice
    assert isinstance(state, AppState)
    return state
