"""The proactive engine: demo visits come from it; re-running changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from concierge.backoffice.demo_fleet import DEMO_TECHNICIANS
from concierge.backoffice.server import EmbeddedBackOffice
from tests.backoffice.conftest import LoginFactory


def test_every_demo_technician_gets_explained_visits(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    sites: list[str] = []
    for who in DEMO_TECHNICIANS:
        tech = login(office, who)
        visits = tech.ok("GET", "/v1/visits")
        assert len(visits) >= 3, who
        for visit in visits:
            assert visit["insight_ids"] and visit["status"] == "scheduled"
            insights = [tech.ok("GET", f"/v1/insights/{i}") for i in visit["insight_ids"]]
            assert visit["summary"] in {i["headline"] for i in insights}
            assert all(i["severity"] in ("warning", "critical") for i in insights)
            assert {i["asset_id"] for i in insights} <= set(visit["asset_ids"])
            impacts = [
                datetime.fromisoformat(i["predicted_impact_at"])
                for i in insights
                if i["predicted_impact_at"]
            ]
            created, end = (datetime.fromisoformat(visit[k]) for k in ("created_at", "window_end"))
            if impacts and min(impacts) - created > timedelta(hours=18):
                assert end <= min(impacts), "the visit is planned before the predicted impact"
            elif impacts:
                assert datetime.fromisoformat(visit["window_start"]) <= created + timedelta(hours=2)
            sites.append(visit["site_id"])
    assert len(sites) == len(set(sites)), "one open visit per site"


def test_rerunning_the_engine_changes_nothing(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    before = office.ok("GET", "/v1/admin/stats")
    run = office.ok("POST", "/v1/admin/engine/run")
    assert run["assets"] == 120 and run["findings"] > 0
    changed = {k: v for k, v in run.items() if k not in ("assets", "findings") and v}
    assert changed == {}
    assert office.ok("GET", "/v1/admin/stats") == before
