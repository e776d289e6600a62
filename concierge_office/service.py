# SPDX-License-Identifier: Apache-2.0
"""One back office instance: database, demo data, app and background jobs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI

from concierge_office import db, serve
from concierge_office.accounts import ensure_admin
from concierge_office.app import create_app
from concierge_office.bootstrap import SETUP_TOKEN_SECONDS, admin_exists, issue_setup_token
from concierge_office.changes import purge_tombstones
from concierge_office.contracts import reissue_sites_for_office_phone
from concierge_office.db import Database
from concierge_office.demo_fleet import (
    Fleet,
    LiveTelemetry,
    demo_anchor,
    demo_pending,
    finish_demo,
    seed_fleet,
)
from concierge_office.devices.link import attach as attach_devices
from concierge_office.engine import EVERY_DAY, WORK_DAYS, ProactiveEngine
from concierge_office.jobs import purge_runs, run_due, worker_id
from concierge_office.state import DAY, AppState, Clock, Config, Readiness

log = logging.getLogger(__name__)

LIVE_TICK_SECONDS = 5.0
ENGINE_INTERVAL_SECONDS = 60.0
PURGE_INTERVAL_SECONDS = 3600.0
HELD_INTERVAL_SECONDS = 3600.0  # each check is due once; an hour late is fine
JOB_RUNS_KEPT_SECONDS = 7 * DAY


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
        setup_token: bool = True,
        link_devices: bool = True,
        office_phone: str = "",
        clock: Clock | None = None,
    ) -> None:
        """``clock``: the office's time (default: the wall clock, or the demo's simulated
        time if later, at ``speed``).  ``setup_token``: with no admin (outside the demo),
        issue and log a setup token (False in workers: their parent does it once).
        ``link_devices``: connect to the MQTT broker once ready (False in the parent of
        workers: one of them does)."""
        self.db = Database(database_url)
        try:
            self.db.create_schema()
        except BaseException:
            self.db.dispose()
            raise
        self.setup_token: str | None = None  # printed once: creates the first admin
        if demo:
            ensure_admin(self.db)  # the demo's published accounts exist only in demo mode
        elif setup_token:
            self.setup_token = self._setup_token_if_no_admin()
        with self.db.read() as conn:
            has_demo = db.meta_get(conn, "demo_seed") is not None
            sim_now = float(db.meta_get(conn, "sim_now") or 0.0)
        self._fleet: Fleet | None = None  # a demo just seeded, for finish_demo
        if demo and not has_demo:
            self._fleet = seed_fleet(self.db, seed, demo_anchor(time.time()))
            has_demo = True
        reissue_sites_for_office_phone(self.db, office_phone)  # a new phone reaches laptops
        self.config = Config(
            database_url=database_url,
            access_ttl=access_ttl_seconds,
            refresh_grace=refresh_grace_seconds,
            tombstone_retention=tombstone_retention_seconds,
            office_phone=office_phone,
        )
        self.clock = clock or Clock(speed, origin=max(time.time(), sim_now))
        self.engine = ProactiveEngine(self.db, EVERY_DAY if has_demo else WORK_DAYS)
        self.ready = Readiness()
        self.state = AppState(self.config, self.db, self.clock, self.engine, ready=self.ready)
        self.app: FastAPI = create_app(self.state)
        self.devices = attach_devices(self)  # MQTT devices, remote first (CONCIERGE_MQTT_*)
        self._scheduler: BackgroundScheduler | None = None
        self.worker = worker_id()  # owner of this process's job claims
        self._live = live
        self._link_devices = link_devices
        self._has_demo = has_demo
        self._preparing = threading.Thread(
            target=self._prepare, name="concierge-office-prepare", daemon=True
        )
        self._preparing.start()

    def _setup_token_if_no_admin(self) -> str | None:
        with self.db.read() as conn:
            if admin_exists(conn):
                return None
        token = issue_setup_token(self.db)
        log.warning(
            "No administrator yet. Create one with `concierge-office create-admin`, or within "
            "%d minutes POST /v1/setup with this one-time token: %s",
            SETUP_TOKEN_SECONDS // 60,
            token,
        )
        return token

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
            if self._link_devices:
                self.devices.start()
        except Exception:
            log.exception("the back office could not prepare its data")
            self.ready.set(failed=True)
        else:
            self.ready.set()
            log.info("back office ready")

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
            if not self.devices.simulates_fleet:  # else simulated devices send it over MQTT
                scheduler.add_job(
                    self._claimed("live-telemetry", LIVE_TICK_SECONDS, telemetry.tick),
                    "interval", seconds=LIVE_TICK_SECONDS, id="live-telemetry", **common,
                )
        scheduler.add_job(
            self._claimed("proactive-engine", ENGINE_INTERVAL_SECONDS, self.run_engine),
            "interval", seconds=ENGINE_INTERVAL_SECONDS, id="proactive-engine", **common,
        )
        scheduler.add_job(
            self._claimed("purge-tombstones", PURGE_INTERVAL_SECONDS, self.purge),
            "interval", seconds=PURGE_INTERVAL_SECONDS, id="purge-tombstones", **common,
        )
        scheduler.add_job(  # #19.3: did the visits' improvements hold (7 and 30 days on)
            self._claimed("did-it-hold", HELD_INTERVAL_SECONDS, self.check_held),
            "interval", seconds=HELD_INTERVAL_SECONDS, id="did-it-hold", **common,
        )
        scheduler.start()
        self._scheduler = scheduler

    def _claimed(self, job: str, period: float, body: Callable[[], object]) -> Callable[[], None]:
        """``body`` run only by the worker that claims the job's period (see jobs.py)."""

        def tick() -> None:
            if not self.state.stopping.is_set():
                run_due(self.db, job, body, period=period, owner=self.worker)

        return tick

    def check_held(self) -> int:
        return serve.check_held(self.db, self.clock.now())

    def run_engine(self) -> None:
        result = self.engine.run(self.clock.now())
        log.info("proactive engine: %s", result.model_dump())

    def purge(self) -> int:
        with self.db.write() as conn:
            purged = purge_tombstones(self.db, conn, time.time() - self.config.tombstone_retention)
        purge_runs(self.db, time.time() - JOB_RUNS_KEPT_SECONDS)
        return purged

    def close(self) -> None:
        """Stop: readiness off, scheduled jobs stopped (a running one finishes), DB closed."""
        self.state.stopping.set()
        self._preparing.join()  # a database left behind is always complete
        self.devices.stop()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.db.dispose()
        log.info("back office closed (scheduler stopped, database disposed)")
