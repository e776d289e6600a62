"""Two ingesting office processes on one PostgreSQL database and one real mosquitto: MQTT
shared subscriptions hand each message to one of them, ingestion stores it once, and one
decision yields one command although both offices sweep for commands to send."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from concierge_office import db
from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, ensure_admin
from concierge_office.devices import tables, topics
from concierge_office.devices.mosquitto import PrivateBroker
from tests.devices.conftest import OFFICE_WORKERS, seed_small_fleet
from tests.devices.mqtt_helpers import Peer
from tests.office.conftest import Api
from tests.pgcluster import PrivateCluster

SENDERS = [f"asset-{n:03d}" for n in range(6, 13)]  # seven elevators sending telemetry
MESSAGES_EACH = 20  # under the per-device burst even if one office got them all
READY_SECONDS = 60.0


class OfficeProcess:
    """``concierge-office serve`` as operators run it, logged to a file."""

    def __init__(self, database_url: str, env: dict[str, str], log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "concierge_office", "serve", "--no-live",
                 "--port", str(self.port), "--db", database_url],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})

    def wait_ready(self, admin: list[Api]) -> Api:
        """Ready and linked to the broker: an admin client of this office."""
        deadline = time.monotonic() + READY_SECONDS
        api: Api | None = None
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if api is None and requests.get(f"{self.url}/readyz", timeout=2).ok:
                    api = Api(self.url, ADMIN_LOGIN, ADMIN_PASSWORD)
                    admin.append(api)
                if api is not None and api.ok("GET", "/v1/admin/devices/broker")["connected"]:
                    return api
            except requests.ConnectionError:
                pass
            time.sleep(0.1)  # a subprocess: poll with a deadline
        raise AssertionError(f"the office was not ready:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def two_offices(
    broker: PrivateBroker, pg_cluster: PrivateCluster, tmp_path: Path
) -> Iterator[tuple[db.Database, list[Api]]]:
    name = f"two_offices_{uuid.uuid4().hex[:8]}"
    pg_cluster.admin(f"CREATE DATABASE {name}")
    database = db.Database(pg_cluster.url(name))
    database.create_schema()
    now = time.time()
    seed_small_fleet(database, now)
    with database.write() as conn:
        conn.execute(db.assets.insert(), [
            {"id": a, "site_id": "site-001", "kind": "elevator", "model": "Model",
             "serial": f"SN-{a}", "install_date": "2020-01-01", "service_limits": {},
             "version": 1, "updated_at": now} for a in SENDERS])
    ensure_admin(database)
    offices, admins = [], []
    try:
        for n, account in enumerate(OFFICE_WORKERS):
            offices.append(OfficeProcess(
                pg_cluster.url(name).replace("postgresql+psycopg://", "postgresql://"),
                {"CONCIERGE_MQTT_URL": broker.url, "CONCIERGE_MQTT_USERNAME": account,
                 "CONCIERGE_MQTT_PASSWORD": broker.offices[account],
                 "CONCIERGE_MQTT_SHARE_GROUP": "fc-office"},
                tmp_path / f"office-{n}.log"))
        apis = [office.wait_ready(admins) for office in offices]
        yield database, apis
    finally:
        for api in admins:
            api.close()
        for office in offices:
            office.stop()
        database.dispose()
        pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def envelope(device_id: str, seq: int, t_ms: int, boot: str = "b1") -> bytes:
    return json.dumps({"v": 1, "device_id": device_id, "boot_id": boot, "seq": seq,
                       "sent_at": t_ms, "samples": [{"t": t_ms, "m": {"motor_temp": 50.0}}]
                       }).encode()


def count(database: db.Database, table: Any) -> int:
    with database.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_each_message_is_ingested_once_and_one_decision_sends_one_command(
    two_offices: tuple[db.Database, list[Api]], broker: PrivateBroker
) -> None:
    database, (first, second) = two_offices
    peers = {device: Peer(broker, device) for device in [*SENDERS, "asset-001"]}
    try:
        start = int(time.time() * 1000) - 600_000
        for device in SENDERS:
            for seq in range(MESSAGES_EACH):
                peers[device].publish(topics.telemetry(device),
                                      envelope(device, seq, start + seq * 1000))
        peers[SENDERS[0]].publish(topics.telemetry(SENDERS[0]),  # a device's retry
                                  envelope(SENDERS[0], 0, start))
        total = len(SENDERS) * MESSAGES_EACH

        def statuses() -> list[dict[str, Any]]:
            return [api.ok("GET", "/v1/admin/devices/broker") for api in (first, second)]

        def handled() -> int:  # telemetry stored or recognised as a repeat, by both offices
            return sum(s["stored_messages"] + s["duplicates"] for s in statuses())

        deadline = time.monotonic() + 20
        while handled() < total + 1:
            assert time.monotonic() < deadline, statuses()
            time.sleep(0.1)  # other processes: poll with a deadline
        each = statuses()
        assert [s["rate_limited"] for s in each] == [0, 0]
        assert all(s["stored_messages"] > 0 for s in each), each  # both offices ingest
        assert sum(s["stored_messages"] for s in each) == total
        # Shared, not copied: only the device's retry was a repeat, wherever it landed
        # (without $share every message would reach both offices: 140 repeats).
        assert sum(s["duplicates"] for s in each) == 1
        assert count(database, tables.mqtt_messages) == total
        assert count(database, db.telemetry) == total
        assert count(database, tables.telemetry_gaps) == 0  # no seq missing, none recorded

        # A device's seq jumps (3 and 4 never arrive, 2 comes late): one gap, recorded once
        # although neither office saw all of the device's messages.
        gappy = SENDERS[1]
        for seq in (0, 1, 5, 6, 2):
            peers[gappy].publish(topics.telemetry(gappy), envelope(gappy, seq, start + seq,
                                                                   boot="b2"))
        g = tables.telemetry_gaps
        deadline = time.monotonic() + 20
        while count(database, g) == 0:
            assert time.monotonic() < deadline, "no gap recorded"
            time.sleep(0.1)  # other processes: poll with a deadline
        with database.read() as conn:
            gaps = conn.execute(select(g.c.device_id, g.c.boot_id, g.c.after_seq, g.c.missing))
            assert [tuple(r) for r in gaps] == [(gappy, "b2", 2, 2)]
        assert sum(s["gaps"] for s in statuses()) == 1

        # One decision, one command, although both offices run the engine and both sweep.
        device = peers["asset-001"]
        device.subscribe(f"{topics.PREFIX}/asset-001/cmd/+")
        add_door_insight(database)
        for api in (first, second):
            api.ok("POST", "/v1/admin/engine/run")
        command = device.next(timeout=10)
        assert device.drain(quiet=2.0) == []  # nothing more: not from the other office
        c = tables.device_commands
        with database.read() as conn:
            rows = conn.execute(select(c.c.command_id, c.c.publishes)).all()
        assert [(r.command_id, r.publishes) for r in rows] == [
            (json.loads(command.payload)["command_id"], 1)]
        assert command.topic == topics.command("asset-001", rows[0].command_id)
    finally:
        for peer in peers.values():
            peer.close()


def add_door_insight(database: db.Database) -> None:
    now = time.time()
    with database.write() as conn:
        conn.execute(db.insights.insert().values(
            id="ins-door", key="asset-001:door_cycle_time:trend", asset_id="asset-001",
            site_id="site-001", metric="door_cycle_time", kind="trend", severity="warning",
            confidence=0.9, predicted_impact_at=now + 7 * 86_400, evidence={},
            explanation="doors slowing", headline="doors slowing", status="open",
            created_at=now, updated_at=now, version=1))
