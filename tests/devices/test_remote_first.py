"""The whole remote-first loop on a real mosquitto: insight -> command -> ack ->
telemetry change -> resolved remotely without a visit; where the action has no
effect, a visit that carries the attempt."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from concierge.i18n import translator_for
from concierge.office_text import customer_note
from concierge.protocol.schemas import RemoteAttempt
from concierge_office import db
from concierge_office.accounts import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEMO_PASSWORD_HASH,
    ensure_admin,
)
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.devices.simulator import SimulatedAsset, Simulator
from concierge_office.devices.tables import device_commands
from concierge_office.server import EmbeddedBackOffice, start_embedded
from tests.devices.conftest import seed_small_fleet
from tests.devices.fleet_helpers import elevator_signals, quick_playbooks, store_history
from tests.devices.mqtt_helpers import wait_until
from tests.office.conftest import Api

FIXABLE, STUBBORN = "asset-001", "asset-004"  # two elevators whose doors drift


@pytest.fixture
def remote_office(
    office_env: PrivateBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[EmbeddedBackOffice, Simulator]]:
    monkeypatch.setenv("CONCIERGE_MQTT_PLAYBOOKS", str(quick_playbooks(tmp_path / "pb.json")))
    now = time.time()
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    database = db.Database(url)
    database.create_schema()
    seed_small_fleet(database, now)
    ensure_admin(database)  # the demo's office account, for the admin API
    with database.write() as conn:  # the technician can sign in and pull
        conn.execute(
            update(db.users)
            .where(db.users.c.role != "admin")
            .values(password_hash=DEMO_PASSWORD_HASH)
        )
    assets = []
    for n, asset_id in enumerate((FIXABLE, STUBBORN)):
        signals = elevator_signals(asset_id, drifting=True, now=now, seed=n)
        store_history(database, signals, now, seed=n)
        assets.append(SimulatedAsset(asset_id, "elevator", office_env.devices[asset_id], signals))
    database.dispose()
    simulator = Simulator(
        office_env.host,
        office_env.port,
        assets,
        state_dir=tmp_path / "devices",
        interval=0.1,
        fix_seconds=0.2,
        works=lambda device_id, _command: device_id == FIXABLE,
    ).start()
    office = start_embedded(url, demo=False, live=False)
    try:
        yield office, simulator
    finally:
        office.stop()
        simulator.stop()


def test_remote_fix_resolves_without_a_visit_and_a_failed_one_sends_a_technician(
    remote_office: tuple[EmbeddedBackOffice, Simulator],
) -> None:
    office, simulator = remote_office
    admin = Api(office.url, ADMIN_LOGIN, ADMIN_PASSWORD)
    tech = Api(office.url, "ana", DEMO_PASSWORD)
    try:
        wait_until(
            lambda: _live_samples(office, STUBBORN) >= 12, office=office, what="live telemetry"
        )
        run = admin.ok("POST", "/v1/admin/engine/run")
        assert run["insights_created"] >= 2
        assert run["visits_created"] == 0  # both held back for the remote attempt
        insights = _door_insights(office)
        assert set(insights) == {FIXABLE, STUBBORN}

        attempts = wait_until(
            lambda: _concluded(admin),
            timeout=30,
            office=office,
            what="both remote attempts concluded",
        )
        by_asset = {a["asset_id"]: a for a in attempts}
        fixed, failed = by_asset[FIXABLE], by_asset[STUBBORN]
        assert fixed["result"] == "fixed", str(fixed)
        assert fixed["observed"] < fixed["baseline"] - 0.4  # the door closes faster
        assert "recalibrated the door operator remotely" in fixed["customer_note"]
        told = translator_for("de").render(customer_note(RemoteAttempt.model_validate(fixed)))
        assert told.startswith("Wir haben bemerkt, dass die Aufzugstüren langsamer schließen")
        assert "Sie müssen nichts tun." in told and "UTC" not in told  # the reader's clock
        assert failed["result"] == "not_fixed"
        assert failed["command_state"] == "not_fixed"
        assert sorted(d for d, _ in simulator.executions) == [FIXABLE, STUBBORN]

        # The fixed insight is closed; only the stubborn asset gets a visit, carrying it.
        visits = wait_until(lambda: admin.ok("GET", "/v1/visits"), office=office, what="the visit")
        assert [v["asset_ids"] for v in visits] == [[STUBBORN]]
        with office.service.db.read() as conn:
            statuses = dict(conn.execute(select(db.insights.c.id, db.insights.c.status)).all())
        assert statuses[insights[FIXABLE]] == "resolved"
        assert statuses[insights[STUBBORN]] == "open"
        changes, _ = tech.pull_all()
        pulled = [c["data"] for c in changes if c["entity"] == "visit"]
        assert len(pulled) == 1
        (attempt,) = pulled[0]["remote_attempts"]
        assert attempt["result"] == "not_fixed"
        assert attempt["action"] == "elevator-door-recalibrate"
        assert attempt["sent_at"] is not None and attempt["acked_at"] is not None

        figures = admin.ok("GET", "/v1/admin/remote/figures")["kinds"]
        assert figures == [
            {
                "asset_kind": "elevator",
                "attempted": 2,
                "resolved_remotely": 1,
                "visits_avoided": 1,
                "sent_a_technician": 1,
                "pending": 0,
                "mean_seconds_to_resolution": figures[0]["mean_seconds_to_resolution"],
            }
        ]
        assert 0 < figures[0]["mean_seconds_to_resolution"] < 60

        # A second engine run neither reopens the fixed insight nor commands again.
        admin.ok("POST", "/v1/admin/engine/run")
        with office.service.db.read() as conn:
            assert (
                conn.execute(
                    select(db.insights.c.status).where(db.insights.c.id == insights[FIXABLE])
                ).scalar_one()
                == "resolved"
            )
            assert len(conn.execute(select(device_commands)).all()) == 2
    finally:
        admin.close()
        tech.close()


def _live_samples(office: EmbeddedBackOffice, asset_id: str) -> int:
    t, s = db.telemetry, db.series
    with office.service.db.read() as conn:
        return len(
            conn.execute(
                select(t.c.ts)
                .join(s, s.c.id == t.c.series_id)
                .where(s.c.asset_id == asset_id, s.c.metric == "door_cycle_time")
                .where(t.c.ts > time.time() - 30)
            ).all()
        )


def _door_insights(office: EmbeddedBackOffice) -> dict[str, str]:
    ins = db.insights
    with office.service.db.read() as conn:
        rows = conn.execute(
            select(ins.c.asset_id, ins.c.id).where(ins.c.metric == "door_cycle_time")
        ).all()
    return {asset_id: ident for asset_id, ident in rows}


def _concluded(admin: Api) -> list[dict[str, Any]] | None:
    attempts: list[dict[str, Any]] = admin.ok("GET", "/v1/admin/remote/attempts")
    done = [a for a in attempts if a["result"] in ("fixed", "not_fixed")]
    return done if len(done) == 2 else None
