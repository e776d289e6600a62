# SPDX-License-Identifier: Apache-2.0
"""``serve --workers N``: N uvicorn worker processes on one PostgreSQL database.

The parent migrates (and seeds a demo) once, before any worker starts; each worker builds
its own engine and office after it is spawned (pools are never shared across processes)
and only verifies the schema.  Scheduled jobs run once per period across workers through
``job_runs`` claims (jobs.py).  With MQTT, one worker at a time holds the broker
connection (devices/election.py).  SQLite allows one writer at a time: refused there.
"""

from __future__ import annotations

import json
import os

import uvicorn
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from concierge_office.config import Settings, configure_logging
from concierge_office.db import Database
from concierge_office.migrate import MigrationError, upgrade

_SETTINGS_ENV = "FIELD_CONCIERGE_OFFICE_WORKER"  # not CONCIERGE_OFFICE_*: not a setting


class WorkersRefused(RuntimeError):
    pass


def serve_workers(settings: Settings, *, demo: bool, live: bool) -> int:
    database = Database(settings.database_url)
    try:
        if database.is_sqlite:
            raise WorkersRefused(
                "--workers above 1 needs PostgreSQL: SQLite allows one writer at a time. "
                "Serve SQLite with one worker."
            )
        if settings.migrate_at_start:
            upgrade(database)
    finally:
        database.dispose()
    from concierge_office.service import BackOffice

    # Once, before the workers: the demo's data, or the setup token while no admin exists.
    first = BackOffice(settings.database_url, demo=demo, live=False, link_devices=False)
    first.wait_ready()
    first.close()
    if first.setup_token:
        print(f"  no administrator yet: one-time setup token (15 min): {first.setup_token}",
              flush=True)
    os.environ[_SETTINGS_ENV] = json.dumps({"settings": settings.model_dump(), "demo": demo,
                                            "live": live})
    uvicorn.run(
        "concierge_office.workers:worker_app", factory=True, workers=settings.workers,
        host=settings.host, port=settings.port, uds=settings.uds, log_config=None,
        lifespan="on", proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=int(settings.graceful_timeout),
    )
    return 0


class _Lifespan:
    """Closes the worker's office at lifespan shutdown (after uvicorn drained requests)."""

    def __init__(self, app: ASGIApp, office: object) -> None:
        self.app = app
        self.office = office

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await run_in_threadpool(self.office.close)  # type: ignore[attr-defined]
                await send({"type": "lifespan.shutdown.complete"})
                return


def worker_app() -> ASGIApp:
    """One worker's app (uvicorn calls this in each spawned worker)."""
    from concierge_office.migrate import status
    from concierge_office.service import BackOffice

    spec = json.loads(os.environ[_SETTINGS_ENV])
    settings = Settings(**spec["settings"])
    configure_logging(settings)  # a spawned worker starts with none
    database = Database(settings.database_url)
    try:
        with database.engine.connect() as conn:
            if not status(conn).at_head:
                raise MigrationError("the schema is not at this release's revision: "
                                     "run `concierge-office db upgrade`")
    finally:
        database.dispose()
    office = BackOffice(settings.database_url, demo=spec["demo"], live=spec["live"],
                        setup_token=False,
                        access_ttl_seconds=settings.access_ttl,
                        tombstone_retention_seconds=settings.tombstone_retention_days * 86_400.0,
                        office_phone=settings.office_phone)
    return _Lifespan(office.app, office)
