"""A private mosquitto for the device tests: free loopback port, generated config,
per-device credentials and ACLs; stopped at the end of the session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from concierge_office.devices.mosquitto import PrivateBroker, mosquitto_missing
from concierge_office.devices.topics import OFFICE_ACCOUNT

TEST_DEVICES = [f"asset-{n:03d}" for n in range(1, 13)] + ["dev-a", "dev-b", "dev-flood"]


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    problem = mosquitto_missing()
    if problem is not None:
        pytest.fail(problem, pytrace=False)  # never a skip: the broker is part of the test
    workdir: Path = tmp_path_factory.mktemp("mosquitto")
    broker = PrivateBroker(workdir, devices={})
    broker.add_devices(TEST_DEVICES)
    broker.start()
    try:
        _check_office_login(broker)
        yield broker
    finally:
        broker.stop()
    assert broker.process is None


def _check_office_login(broker: PrivateBroker) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex}")
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
