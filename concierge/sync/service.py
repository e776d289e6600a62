# SPDX-License-Identifier: Apache-2.0
"""Scheduled sync: APScheduler 3 interval job plus start-up, manual, network-regained
and clock-jump triggers, all funnelled into the one ``sync`` job (so they share its
lock and never overlap).  Jobs run on pool threads named ``concierge-sync…``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from concierge.sync.engine import SyncEngine
from concierge.sync.models import SyncEvents

log = logging.getLogger(__name__)

MIN_INTERVAL, MAX_INTERVAL = 1, 24 * 60  # minutes
SYNC_JOB = "sync"


class ClockWatch:
    """Notices wall-clock jumps and sleep/resume: wall time moving unlike monotonic time."""

    def __init__(
        self,
        threshold: float = 60.0,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self._wall, self._monotonic = wall, monotonic
        self._last = (wall(), monotonic())

    def jumped(self) -> bool:
        now = (self._wall(), self._monotonic())
        drift = (now[0] - self._last[0]) - (now[1] - self._last[1])
        self._last = now
        return abs(drift) > self.threshold


class SyncService:
    def __init__(
        self,
        engine: SyncEngine,
        *,
        watch_seconds: float = 15.0,
        clock_watch: ClockWatch | None = None,
    ) -> None:
        self.engine = engine
        self.events: SyncEvents = engine.events
        self._watch_seconds = watch_seconds
        self._clock = clock_watch or ClockWatch()
        self._online: bool | None = None
        self._running = threading.Event()
        self._requested = False  # the next run was asked for (now, manual, retry, ...)
        self._retry_at: datetime | None = None  # set by a failed run: when it retries
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(
                2, pool_kwargs={"thread_name_prefix": "concierge-sync"}
            )},
            timezone=UTC,
        )

    @property
    def online(self) -> bool:
        """False once a sync found the server unreachable, until it answers again."""
        return self._online is not False

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def start(self, interval_minutes: int) -> None:
        """Sync now, then every ``interval_minutes``; watch the network and the clock."""
        trigger = IntervalTrigger(minutes=_checked(interval_minutes), timezone=UTC)
        self._scheduler.add_job(
            self._sync_job, trigger, id=SYNC_JOB, name="sync", replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.add_job(
            self._watch_job, IntervalTrigger(seconds=self._watch_seconds, timezone=UTC),
            id="watch", name="network and clock watch", replace_existing=True, coalesce=True,
            max_instances=1, misfire_grace_time=None,
        )
        self._scheduler.start()

    def set_interval(self, minutes: int) -> None:
        trigger = IntervalTrigger(minutes=_checked(minutes), timezone=UTC)
        self._scheduler.reschedule_job(SYNC_JOB, trigger=trigger)

    def sync_now(self, reason: str = "manual") -> bool:
        """Ask for a sync on a pool thread; False if one is already running."""
        if self.running or self.engine.lock.locked() or not self._scheduler.running:
            return False
        log.debug("sync requested (%s)", reason)  # routine: not worth the log at INFO
        self._requested = True
        self._scheduler.modify_job(SYNC_JOB, next_run_time=datetime.now(UTC))
        return True

    def shutdown(self, wait: bool = True) -> None:
        """Stop scheduling; a running sync stops at its next request."""
        if not self._scheduler.running:
            return
        self.engine.client.cancel()
        self._scheduler.shutdown(wait=wait)

    def _sync_job(self) -> None:
        requested, self._requested = self._requested, False
        if not requested and self._retry_at is not None and datetime.now(UTC) < self._retry_at:
            log.info("interval sync skipped: the last one said it retries at %s", self._retry_at)
            return
        self._running.set()
        try:
            result = self.engine.run_once()
        finally:
            self._running.clear()
        self._set_online(not result.offline)
        self._retry_at = result.retry_at

    def _watch_job(self) -> None:
        retry_at = self._retry_at
        if retry_at is not None and datetime.now(UTC) >= retry_at:
            self.sync_now("retry after a failed sync")  # the time its message named
        if self._clock.jumped():
            self.sync_now("clock jump or resume from sleep")
        if self._online is False and self.engine.client.reachable():
            self._set_online(True)
            self.sync_now("network regained")

    def _set_online(self, online: bool) -> None:
        if self._online is not online:
            self._online = online
            self.events.online_changed.emit(online)


def _checked(minutes: int) -> int:
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise ValueError(f"The sync interval must be 1 minute to 1 day, not {minutes} minutes.")
    return minutes
