# SPDX-License-Identifier: Apache-2.0
"""The office's devices link: broker connection, ingestion, remote-first commands, admin API.

``attach(office)`` is the one call the back office makes when it is built; it returns
a link that does nothing unless ``CONCIERGE_MQTT_URL`` (or explicit settings) names a
broker.  ``start()`` once the office's data is ready, ``stop()`` when it closes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from fastapi import FastAPI

from concierge_office.db import Database, metadata
from concierge_office.devices import demo, tables
from concierge_office.devices.ingest import Activity, Ingestor
from concierge_office.devices.playbooks import load_playbooks
from concierge_office.devices.remote import RemoteFirst
from concierge_office.devices.settings import BrokerSettings, from_environment

log = logging.getLogger(__name__)

SWEEP_SECONDS = 0.25


class _Office(Protocol):
    db: Database
    clock: Any
    engine: Any
    app: FastAPI


class DeviceLink:
    def __init__(
        self,
        office: _Office,
        settings: BrokerSettings | None,
        demo_devices: demo.DemoDevices | None = None,
    ) -> None:
        self.demo = demo_devices
        if demo_devices is not None:
            settings = demo_devices.settings
        self.settings = settings
        self.db = office.db
        self.clock = office.clock
        self.engine = office.engine
        self.ingestor: Ingestor | None = None
        self.remote: RemoteFirst | None = None
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        with self.db.write() as conn:  # ours, whether or not the schema code knows them
            metadata.create_all(
                conn,
                tables=[
                    tables.mqtt_messages,
                    tables.telemetry_gaps,
                    tables.remote_decisions,
                    tables.device_commands,
                ],
            )
        office.app.state.devices = self
        if settings is None:
            return
        self.remote = RemoteFirst(
            self.db,
            load_playbooks(settings.playbooks),
            now=self.clock.now,
            replan=self._replan,
            approval_timeout=settings.approval_timeout_seconds,
        )
        self.ingestor = Ingestor(
            self.db,
            settings,
            now=self.clock.now,
            on_acks=self.remote.record_acks,
            on_executed=self.remote.record_executed,
        )
        self.remote.publish = self.ingestor.publish
        self.engine.remote_first = self.remote

    @property
    def enabled(self) -> bool:
        return self.ingestor is not None

    @property
    def activity(self) -> Activity | None:
        """Bumped on every change the link makes: wait on it rather than poll."""
        return None if self.ingestor is None else self.ingestor.activity

    @property
    def simulates_fleet(self) -> bool:
        """The demo fleet's telemetry comes from simulated devices over MQTT."""
        return self.demo is not None

    def start(self) -> None:
        if self.ingestor is None or self._sweeper is not None:
            return
        self.ingestor.start()
        self._stop.clear()
        self._sweeper = threading.Thread(
            target=self._sweep_loop, name="concierge-remote-sweep", daemon=True
        )
        self._sweeper.start()
        if self.demo is not None:
            self.demo.start_simulator(self.clock)
        log.info("devices: MQTT link to %s:%s", self.settings.host, self.settings.port)  # type: ignore[union-attr]

    def stop(self) -> None:
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join()
            self._sweeper = None
        if self.ingestor is not None:
            self.ingestor.stop()
        if self.demo is not None:
            self.demo.stop()
            self.demo = None

    def _sweep_loop(self) -> None:
        """Sends queued commands, times out acks, verifies effects: from the database,
        so every deadline survives a restart."""
        assert self.remote is not None
        while not self._stop.wait(SWEEP_SECONDS):
            try:
                self.remote.sweep()
            except Exception:
                log.exception("devices: the remote-first sweep failed")
            try:
                if self.ingestor is not None and self.ingestor.settings.share_group is not None:
                    self.ingestor.scan_gaps()
            except Exception:
                log.exception("devices: looking for telemetry gaps failed")
            if self.ingestor is not None:
                self.ingestor.activity.bump()  # commands sent, verdicts reached

    def _replan(self) -> None:
        """A remote attempt failed: plan its visit now rather than at the next engine run."""
        self.engine.run(self.clock.now())

    def status(self) -> dict[str, Any]:
        if self.ingestor is None:
            return {"enabled": False, "connected": False}
        broker = "external" if self.demo is None else f"demo {self.demo.kind}"
        return {"enabled": True, "kind": broker, **self.ingestor.snapshot()}


def attach(office: _Office, settings: BrokerSettings | None = None) -> DeviceLink:
    settings = settings or from_environment()
    demo_devices = None
    if settings is None and demo.wanted():
        demo_devices = demo.start_demo_devices(office.db)
    return DeviceLink(office, settings, demo_devices)
