"""The embedded server: cold start with visits, clean stop, persistence across restarts."""

from __future__ import annotations

import threading
from pathlib import Path

import requests

from concierge_office.demo_fleet import DEMO_PASSWORD
from concierge_office.server import start_embedded
from tests.office.conftest import Api, LoginFactory, mutation


def _http_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("concierge-office")]


def test_a_cold_start_serves_engine_made_visits_to_the_first_sync() -> None:
    """Nothing cached: the first requests after start_embedded returns already see visits.

    (The start time itself is measured by benchmarks/bench_backoffice_start.py.)
    """
    bo = start_embedded(live=False)
    try:
        health = requests.get(f"{bo.url}/v1/health", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert bo.url.startswith("http://127.0.0.1:")
        ana = Api(bo.url, "ana", DEMO_PASSWORD)
        try:
            changes, _ = ana.pull_all()
        finally:
            ana.close()
        visits = [c["data"] for c in changes if c["entity"] == "visit"]
        assert visits and all(v["insight_ids"] for v in visits)
        insights = {c["id"] for c in changes if c["entity"] == "insight"}
        assert {i for v in visits for i in v["insight_ids"]} <= insights
        database = Path(bo.database_url.removeprefix("sqlite:///"))
        assert database.exists()
    finally:
        bo.stop()
    assert not _http_threads()
    assert not database.exists()


def test_live_mode_runs_jobs_and_stops_without_dangling_threads() -> None:
    before = set(threading.enumerate())
    with start_embedded(live=True, speed=60.0) as bo:
        assert requests.get(f"{bo.url}/v1/health", timeout=5).status_code == 200
        assert bo.service.wait_ready()  # the jobs start once the demo is complete
        jobs = {job.id for job in bo.service._scheduler.get_jobs()}  # type: ignore[union-attr]
        assert jobs == {"live-telemetry", "proactive-engine", "purge-tombstones", "did-it-hold"}
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive() and not t.daemon]
    assert not leftover and not _http_threads()


def test_restart_on_the_same_database_keeps_everything(
    empty_database: str, login: LoginFactory
) -> None:
    url = empty_database
    with start_embedded(url, live=False) as bo:
        ana = login(bo, "ana")
        visit = ana.ok("GET", "/v1/visits")[0]
        op = mutation(
            "visit", visit["id"], visit["version"], {"technician_notes": "bring a ladder"}
        )
        assert ana.push(op)[0]["status"] == "applied"
        _, cursor = ana.pull_all()
    with start_embedded(url, live=False) as bo:
        again = Api(bo.url, "ana", DEMO_PASSWORD)
        try:
            assert (
                again.ok("GET", f"/v1/visits/{visit['id']}")["technician_notes"] == "bring a ladder"
            )
            assert again.push(op)[0]["status"] == "duplicate"  # op ids survive the restart
            changes, _ = again.pull_all(cursor)
            assert changes == []  # the old cursor is still valid and nothing changed
        finally:
            again.close()
