"""Every path that serves a visit or an insight gives the same remote attempts: the sync
pull, the lists, the single-record GETs, the admin's visit edit and a push conflict."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from concierge_office import db
from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD_HASH
from concierge_office.changes import publish_visits
from concierge_office.devices.tables import device_commands, remote_decisions
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import Api

INSIGHT, VISIT, DECISION = "ins-snr", "visit-snr", "ins-snr:gateway-rerange"


def seed_attempt(office: EmbeddedBackOffice) -> None:
    """A gateway insight whose re-ranging had no effect, and the visit that carries it."""
    database = office.service.db
    now = time.time()
    with database.write() as conn:
        conn.execute(update(db.users).values(password_hash=DEMO_PASSWORD_HASH)
                     .where(db.users.c.role != "admin"))
        conn.execute(db.insights.insert().values(
            id=INSIGHT, key="asset-002:snr:trend", asset_id="asset-002", site_id="site-001",
            metric="snr", kind="trend", severity="warning", confidence=0.8,
            predicted_impact_at=now + 86_400, evidence={}, explanation="SNR falling",
            headline="SNR falling", status="open", created_at=now - 600, updated_at=now - 600,
            version=1))
        conn.execute(remote_decisions.insert().values(
            decision_key=DECISION, insight_id=INSIGHT, asset_id="asset-002",
            asset_kind="cable_gateway", action="gateway-rerange", playbook_version=1,
            safety="automatic", state="not_fixed",
            effect={"metric": "snr", "direction": "up"}, decided_at=now - 500,
            resolved_at=now - 100, baseline=28.0, observed=28.1,
            detail="snr 28.00 -> 28.10: no effect in the window", customer_note=""))
        conn.execute(device_commands.insert().values(
            command_id="cmd-0123456789abcdef0123", decision_key=DECISION, device_id="asset-002",
            command="docsis.rerange", params={}, state="not_fixed", created_at=now - 500,
            expires_at=now + 3600, publishes=1, sent_at=now - 490, acked_at=now - 480,
            done_at=now - 480, ack_detail="done"))
        conn.execute(db.visits.insert().values(
            id=VISIT, site_id="site-001", technician_id="tech-ana", asset_ids=["asset-002"],
            insight_ids=[INSIGHT], window_start=now + 3600, window_end=now + 7200, priority=2,
            status="scheduled", summary="SNR falling", office_notes="", technician_notes="",
            outcome=None, version=1, created_at=now, updated_at=now))
        conn.execute(db.visit_assets.insert().values(visit_id=VISIT, asset_id="asset-002"))
        conn.execute(db.visit_insights.insert().values(visit_id=VISIT, insight_id=INSIGHT))
        publish_visits(database, conn, [("tech-ana", VISIT, 1)])


@pytest.fixture
def apis(office: EmbeddedBackOffice) -> Iterator[tuple[Api, Api]]:
    seed_attempt(office)
    admin = Api(office.url, ADMIN_LOGIN, ADMIN_PASSWORD)
    tech = Api(office.url, "ana", DEMO_PASSWORD)
    yield admin, tech
    admin.close()
    tech.close()


def keys(record: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(a["decision_key"], a["result"], a["command_id"])
            for a in record["remote_attempts"]]


def test_every_path_serving_a_visit_or_insight_gives_its_remote_attempts(
    apis: tuple[Api, Api],
) -> None:
    admin, tech = apis
    expected = [(DECISION, "not_fixed", "cmd-0123456789abcdef0123")]
    changes, _cursor = tech.pull_all()
    pulled = {(c["entity"], c["id"]): c["data"] for c in changes}
    assert keys(pulled[("visit", VISIT)]) == expected
    assert keys(pulled[("insight", INSIGHT)]) == expected

    served = {
        "GET /v1/visits/{id}": tech.ok("GET", f"/v1/visits/{VISIT}"),
        "GET /v1/visits/{id} (admin)": admin.ok("GET", f"/v1/visits/{VISIT}"),
        "GET /v1/visits": next(v for v in tech.ok("GET", "/v1/visits") if v["id"] == VISIT),
        "GET /v1/insights/{id}": tech.ok("GET", f"/v1/insights/{INSIGHT}"),
        "PATCH /v1/admin/visits/{id}": admin.ok(
            "PATCH", f"/v1/admin/visits/{VISIT}", json={"office_notes": "Bring a spare modem."}),
    }
    for path, record in served.items():
        assert keys(record) == expected, path
    assert served["GET /v1/visits/{id}"]["remote_attempts"] == pulled[("visit", VISIT)][
        "remote_attempts"]

    # A push on an old version: the conflict's server copy carries the attempts too.
    push = tech.ok("POST", "/v1/sync/push", json={"mutations": [{
        "op_id": str(uuid.uuid4()), "entity": "visit", "entity_id": VISIT, "base_version": 1,
        "payload": {"technician_notes": "on my way"},
        "made_at": "2026-12-05T10:00:00Z"}]})
    (result,) = push["results"]
    assert result["status"] == "conflict", result
    assert keys(result["record"]) == expected
