# SPDX-License-Identifier: Apache-2.0
"""The demo's devices: a private broker and the simulated demo fleet (``make run``).

With ``CONCIERGE_DEMO_DEVICES=1`` and no ``CONCIERGE_MQTT_URL``, a demo office starts its
own broker on a free loopback port: mosquitto when it is installed, else an embedded
amqtt broker (anonymous, loopback only, no per-device ACL: it says so), and runs the
demo fleet as simulated devices in place of the built-in telemetry generator.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import tempfile
import threading
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concierge_office import db
from concierge_office.db import Database
from concierge_office.demo_fleet import Fleet, Signal, build_fleet
from concierge_office.devices.mosquitto import PrivateBroker, mosquitto_missing
from concierge_office.devices.settings import BrokerSettings
from concierge_office.devices.simulator import SimulatedAsset, Simulator

log = logging.getLogger(__name__)

ENV_FLAG = "CONCIERGE_DEMO_DEVICES"
SAMPLE_SECONDS = 15.0  # simulated time between two readings of a device


def wanted(env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    return env.get(ENV_FLAG) == "1" and not env.get("CONCIERGE_MQTT_URL")


@dataclass
class DemoDevices:
    """A running demo broker and the credentials of the demo fleet's devices."""

    kind: str  # mosquitto | amqtt
    settings: BrokerSettings
    passwords: dict[str, str]
    fleet: Fleet
    seed: int
    workdir: tempfile.TemporaryDirectory[str]
    _stop: Any = None
    broker_pid: int | None = None  # the private mosquitto's
    simulator: Simulator | None = field(default=None)

    def start_simulator(self, clock: Any) -> None:
        signals: dict[str, list[Signal]] = defaultdict(list)
        for signal in self.fleet.signals:
            signals[signal.asset_id].append(signal)
        assets = [
            SimulatedAsset(
                str(a["id"]), str(a["kind"]), self.passwords[str(a["id"])], signals[str(a["id"])]
            )
            for a in self.fleet.assets
        ]
        speed = float(getattr(clock, "speed", 1.0) or 1.0)
        self.simulator = Simulator(
            self.settings.host,
            self.settings.port,
            assets,
            state_dir=Path(self.workdir.name) / "devices",
            seed=self.seed,
            interval=SAMPLE_SECONDS / speed,
            clock=clock.now,
        ).start()
        log.info("demo: %d simulated devices publish over MQTT (%s)", len(assets), self.kind)

    def stop(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self._stop is not None:
            self._stop()
            self._stop = None
        self.workdir.cleanup()


def start_demo_devices(database: Database) -> DemoDevices | None:
    """Start the demo's broker for a demo database (None if it is not a demo)."""
    with database.read() as conn:
        seed = db.meta_get(conn, "demo_seed")
        anchor = db.meta_get(conn, "demo_anchor")
    if seed is None or anchor is None:
        return None
    fleet = build_fleet(int(seed), float(anchor))
    device_ids = [str(a["id"]) for a in fleet.assets]
    workdir = tempfile.TemporaryDirectory(prefix="concierge-demo-broker-")
    problem = mosquitto_missing()
    if problem is None:
        broker = PrivateBroker(Path(workdir.name) / "mosquitto")
        broker.add_devices(device_ids)
        broker.start()
        settings = BrokerSettings(
            host=broker.host, port=broker.port, password=broker.office_password
        )
        log.info("demo: private mosquitto broker on %s", broker.url)
        assert broker.process is not None
        return DemoDevices(
            "mosquitto",
            settings,
            dict(broker.devices),
            fleet,
            int(seed),
            workdir,
            broker.stop,
            broker.process.pid,
        )
    log.warning(
        "demo: %s. Falling back to an embedded amqtt broker on loopback: anonymous, "
        "without per-device credentials or ACLs (demo only).",
        problem,
    )
    port, stop = start_amqtt()
    passwords = {d: secrets.token_urlsafe(12) for d in device_ids}
    settings = BrokerSettings(host="127.0.0.1", port=port, password=secrets.token_urlsafe(12))
    return DemoDevices("amqtt", settings, passwords, fleet, int(seed), workdir, stop)


def start_amqtt() -> tuple[int, Any]:
    """An amqtt broker on a free loopback port, on its own thread; (port, stop)."""
    from amqtt.broker import Broker  # type: ignore[import-untyped]  # only without mosquitto

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    loop = asyncio.new_event_loop()
    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    started: Future[Any] = Future()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            broker = Broker(config, loop=loop)
            loop.run_until_complete(broker.start())
        except Exception as exc:  # noqa: BLE001 (re-raised in the starting thread)
            started.set_exception(exc)
            return
        started.set_result(broker)
        loop.run_forever()
        loop.run_until_complete(broker.shutdown())
        loop.close()

    thread = threading.Thread(target=run, name="concierge-amqtt-broker", daemon=True)
    thread.start()
    started.result(timeout=10)

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return port, stop
