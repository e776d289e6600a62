"""What was resolved behind the scenes: a technician's customers (sites) carry the remote
fixes made there, synced to the laptop; another technician's customers never appear."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from concierge_office import db
from concierge_office.accounts import DEMO_PASSWORD, DEMO_PASSWORD_HASH
from concierge_office.changes import publish_own, refresh_visibility, visit_refs
from concierge_office.devices import tables
from concierge_office.devices.envelope import Ack
from concierge_office.devices.playbooks import load_playbooks
from concierge_office.devices.remote import RemoteFirst
from concierge_office.series import store_readings
from concierge_office.server import EmbeddedBackOffice, start_embedded
from tests.devices.conftest import seed_small_fleet
from tests.devices.fleet_helpers import quick_playbooks
from tests.office.conftest import Api


def seed_two_customers(database: db.Database, now: float) -> None:
    """Ana served Harbour View (site-001) before and goes again; Ben serves Riverside
    (site-002), whose lift asset-009 only he sees."""
    seed_small_fleet(database, now)
    with database.write() as conn:
        conn.execute(db.users.update().values(password_hash=DEMO_PASSWORD_HASH))
        conn.execute(db.users.insert().values(
            id="tech-ben", login="ben", name="Ben", role="technician", region="north",
            skills=["elevator"], password_hash=DEMO_PASSWORD_HASH))
        conn.execute(db.sites.insert().values(
            id="site-002", customer_name="Riverside", name="Block B",
            address="Flussweg 2, 20100 Hamburg", latitude=53.6, longitude=9.8, region="north",
            version=1, updated_at=now))
        conn.execute(db.assets.insert().values(
            id="asset-009", site_id="site-002", kind="elevator", model="Model", serial="SN-9",
            install_date="2020-01-01", service_limits={}, version=1, updated_at=now))
        for ident, tech, site, asset, status, start in (
            ("visit-ana-past", "tech-ana", "site-001", "asset-001", "completed", now - 30 * 86_400),
            ("visit-ana-next", "tech-ana", "site-001", "asset-004", "scheduled", now + 86_400),
            ("visit-ben", "tech-ben", "site-002", "asset-009", "scheduled", now + 86_400),
        ):
            conn.execute(db.visits.insert().values(
                id=ident, site_id=site, technician_id=tech, asset_ids=[asset], insight_ids=[],
                window_start=start, window_end=start + 3600, priority=3, summary="Routine",
                **(db.new_visit_fields(now) | {"status": status})))
            conn.execute(db.visit_assets.insert().values(visit_id=ident, asset_id=asset))
            publish_own(database, conn, tech, ("visit", ident), 1, visible=True)
            refresh_visibility(database, conn, tech, visit_refs(conn, [ident]))


def add_insight(database: db.Database, ident: str, asset_id: str, site_id: str) -> None:
    now = time.time()
    with database.write() as conn:
        conn.execute(db.insights.insert().values(
            id=ident, key=f"{asset_id}:door_cycle_time:trend", asset_id=asset_id,
            site_id=site_id, metric="door_cycle_time", kind="trend", severity="warning",
            confidence=0.9, predicted_impact_at=now + 7 * 86_400, evidence={},
            explanation="doors slowing", headline="doors slowing", status="open",
            created_at=now, updated_at=now, version=1))


def fix_remotely(remote: RemoteFirst, database: db.Database, asset_id: str) -> None:
    """Triage decides the recalibration; the device reports it done; the door cycle time
    drops clearly in the telemetry after it: fixed."""
    with database.write() as conn:
        remote.triage(conn, time.time())
    c = tables.device_commands
    with database.read() as conn:
        command_id = conn.execute(select(c.c.command_id).where(c.c.device_id == asset_id)).scalar()
    done_at = time.time()
    before = [(asset_id, "door_cycle_time", done_at - 10 + i, 5.0) for i in range(10)]
    after = [(asset_id, "door_cycle_time", done_at + 1 + i, 4.0) for i in range(3)]
    with database.write() as conn:
        store_readings(database, conn, before + after)
        remote.record_acks(conn, [Ack(asset_id, str(command_id), "done", done_at, "")])
    remote.sweep()


@pytest.fixture
def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[db.Database, EmbeddedBackOffice, RemoteFirst]]:
    monkeypatch.delenv("CONCIERGE_MQTT_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    database = db.Database(url)
    database.create_schema()
    seed_two_customers(database, time.time())
    remote = RemoteFirst(database, load_playbooks(quick_playbooks(tmp_path / "pb.json",
                                                                  window=60.0)),
                         now=time.time, replan=lambda: None, publish=lambda _t, _p: True)
    office = start_embedded(url, demo=False, live=False)
    try:
        yield database, office, remote
    finally:
        office.stop()
        database.dispose()


def sites_in(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c["data"] for c in changes if c["entity"] == "site" and not c["deleted"]}


def test_technicians_see_the_remote_fixes_of_their_own_customers_only(
    setup: tuple[db.Database, EmbeddedBackOffice, RemoteFirst],
) -> None:
    database, office, remote = setup
    ana = Api(office.url, "ana", DEMO_PASSWORD).reads_like_the_laptop()
    ben = Api(office.url, "ben", DEMO_PASSWORD).reads_like_the_laptop()
    try:
        first, ana_cursor = ana.pull_all()
        assert sites_in(first)["site-001"]["remote_fixes"] == []
        _, ben_cursor = ben.pull_all()

        add_insight(database, "ins-ana", "asset-001", "site-001")
        add_insight(database, "ins-ben", "asset-009", "site-002")
        fix_remotely(remote, database, "asset-001")
        fix_remotely(remote, database, "asset-009")

        # The next pull brings Ana's customer again, with what was done behind the scenes.
        changes, _ = ana.pull_all(ana_cursor)
        (fix,) = sites_in(changes)["site-001"]["remote_fixes"]
        assert (fix["insight_id"], fix["result"], fix["command"]) == (
            "ins-ana", "fixed", "door_operator.recalibrate")
        assert (fix["baseline"], fix["observed"]) == (5.0, 4.0)  # the telemetry that verified it
        assert fix["concluded_at"] is not None and fix["customer_note"]
        assert ana.ok("GET", "/v1/sites/site-001")["remote_fixes"] == [fix]

        # Ben's customer and its fix never reach Ana, by any path.
        everything, _ = ana.pull_all()
        assert "site-002" not in sites_in(everything)
        assert "asset-009" not in str([c["data"] for c in everything])
        assert ana.get("/v1/sites/site-002").status_code == 404
        assert ana.get("/v1/insights/ins-ben").status_code == 404

        ben_changes, _ = ben.pull_all(ben_cursor)
        (ben_fix,) = sites_in(ben_changes)["site-002"]["remote_fixes"]
        assert ben_fix["insight_id"] == "ins-ben"
        assert "site-001" not in sites_in(ben.pull_all()[0])
    finally:
        ana.close()
        ben.close()
