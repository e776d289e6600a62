"""Plain MQTT clients for tests: connect as a device or the office, publish, collect."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from concierge_office.devices.ingest import Activity
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.devices.topics import OFFICE_ACCOUNT


class Peer:
    """One MQTT connection (network loop on paho's thread) that keeps what it receives."""

    def __init__(self, broker: PrivateBroker, username: str, password: str | None = None) -> None:
        self.received: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._subscribed = threading.Event()
        self._connected = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{username}-{uuid.uuid4().hex[:6]}"
        )
        secret = password
        if secret is None:
            secret = (
                broker.office_password if username == OFFICE_ACCOUNT else broker.devices[username]
            )
        self.client.username_pw_set(username, secret)
        self.client.on_message = lambda _c, _u, msg: self.received.put(msg)
        self.client.on_subscribe = lambda *_a: self._subscribed.set()
        self.client.on_connect = self._on_connect
        self.reason: Any = None
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.reason = reason
        self._connected.set()

    def wait_connected(self, timeout: float = 5.0) -> bool:
        assert self._connected.wait(timeout), "no CONNACK"
        return not self.reason.is_failure

    def subscribe(self, topic: str) -> None:
        self._subscribed.clear()
        self.client.subscribe(topic, qos=1)
        assert self._subscribed.wait(5), "no SUBACK"

    def publish(self, topic: str, payload: bytes | str, *, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(5)

    def next(self, timeout: float = 5.0) -> mqtt.MQTTMessage:
        return self.received.get(timeout=timeout)

    def drain(self, quiet: float = 0.5) -> list[mqtt.MQTTMessage]:
        """Everything received until nothing arrives for ``quiet`` seconds."""
        out: list[mqtt.MQTTMessage] = []
        while True:
            try:
                out.append(self.received.get(timeout=quiet))
            except queue.Empty:
                return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_until(condition: Any, office: Any, timeout: float = 10.0, what: str = "condition") -> Any:
    """Wait until ``condition`` returns something true, re-checking it each time the
    office's devices link changes something (connects, stores a batch, sweeps): driven by
    the link's events, never by sleeping.  ``office``: an embedded office or its link."""
    link = getattr(getattr(office, "service", None), "devices", office)
    activity: Activity = link.activity
    deadline = time.monotonic() + timeout
    while True:
        seen = activity.count
        value = condition()
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}")
        activity.wait_past(seen, left)
