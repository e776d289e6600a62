"""One back office instance: database, demo data, app and background jobs."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI
from sqlalchemy.engine import make_url

import concierge
from concierge.backoffice import db
from concierge.backoffice.accounts import ensure_admin
from concierge.backoffice.app import create_app
from concierge.backoffice.changes import purge_tombstones
from concierge.backoffice.db import Database
from concierge.backoffice.demo_fleet import LiveTelemetry, demo_anchor, seed_demo
from concierge.backoffice.engine import ProactiveEngine
from concierge.backoffice.state import DAY, AppState, Clock, Config

log = logging.getLogger(__name__)

LIVE_TICK_SECONDS = 5.0
ENGINE_INTERVAL_SECONDS = 60.0
PURGE_INTERVAL_SECONDS = 3600.0


class BackOffice:
    """Opens (and, for the demo, seeds) the database and runs the scheduled jobs."""

    def __init__(
        self,
        database_url: str,
        *,
        demo: bool = True,
        seed: int = 7,
        speed: float = 1.0,
        live: bool = True,
        access_ttl_seconds: float = 15 * 60.0,
        tombstone_retention_seconds: float = 60 * DAY,
    ) -> None:
        if demo:
            _copy_cached_demo(database_url, seed)
        self.db = Database(database_url)
        self.db.create_schema()
        ensure_admin(self.db)
        with self.db.read() as conn:
            has_demo = db.meta_get(conn, "demo_seed") is not None
            sim_now = float(db.meta_get(conn, "sim_now") or 0.0)
        if demo and not has_demo:
            seed_demo(self.db, seed, demo_anchor(time.time()))
            has_demo = True
        self.config = Config(
            database_url=database_url,
            access_ttl=access_ttl_seconds,
            tombstone_retention=tombstone_retention_seconds,
        )
        self.clock = Clock(speed, origin=max(time.time(), sim_now))
        self.engine = ProactiveEngine(self.db)
        self.state = AppState(self.config, self.db, self.clock, self.engine)
        self.app: FastAPI = create_app(self.state)
        self._scheduler: BackgroundScheduler | None = None
        if live:
            self._start_jobs(LiveTelemetry(self.db, self.clock) if has_demo else None)

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
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.db.dispose()


# --- cached demo database -------------------------------------------------------

_CACHE_DIR = Path(tempfile.gettempdir()) / "concierge-backoffice-demo"
_cache_lock = threading.Lock()


def _code_fingerprint() -> str:
    """Changes whenever the code that shapes the demo database changes."""
    root = Path(concierge.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(
        [*root.glob("backoffice/*.py"), *root.glob("insights/*.py"), root / "domain.py"]
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _copy_cached_demo(database_url: str, seed: int) -> None:
    """Fill an empty SQLite file from a cached, engine-built demo database (built once an hour)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    target = Path(url.database)
    if target.exists() and target.stat().st_size > 0:
        return
    anchor = int(demo_anchor(time.time()))
    cache = _CACHE_DIR / f"demo-{_code_fingerprint()}-seed{seed}-{anchor}.sqlite"
    with _cache_lock:
        if not cache.exists():
            _build_cache(cache, seed, anchor)
    shutil.copyfile(cache, target)


def _build_cache(cache: Path, seed: int, anchor: float) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    for stale in cache.parent.glob(f"demo-*-seed{seed}-*.sqlite"):
        stale.unlink(missing_ok=True)
    building = cache.with_name(f"{cache.stem}.{os.getpid()}.building")
    building.unlink(missing_ok=True)
    database = Database(f"sqlite:///{building}")
    try:
        database.create_schema()
        ensure_admin(database)
        seed_demo(database, seed, anchor)
        with database.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.dispose()
    os.replace(building, cache)
