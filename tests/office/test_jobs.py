"""Scheduled jobs run once per period across worker processes, and survive a killed runner.

Real processes (spawned, each with its own engine) race on the same database; the clock
is injected, so periods are exact and nothing sleeps.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.synchronize import Barrier, Event
from typing import Any

from sqlalchemy import func, select

from concierge_office import db
from concierge_office.db import Database
from concierge_office.jobs import run_due
from concierge_office.service import BackOffice
from tests.officedb import Backend

PERIOD = 60.0
LEASE = 30.0
T0 = 1_800_000_000.0
JOB = "engine-pass"
_SPAWN = multiprocessing.get_context("spawn")


def _effects(database: Database) -> list[tuple[str, str]]:
    with database.read() as conn:
        rows = conn.execute(select(db.meta.c.key, db.meta.c.value).where(
            db.meta.c.key.like("effect-%")))
        return sorted((k, v) for k, v in rows)


def _worker(url: str, name: str, channels: tuple[Any, Any, Barrier, Event]) -> None:
    """Runs ``run_due`` at each time it is sent; the job records its effect, then holds
    until the parent has every worker's answer (so the race covers the whole run)."""
    commands, results, barrier, release = channels
    database = Database(url)
    try:
        while (now := commands.get()) is not None:

            def job(at: float = now) -> None:
                with database.write() as conn:
                    db.meta_set(database, conn, f"effect-{at:.0f}", name)
                if not release.wait(timeout=60):
                    raise RuntimeError("the parent never released the job")

            barrier.wait(timeout=60)
            results.put((name, now, run_due(database, JOB, job, period=PERIOD, owner=name,
                                            now=now, lease=LEASE)))
    finally:
        database.dispose()


def _upgraded(backend: Backend) -> str:
    url = backend.empty("jobs")
    database = Database(url)
    database.create_schema()
    database.dispose()
    return url


def test_three_workers_run_each_job_once_per_period(office_backend: Backend) -> None:
    url = _upgraded(office_backend)
    names = ["w1", "w2", "w3"]
    barrier = _SPAWN.Barrier(3)
    commands = {n: _SPAWN.Queue() for n in names}
    results: Any = _SPAWN.Queue()
    releases = []
    workers = []
    for n in names:
        release = _SPAWN.Event()
        releases.append(release)
        worker = _SPAWN.Process(target=_worker,
                                args=(url, n, (commands[n], results, barrier, release)))
        worker.start()
        workers.append(worker)
    try:
        # Every half period for 10 periods: a run at each period's start, none mid-period.
        times = [T0 + i * PERIOD / 2 for i in range(20)]
        for now in times:
            for release in releases:
                release.clear()
            for n in names:
                commands[n].put(now)
            outcomes = []
            for _ in names:
                outcomes.append(results.get(timeout=120))
                if sum(o == "skipped" for _, _, o in outcomes) == 2 or len(outcomes) == 3:
                    for release in releases:
                        release.set()
            ran = [who for who, _, outcome in outcomes if outcome == "ran"]
            assert len(ran) == (1 if (now - T0) % PERIOD == 0 else 0), (now, outcomes)
        database = Database(url)
        try:
            effects = _effects(database)
            with database.read() as conn:
                runs = conn.execute(select(db.job_runs)).all()
        finally:
            database.dispose()
        assert [k for k, _ in effects] == [f"effect-{T0 + i * PERIOD:.0f}" for i in range(10)]
        assert len(runs) == 10 and all(r.finished_at is not None for r in runs)
    finally:
        for n in names:
            commands[n].put(None)
        for worker in workers:
            worker.join(timeout=60)
        office_backend.drop(url)


def _stuck_runner(url: str, started: Event) -> None:
    """Claims the period, writes half its work (uncommitted), then hangs until killed."""
    database = Database(url)

    def job() -> None:
        with database.write() as conn:
            db.meta_set(database, conn, "effect-partial", "killed runner")
            started.set()
            _SPAWN.Event().wait()  # until SIGKILL

    run_due(database, JOB, job, period=PERIOD, owner="doomed", now=T0, lease=LEASE)


def test_a_killed_runner_is_taken_over_once_its_lease_ends(office_backend: Backend) -> None:
    url = _upgraded(office_backend)
    started = _SPAWN.Event()
    runner = _SPAWN.Process(target=_stuck_runner, args=(url, started))
    runner.start()
    database = Database(url)
    try:
        assert started.wait(timeout=120)
        assert runner.pid is not None
        os.kill(runner.pid, signal.SIGKILL)
        runner.join(timeout=60)
        assert runner.exitcode == -signal.SIGKILL
        done: list[str] = []

        def job() -> None:
            done.append("ran")

        # Within the lease the dead claim still counts; after it, another worker takes over,
        # still within the same period.
        assert run_due(database, JOB, job, period=PERIOD, owner="heir", now=T0 + 1,
                       lease=LEASE) == "skipped"
        assert run_due(database, JOB, job, period=PERIOD, owner="heir", now=T0 + LEASE + 1,
                       lease=LEASE) == "ran"
        assert LEASE + 1 < PERIOD and done == ["ran"]
        with database.read() as conn:
            runs = conn.execute(select(db.job_runs)).all()
            partial = conn.execute(select(func.count()).select_from(db.meta).where(
                db.meta.c.key == "effect-partial")).scalar_one()
        assert [(r.owner, r.finished_at is not None) for r in runs] == [("heir", True)]
        assert partial == 0  # the killed runner's uncommitted work is gone
    finally:
        if runner.is_alive():
            runner.kill()
        database.dispose()
        office_backend.drop(url)


def test_the_scheduler_registers_each_job_claimed_and_coalesced(office_backend: Backend) -> None:
    url = office_backend.empty("sched")
    office = BackOffice(url, demo=False, live=True)
    try:
        assert office.wait_ready(timeout=60)
        assert office._scheduler is not None
        jobs = {job.id: job for job in office._scheduler.get_jobs()}
        assert set(jobs) == {"proactive-engine", "purge-tombstones", "did-it-hold"}
        assert all(j.coalesce and j.max_instances == 1 for j in jobs.values())
        assert all(j.func.__qualname__.endswith("_claimed.<locals>.tick") for j in jobs.values())
    finally:
        office.close()
        office_backend.drop(url)
