# SPDX-License-Identifier: Apache-2.0
"""Scheduled jobs that run once per period whoever runs them, across worker processes.

Every worker runs the same local timer (APScheduler); each tick first *claims* the job's
current period in ``job_runs`` with compare-and-set: an ``INSERT ... ON CONFLICT DO
NOTHING`` that inserted one row, or the takeover of a claim whose lease ran out and that
never finished.  Only the claimant runs the job, then marks the period finished.  A worker
killed mid-job leaves an unfinished claim that another takes over once its lease has
expired, so jobs must be idempotent per period.  The same SQL works on SQLite and
PostgreSQL (no FOR UPDATE SKIP LOCKED, which SQLite silently ignores).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Literal

from sqlalchemy import update

from concierge_office import db
from concierge_office.db import Database

log = logging.getLogger(__name__)
Outcome = Literal["ran", "skipped"]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def period_start(now: float, period: float) -> float:
    return math.floor(now / period) * period


def claim(database: Database, job: str, start: float, *, owner: str, now: float,
          lease: float) -> bool:
    """Whether ``owner`` now holds the job's period (new claim or takeover of a dead one)."""
    runs = db.job_runs
    with database.write() as conn:
        inserted = conn.execute(
            database.insert_ignore(runs)
            .values(job=job, period_start=start, owner=owner, lease_until=now + lease,
                    finished_at=None)
            .returning(runs.c.job)  # rowcount is not reliable for ON CONFLICT on every driver
        ).first()
        if inserted is not None:
            return True
        taken = conn.execute(
            update(runs)
            .where(runs.c.job == job, runs.c.period_start == start,
                   runs.c.finished_at.is_(None), runs.c.lease_until < now)
            .values(owner=owner, lease_until=now + lease)
        ).rowcount
        return bool(taken == 1)


def finish(database: Database, job: str, start: float, owner: str, now: float) -> bool:
    """Mark the period done; False if the claim was taken over meanwhile."""
    runs = db.job_runs
    with database.write() as conn:
        done = conn.execute(
            update(runs)
            .where(runs.c.job == job, runs.c.period_start == start, runs.c.owner == owner)
            .values(finished_at=now)
        ).rowcount
        return bool(done == 1)


def run_due(database: Database, job: str, body: Callable[[], object], *, period: float,
            owner: str, now: float | None = None, lease: float | None = None) -> Outcome:
    """Run ``body`` if this worker claims the job's current period."""
    now = time.time() if now is None else now
    lease = period if lease is None else lease
    start = period_start(now, period)
    if not claim(database, job, start, owner=owner, now=now, lease=lease):
        return "skipped"
    body()
    if not finish(database, job, start, owner, time.time()):
        log.warning("job %s: the claim on period %s was taken over while it ran", job, start)
    return "ran"


def purge_runs(database: Database, before: float) -> int:
    """Forget finished claims older than ``before`` (the audit trail is kept a while)."""
    runs = db.job_runs
    with database.write() as conn:
        return int(conn.execute(
            runs.delete().where(runs.c.finished_at.is_not(None), runs.c.period_start < before)
        ).rowcount)
