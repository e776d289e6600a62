"""Scheduled sync: start-up, sync now, one lock, clock jumps, network regained."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from concierge.sync import ClockWatch, SyncResult, SyncService
from tests.sync.conftest import Laptop, Office
from tests.sync.proxy import FaultProxy

WAIT = 30


class Recorder:
    def __init__(self, service: SyncService) -> None:
        self.results: list[SyncResult] = []
        self.online: list[bool] = []
        self.changed = threading.Condition()
        service.events.finished.connect(self._finished)
        service.events.online_changed.connect(self._online)

    def _finished(self, result: SyncResult) -> None:
        with self.changed:
            self.results.append(result)
            self.changed.notify_all()

    def _online(self, online: bool) -> None:
        with self.changed:
            self.online.append(online)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout=WAIT)


def test_start_up_sync_and_sync_now_share_one_lock(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    with FaultProxy(office.url) as proxy:
        laptop = laptop_factory(office, url=proxy.url)
        service = SyncService(laptop.engine)
        recorder = Recorder(service)
        try:
            service.start(60)
            recorder.wait_for(lambda: len(recorder.results) == 1)  # start-up sync
            assert recorder.results[0].ok and recorder.online == [True]
            job = service._scheduler.get_job("sync")
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
            proxy.held.clear()
            proxy.hold_path = "/v1/sync/changes"
            assert service.sync_now()
            assert proxy.held.wait(WAIT)
            assert service.running and not service.sync_now()  # one at a time
            assert not laptop.engine.lock.acquire(blocking=False)
            proxy.hold_path = None
            proxy.release.set()
            recorder.wait_for(lambda: len(recorder.results) == 2)
            assert service.sync_now("manual")
            recorder.wait_for(lambda: len(recorder.results) == 3)
            assert recorder.results[-1].ok
        finally:
            service.shutdown()


def test_interval_bounds(laptop: Laptop) -> None:
    service = SyncService(laptop.engine)
    for bad in (0, 24 * 60 + 1):
        with pytest.raises(ValueError, match="1 minute to 1 day"):
            service.start(bad)
    service.start(5)
    try:
        service.set_interval(24 * 60)
        with pytest.raises(ValueError):
            service.set_interval(0)
    finally:
        service.shutdown()


def test_clock_jump_triggers_a_sync(laptop: Laptop) -> None:
    wall = [1_000_000.0]
    watch = ClockWatch(threshold=60, wall=lambda: wall[0])
    service = SyncService(laptop.engine, watch_seconds=0.1, clock_watch=watch)
    recorder = Recorder(service)
    try:
        service.start(24 * 60)
        recorder.wait_for(lambda: len(recorder.results) == 1)
        wall[0] -= 86_400  # the clock was set back a day (or the laptop slept)
        recorder.wait_for(lambda: len(recorder.results) == 2)
        assert recorder.results[-1].ok
    finally:
        service.shutdown()


def test_network_regained_triggers_a_sync(office: Office, laptop: Laptop) -> None:
    service = SyncService(laptop.engine, watch_seconds=0.1)
    recorder = Recorder(service)
    office.stop()
    try:
        service.start(24 * 60)
        recorder.wait_for(lambda: recorder.online == [False])
        assert not recorder.results[0].ok and recorder.results[0].offline
        assert "network" in (recorder.results[0].error or "") and not service.online
        office.start()  # same port
        recorder.wait_for(lambda: len(recorder.results) == 2)
        assert recorder.online == [False, True] and recorder.results[-1].ok and service.online
    finally:
        service.shutdown()
