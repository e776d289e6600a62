"""The broker goes away and comes back; the office is away while devices publish:
the office reconnects, the admin API shows the broker down meanwhile, nothing is lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from concierge_office import db
from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, ensure_admin
from concierge_office.devices import topics
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.server import start_embedded
from tests.devices.conftest import TEST_DEVICES, seed_small_fleet
from tests.devices.mqtt_helpers import Peer, wait_until
from tests.devices.test_ingest import envelope, now_ms, stored
from tests.office.conftest import Api


@pytest.fixture
def durable_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(tmp_path / "mosquitto", persistence=True)
    broker.add_devices(TEST_DEVICES)
    broker.start()
    monkeypatch.setenv("CONCIERGE_MQTT_URL", broker.url)
    monkeypatch.setenv("CONCIERGE_MQTT_PASSWORD", broker.office_password)
    try:
        yield broker
    finally:
        broker.stop()


def test_office_rides_out_a_broker_outage_and_its_own_restart(
    durable_broker: PrivateBroker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    database = db.Database(url)
    database.create_schema()
    seed_small_fleet(database, time.time())
    ensure_admin(database)  # the demo's office account, for the admin API
    database.dispose()

    office = start_embedded(url, demo=False, live=False)
    admin = Api(office.url, ADMIN_LOGIN, ADMIN_PASSWORD)
    try:
        wait_until(lambda: admin.ok("GET", "/v1/admin/devices/broker")["connected"], office=office)
        durable_broker.stop()
        down = wait_until(
            lambda: (s := admin.ok("GET", "/v1/admin/devices/broker"))["connected"] is False and s,
            office=office,
            what="the broker shown as down",
        )
        assert down["enabled"] is True
        durable_broker.restart()
        wait_until(
            lambda: admin.ok("GET", "/v1/admin/devices/broker")["connected"],
            timeout=20,
            office=office,
            what="the office reconnected with backoff",
        )
        device = Peer(durable_broker, "asset-001")
        try:
            device.publish(
                topics.telemetry("asset-001"),
                envelope("asset-001", 0, [{"t": now_ms(), "m": {"vibration": 1.0}}]),
            )
            wait_until(
                lambda: stored(office, "asset-001") == 1, office=office, what="ingestion resumed"
            )
        finally:
            device.close()
    finally:
        admin.close()
        office.stop()

    # The office is away; its persistent session keeps what devices publish meanwhile.
    device = Peer(durable_broker, "asset-002")
    start = now_ms() - 10_000
    try:
        for seq in range(5):
            device.publish(
                topics.telemetry("asset-002"),
                envelope("asset-002", seq, [{"t": start + 1000 * seq, "m": {"snr": 35.0}}]),
            )
    finally:
        device.close()
    office = start_embedded(url, demo=False, live=False)
    try:
        try:
            wait_until(
                lambda: stored(office, "asset-002") == 5, office=office, what="the queued messages"
            )
        except AssertionError:
            print(office.service.devices.status(), durable_broker.log_path.read_text())
            raise
    finally:
        office.stop()
