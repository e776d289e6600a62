# SPDX-License-Identifier: Apache-2.0
"""The office's devices link: broker connection, ingestion, remote-first commands, admin API.

``attach(office)`` is the one call the back office makes when it is built; it returns
a link that does nothing unless ``CONCIERGE_MQTT_URL`` (or explicit settings) names a
broker.  ``start()`` once the office's data is ready, ``stop()`` when it closes.

One process holds the broker connection per broker account: on PostgreSQL the office's
processes elect it (election.py); the holder ingests, sends commands and runs the
remote-first sweep, and writes its broker status to the database, which the other
processes serve.  On SQLite (one process) the office holds it from the start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
from typing import Any, Protocol

from fastapi import FastAPI

from concierge_office import db as office_db
from concierge_office.db import Database, metadata
from concierge_office.devices import demo, tables
from concierge_office.devices.election import Election
from concierge_office.devices.ingest import Activity, Ingestor
from concierge_office.devices.playbooks import load_playbooks
from concierge_office.devices.remote import RemoteFirst
from concierge_office.devices.settings import BrokerSettings, from_environment

log = logging.getLogger(__name__)

SWEEP_SECONDS = 0.25
STATUS_SECONDS = 1.0  # the holder writes its broker status this often (and on a change)
STATUS_FRESH_SECONDS = 5.0  # an older status is a holder gone: not connected
NO_HOLDER = ("no office process holds the broker connection at the moment; another takes "
             "over within seconds")


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
        self._election: Election | None = None
        self._holding = threading.Event()  # this process holds the broker connection
        self._holding_lock = threading.Lock()
        self.process_id = f"{socket.gethostname()}:{os.getpid()}"
        self._status_written: tuple[float, bool] = (0.0, False)  # when, connected
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

    @property
    def account(self) -> str:
        """The broker account and broker: one connection each, however many processes."""
        assert self.settings is not None
        return f"{self.settings.username}@{self.settings.host}:{self.settings.port}"

    def start(self) -> None:
        if self.ingestor is None or self._sweeper is not None:
            return
        self._stop.clear()
        self._sweeper = threading.Thread(
            target=self._sweep_loop, name="concierge-remote-sweep", daemon=True
        )
        self._sweeper.start()
        if self.db.is_sqlite:  # one process: nobody to share the account with
            self.hold_connection()
        else:
            self._election = Election(
                self.db,
                self.account,
                on_elected=self.hold_connection,
                on_deposed=self.release_connection,
            )
            self._election.start()
        if self.demo is not None:
            self.demo.start_simulator(self.clock)
        log.info("devices: MQTT link to %s:%s", self.settings.host, self.settings.port)  # type: ignore[union-attr]

    def stop(self) -> None:
        self._stop.set()
        if self._election is not None:
            self._election.stop()  # deposes us (stops the ingestor) if we held it
            self._election = None
        if self._sweeper is not None:
            self._sweeper.join()
            self._sweeper = None
        self.release_connection()
        if self.demo is not None:
            self.demo.stop()
            self.demo = None

    def hold_connection(self) -> None:
        """This process holds the broker connection now: connect, ingest, send."""
        assert self.ingestor is not None
        with self._holding_lock:
            if self._holding.is_set():
                return
            self.ingestor.start()
            self._holding.set()
        if self._election is not None:
            log.info("devices: this process (%s) holds the broker connection as %s",
                     self.process_id, self.account)
        self.ingestor.activity.bump()

    def release_connection(self) -> None:
        """Another process holds (or may hold) the broker connection: let go of ours."""
        with self._holding_lock:
            if not self._holding.is_set():
                return
            self._holding.clear()
            if self.ingestor is not None:
                self.ingestor.stop()
        if self._election is not None and not self._stop.is_set():
            log.warning("devices: this process (%s) gave the broker connection up",
                        self.process_id)

    def _sweep_loop(self) -> None:
        """The holder sends queued commands, times out acks and verifies effects (from the
        database, so every deadline survives a restart), and publishes its status.  Any
        process plans the visit of an attempt it released (a decline) at once."""
        assert self.remote is not None
        while not self._stop.wait(SWEEP_SECONDS):
            if not self._holding.is_set():
                try:
                    self.remote.replan_if_released()
                except Exception:
                    log.exception("devices: planning a released attempt's visit failed")
                continue
            try:
                self.remote.sweep()
            except Exception:
                log.exception("devices: the remote-first sweep failed")
            try:
                if self.ingestor is not None and self.ingestor.settings.share_group is not None:
                    self.ingestor.scan_gaps()
            except Exception:
                log.exception("devices: looking for telemetry gaps failed")
            if self._election is not None:
                try:
                    self._write_status()
                except Exception:
                    log.exception("devices: writing the broker status failed")
            if self.ingestor is not None:
                self.ingestor.activity.bump()  # commands sent, verdicts reached

    def _status_key(self) -> str:
        return "devices-link:" + hashlib.sha256(self.account.encode()).hexdigest()[:32]

    def _write_status(self) -> None:
        """The holder's broker status, for the processes that answer without it."""
        status = self._own_status()
        wall = time.time()
        when, connected = self._status_written
        if wall - when < STATUS_SECONDS and connected == status["connected"]:
            return
        status["reported_at"] = wall
        with self.db.write() as conn:
            office_db.meta_set(self.db, conn, self._status_key(), json.dumps(status))
        self._status_written = (wall, bool(status["connected"]))

    def _own_status(self) -> dict[str, Any]:
        assert self.ingestor is not None
        broker = "external" if self.demo is None else f"demo {self.demo.kind}"
        holder = self.process_id if self._holding.is_set() else None
        return {"enabled": True, "kind": broker, **self.ingestor.snapshot(), "holder": holder}

    def _replan(self) -> None:
        """A remote attempt failed: plan its visit now rather than at the next engine run."""
        self.engine.run(self.clock.now())

    def status(self) -> dict[str, Any]:
        """The broker status, the same whichever process answers: the holder's own, or
        what the holder last wrote to the database (not connected once it is stale)."""
        if self.ingestor is None:
            return {"enabled": False, "connected": False}
        status = self._own_status()
        if self._holding.is_set() or self._election is None:
            return {**status, "answered_by": self.process_id}
        with self.db.read() as conn:
            written = office_db.meta_get(conn, self._status_key())
        held = json.loads(written) if written else None
        if held is not None and time.time() - held["reported_at"] < STATUS_FRESH_SECONDS:
            del held["reported_at"]
            return {**held, "answered_by": self.process_id}
        return {**status, "last_error": NO_HOLDER, "answered_by": self.process_id}


def attach(office: _Office, settings: BrokerSettings | None = None) -> DeviceLink:
    settings = settings or from_environment()
    demo_devices = None
    if settings is None and demo.wanted():
        demo_devices = demo.start_demo_devices(office.db)
    return DeviceLink(office, settings, demo_devices)
