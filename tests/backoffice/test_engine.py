"""The proactive engine: demo visits come from it; re-running changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from concierge.backoffice.demo_fleet import DEMO_TECHNICIANS
from concierge.backoffice.demo_templates import template_rows
from concierge.backoffice.server import EmbeddedBackOffice
from concierge.domain import WISH_TAGS
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


def test_an_insight_whose_finding_disappears_resolves_and_its_visit_follows(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    found = None
    for who in DEMO_TECHNICIANS:
        tech = login(fresh_office, who)
        changes, cursor = tech.pull_all()
        insights = {c["id"]: c["data"] for c in changes if c["entity"] == "insight"}
        for visit in (c["data"] for c in changes if c["entity"] == "visit"):
            counters = [i for i in visit["insight_ids"] if insights[i]["kind"] == "counter"]
            if counters:
                found = tech, cursor, visit, insights[counters[0]]
                break
        if found:
            break
    assert found is not None, "the demo has a visit for a counter near its service limit"
    tech, cursor, visit, insight = found
    assert insight["status"] == "open"
    # The service was done: the counter was reset and restarts from zero.
    now = datetime.now(UTC)
    readings = [
        {
            "asset_id": insight["asset_id"],
            "metric": insight["metric"],
            "ts": (now - timedelta(seconds=s)).isoformat(),
            "value": 0.0,
        }
        for s in range(1, 21)
    ]
    assert office.ok("POST", "/v1/telemetry", json={"readings": readings})["accepted"] == 20
    run = office.ok("POST", "/v1/admin/engine/run")
    assert run["insights_resolved"] >= 1 and run["visits_updated"] >= 1
    assert office.ok("GET", f"/v1/insights/{insight['id']}")["status"] == "resolved"
    changes, _ = tech.pull_all(cursor)
    updated = next(c["data"] for c in changes if c["entity"] == "visit" and c["id"] == visit["id"])
    assert updated["version"] > visit["version"]
    assert updated["insight_ids"] == [i for i in visit["insight_ids"] if i != insight["id"]]
    remaining = [office.ok("GET", f"/v1/insights/{i}") for i in updated["insight_ids"]]
    if remaining:
        assert updated["summary"] in {i["headline"] for i in remaining}
    else:
        assert updated["summary"] == f"Findings resolved: {visit['summary']}"
    # Running again changes nothing more.
    again = office.ok("POST", "/v1/admin/engine/run")
    assert again["insights_resolved"] == 0 and again["visits_updated"] == 0


def test_demo_templates_only_use_the_agreed_wish_tags() -> None:
    tags = [
        tag
        for row in template_rows(0.0)
        for step in row["steps"]
        for tag in step.get("when_tags", [])
    ]
    assert tags, "some demo steps depend on wish tags"
    assert set(tags) <= set(WISH_TAGS), sorted(set(tags) - set(WISH_TAGS))
