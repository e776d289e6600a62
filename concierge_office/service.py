# SPDX-License-Identifier: Apache-2.0
"""One back office instance: database, demo data, app and background jobs."""

from __future__ import annotations

import logging
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI

from concierge_office import db
from concierge_office.accounts import ensure_admin
from concierge_office.app import create_app
from concierge_office.changes import purge_tombstones
from concierge_office.db import Database
from concierge_office.demo_fleet import (
    Fleet,
    LiveTelemetry,
    demo_anchor,
    demo_pending,
    finish_demo,
    seed_fleet,
)
from concierge_office.engine import EVERY_DAY, WORK_DAYS, ProactiveEngine
from concierge_office.state import DAY, AppState, Clock, Config, Readiness

log = logging.getLogger(__name__)

LIVE_TICK_SECONDS = 5.0
ENGINE_INTERVAL_SECONDS = 60.0
PURGE_INTERVAL_SECONDS = 3600.0


class BackOffice:
    """Opens (and, for the demo, seeds) the database and runs the scheduled jobs.

    A new demo database gets its people, sites and assets at once; its history and
    the engine's first run (its insights and visits) follow on a background thread
    while the app already serves.  Until then ``ready`` is unset and the app holds
    every data request (health and login are served), so no client ever sees a
    half-seeded office.
    """

    def __init__(
        self,
        database_url: str,
        *,
        demo: bool = True,
        seed: int = 7,
        speed: float = 1.0,
        live: bool = True,
        access_ttl_seconds: float = 15 * 60.0,
        refresh_grace_seconds: float = 60.0,
        tombstone_retention_seconds: float = 60 * DAY,
    ) -> None:
        self.db = Database(database_url)
        self.db.create_schema()
        ensure_admin(self.db)
        with self.db.read() as conn:
            has_demo = db.meta_get(conn, "demo_seed") is not None
            sim_now = float(db.meta_get(conn, "sim_now") or 0.0)
        self._fleet: Fleet | None = None  # a demo just seeded, for finish_demo
        if demo and not has_demo:
            self._fleet = seed_fleet(self.db, seed, demo_anchor(time.time()))
            has_demo = True
        self.config = Config(
            database_url=database_url,
            access_ttl=access_ttl_seconds,
            refresh_grace=refresh_grace_seconds,
            tombstone_retention=tombstone_retention_seconds,
        )
        self.clock = Clock(speed, origin=max(time.time(), sim_now))
        self.engine = ProactiveEngine(self.db, EVERY_DAY if has_demo else WORK_DAYS)
        self.ready = Readiness()
        self.state = AppState(self.config, self.db, self.clock, self.engine, ready=self.ready)
        self.app: FastAPI = create_app(self.state)
        self._scheduler: BackgroundScheduler | None = None
        self._live = live
        self._has_demo = has_demo
        self._preparing = threading.Thread(
            target=self._prepare, name="concierge-office-prepare", daemon=True
        )
        self._preparing.start()

    def _prepare(self) -> None:
        """Finish a new demo (history, first engine run), start the jobs, then open up."""
        try:
            with self.db.read() as conn:
                pending = demo_pending(conn)
            if pending:
                finish_demo(self.db, self.engine, self._fleet)
            self._fleet = None
            if self._live:
                self._start_jobs(LiveTelemetry(self.db, self.clock) if self._has_demo else None)
        except Exception:
            log.exception("the back office could not prepare its data")
            self.ready.set(failed=True)
        else:
            self.ready.set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the data is complete; False on timeout or failure."""
        self._preparing.join(timeout)
        return self.ready.is_set() and not self.ready.failed

    def _start_jobs(self, telemetry: LiveTelemetry | None) -> None:
        scheduler = BackgroundScheduler(timezone="UTC")
        common = {
            "replace_existing": True,
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": None,
        }
        if telemetry is not None:
            telemetry.tick()  # catch up to now before serving
            scheduler.add_job(
                telemetry.tick, "interval", seconds=LIVE_TICK_SECONDS, id="live-telemetry", **common
            )
        scheduler.add_job(
            self.run_engine,
            "interval",
            seconds=ENGINE_INTERVAL_SECONDS,
            id="proactive-engine",
            **common,
        )
        scheduler.add_job(
            self.purge, "interval", seconds=PURGE_INTERVAL_SECONDS, id="purge-tombstones", **common
        )
        scheduler.start()
        self._scheduler = scheduler

    def run_engine(self) -> None:
        result = self.engine.run(self.clock.now())
        log.info("proactive engine: %s", result.model_dump())

    def purge(self) -> int:
        with self.db.write() as conn:
            return purge_tombstones(self.db, conn, time.time() - self.config.tombstone_retention)

    def close(self) -> None:
        self._preparing.join()  # a database left behind is always complete
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.db.dispose()
