"""Broker ACLs: each device is pinned to its own subtree; the office account is separate."""

from __future__ import annotations

from concierge_office.devices import topics
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.devices.topics import OFFICE_ACCOUNT
from tests.devices.mqtt_helpers import Peer


def test_a_device_cannot_publish_as_another(broker: PrivateBroker) -> None:
    office = Peer(broker, OFFICE_ACCOUNT)
    intruder = Peer(broker, "dev-a")
    try:
        office.subscribe(f"{topics.PREFIX}/+/telemetry")
        intruder.publish(topics.telemetry("dev-b"), b'{"forged": true}')
        intruder.publish(topics.telemetry("dev-a"), b'{"own": true}')
        got = office.drain()
        assert [m.topic for m in got] == [topics.telemetry("dev-a")]
    finally:
        office.close()
        intruder.close()


def test_a_device_cannot_read_another_devices_commands(broker: PrivateBroker) -> None:
    office = Peer(broker, OFFICE_ACCOUNT)
    owner, snoop = Peer(broker, "dev-b"), Peer(broker, "dev-a")
    try:
        owner.subscribe(f"{topics.PREFIX}/dev-b/cmd/+")
        snoop.subscribe(f"{topics.PREFIX}/+/cmd/+")  # mosquitto 2.0 grants SUBSCRIBE anyway
        office.publish(topics.command("dev-b", "cmd-1"), b'{"command_id": "cmd-1"}')
        assert owner.next().topic == topics.command("dev-b", "cmd-1")
        assert snoop.drain() == []
    finally:
        for peer in (office, owner, snoop):
            peer.close()


def test_a_device_cannot_send_commands_or_log_in_with_a_wrong_password(
    broker: PrivateBroker,
) -> None:
    victim, attacker = Peer(broker, "dev-b"), Peer(broker, "dev-a")
    wrong = Peer(broker, "dev-b", password="not-the-password")
    try:
        assert not wrong.wait_connected()
        victim.subscribe(f"{topics.PREFIX}/dev-b/cmd/+")
        attacker.publish(topics.command("dev-b", "cmd-2"), b"{}")
        assert victim.drain() == []
    finally:
        for peer in (victim, attacker, wrong):
            peer.close()
