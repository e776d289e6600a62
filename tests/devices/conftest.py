"""A private mosquitto for the device tests: free loopback port, generated config,
per-device credentials and ACLs; stopped at the end of the session."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from concierge_office import db
from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, ensure_admin
from concierge_office.devices.mosquitto import PrivateBroker, mosquitto_missing
from concierge_office.devices.topics import OFFICE_ACCOUNT
from concierge_office.server import EmbeddedBackOffice, start_embedded
from tests.devices.mqtt_helpers import wait_until
from tests.office.conftest import Api

TEST_DEVICES = [f"asset-{n:03d}" for n in range(1, 13)] + ["dev-a", "dev-b", "dev-flood"]
OFFICE_WORKERS = ["fc-office-1", "fc-office-2"]  # several ingesting offices, one account each


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    problem = mosquitto_missing()
    if problem is not None:
        pytest.fail(problem, pytrace=False)  # never a skip: the broker is part of the test
    workdir: Path = tmp_path_factory.mktemp("mosquitto")
    broker = PrivateBroker(workdir, devices={})
    broker.add_devices(TEST_DEVICES)
    broker.add_offices(OFFICE_WORKERS)
    broker.start()
    try:
        _check_office_login(broker)
        yield broker
    finally:
        broker.stop()
    assert broker.process is None


def _check_office_login(broker: PrivateBroker) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex}")
    client.username_pw_set(OFFICE_ACCOUNT, broker.office_password)
    client.connect(broker.host, broker.port)
    try:
        code = None
        for _ in range(100):
            client.loop(0.1)
            if client.is_connected():
                code = 0
                break
        assert code == 0, f"the office account cannot log in:\n{broker.log_path.read_text()}"
    finally:
        client.disconnect()


# --- a small office wired to the broker ------------------------------------------------

FLEET = {  # asset: kind
    "asset-001": "elevator",
    "asset-002": "cable_gateway",
    "asset-003": "heat_pump",
    "asset-004": "elevator",
    "asset-005": "cable_gateway",
}


def seed_small_fleet(database: db.Database, now: float) -> None:
    """One site, the FLEET assets and a technician who can serve them all."""
    with database.write() as conn:
        conn.execute(
            db.users.insert(),
            [
                {
                    "id": "tech-ana",
                    "login": "ana",
                    "name": "Ana",
                    "role": "technician",
                    "region": "north",
                    "skills": ["elevator", "cable_gateway", "heat_pump"],
                    "password_hash": "x",
                }
            ],
        )
        conn.execute(
            db.sites.insert(),
            [
                {
                    "id": "site-001",
                    "customer_name": "Harbour View",
                    "name": "Tower A",
                    "address": "Hafenstraße 1, 20100 Hamburg",
                    "latitude": 53.5,
                    "longitude": 9.9,
                    "region": "north",
                    "version": 1,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            db.assets.insert(),
            [
                {
                    "id": asset_id,
                    "site_id": "site-001",
                    "kind": kind,
                    "model": "Model",
                    "serial": f"SN-{asset_id}",
                    "install_date": "2020-01-01",
                    "service_limits": {},
                    "version": 1,
                    "updated_at": now,
                }
                for asset_id, kind in FLEET.items()
            ],
        )


@pytest.fixture
def office_env(broker: PrivateBroker, monkeypatch: pytest.MonkeyPatch) -> PrivateBroker:
    """The office settings for the session broker, its persistent session emptied (what
    an earlier test's devices published after its office stopped would arrive here)."""
    _check_office_login(broker)  # a clean session as fc-office drops the stored one
    monkeypatch.setenv("CONCIERGE_MQTT_URL", broker.url)
    monkeypatch.setenv("CONCIERGE_MQTT_PASSWORD", broker.office_password)
    return broker


@contextmanager
def running_office(tmp_path: Path) -> Iterator[EmbeddedBackOffice]:
    """A back office (no demo, no scheduled jobs) with the small fleet, linked to the broker
    the environment names."""
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    database = db.Database(url)
    database.create_schema()
    seed_small_fleet(database, time.time())
    ensure_admin(database)  # the demo's office account, for the admin API
    database.dispose()
    embedded = start_embedded(url, demo=False, live=False)
    try:
        link = embedded.service.devices
        wait_until(lambda: link.status()["connected"], link, what="the office's broker connection")
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture
def office(office_env: PrivateBroker, tmp_path: Path) -> Iterator[EmbeddedBackOffice]:
    with running_office(tmp_path) as embedded:
        yield embedded


@pytest.fixture
def admin(office: EmbeddedBackOffice) -> Iterator[Api]:
    api = Api(office.url, ADMIN_LOGIN, ADMIN_PASSWORD)
    yield api
    api.close()
