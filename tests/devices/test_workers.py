"""``concierge-office serve --workers 2`` on one broker account, as operators run it: one
worker holds the broker connection (no reconnect storm between workers sharing the
account's client id), every worker answers the broker status alike, and when the holder
is SIGKILLed another worker takes over and ingestion resumes with nothing lost."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from concierge_office import db
from concierge_office.accounts import ADMIN_LOGIN, ADMIN_PASSWORD, ensure_admin
from concierge_office.devices import tables, topics
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.server import EmbeddedBackOffice
from tests.devices.conftest import _check_office_login, seed_small_fleet
from tests.devices.mqtt_helpers import Peer, wait_until
from tests.devices.test_two_offices import add_door_insight, envelope
from tests.office.conftest import Api
from tests.office.test_lifecycle import OfficeProcess
from tests.pgcluster import PrivateCluster

ACCOUNT = topics.OFFICE_ACCOUNT
SENDERS = [f"asset-{n:03d}" for n in range(6, 13)]  # seven elevators
MESSAGES_EACH = 30
PUBLISH_EVERY = 0.035  # ~28 messages/s in all, 4 per device: under the rate limit
HOLDER = re.compile(r"this process \(([^)]+)\) holds the broker connection")
CONNECTED = "MQTT: connected to"
TAKEOVER_SECONDS = 10.0


@pytest.fixture
def database_url(pg_cluster: PrivateCluster) -> Iterator[str]:
    name = f"workers_mqtt_{uuid.uuid4().hex[:8]}"
    pg_cluster.admin(f"CREATE DATABASE {name}")
    database = db.Database(pg_cluster.url(name))
    try:
        database.create_schema()
        now = time.time()
        seed_small_fleet(database, now)
        with database.write() as conn:
            conn.execute(db.assets.insert(), [
                {"id": a, "site_id": "site-001", "kind": "elevator", "model": "Model",
                 "serial": f"SN-{a}", "install_date": "2020-01-01", "service_limits": {},
                 "version": 1, "updated_at": now} for a in SENDERS])
        ensure_admin(database)
    finally:
        database.dispose()
    yield pg_cluster.url(name).replace("postgresql+psycopg://", "postgresql://")
    pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Fleet(threading.Thread):
    """The senders publish their telemetry at a steady pace, round robin (QoS 1)."""

    def __init__(self, broker: PrivateBroker) -> None:
        super().__init__(daemon=True)
        self.peers = [Peer(broker, device) for device in SENDERS]
        self.start_ms = int(time.time() * 1000) - 600_000
        self.sent = 0
        self.halt = threading.Event()

    def run(self) -> None:
        for seq in range(MESSAGES_EACH):
            for peer, device in zip(self.peers, SENDERS, strict=True):
                if self.halt.wait(PUBLISH_EVERY):  # pacing the traffic, not waiting for it
                    return
                peer.publish(topics.telemetry(device),
                             envelope(device, seq, self.start_ms + seq * 1000))
                self.sent += 1

    def close(self) -> None:
        self.halt.set()
        self.join(30)
        for peer in self.peers:
            peer.close()


def office_logins(broker: PrivateBroker, since: int) -> tuple[int, int]:
    """Broker connections made as the office account since ``since`` (a log offset), and
    how many of them threw an earlier one off."""
    lines = broker.log_path.read_text(errors="replace")[since:].splitlines()
    connects = sum(1 for line in lines
                   if "New client connected" in line and f" as {ACCOUNT} (" in line)
    kicks = sum(1 for line in lines if f"Client {ACCOUNT} already connected" in line)
    return connects, kicks


def count(url: str, table: Any) -> int:
    database = db.Database(url)
    try:
        with database.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        database.dispose()


def wait_stored(url: str, at_least: int, seconds: float = 30.0) -> int:
    deadline = time.monotonic() + seconds
    while (stored := count(url, tables.mqtt_messages)) < at_least:
        assert time.monotonic() < deadline, f"{stored} of {at_least} messages stored"
        time.sleep(0.1)  # another process writes them: poll with a deadline
    return stored


def statuses_of_each_worker(api: Api, workers: int = 2) -> dict[str, dict[str, Any]]:
    """The broker status as each worker answers it (a new connection per request, so the
    requests land on different workers)."""
    seen: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 30
    while len(seen) < workers:
        assert time.monotonic() < deadline, seen
        status = api.ok("GET", "/v1/admin/devices/broker", headers={"Connection": "close"})
        seen[status["answered_by"]] = status
    return seen


def holders(output: str) -> list[str]:
    return HOLDER.findall(output)


@pytest.mark.postgresql
def test_one_worker_holds_the_broker_connection_and_another_takes_over_when_it_dies(
    broker: PrivateBroker, database_url: str
) -> None:
    _check_office_login(broker)  # a clean session: nothing left from earlier tests
    mark = len(broker.log_path.read_text(errors="replace"))
    office = OfficeProcess(
        "--db", database_url, "--workers", "2", "--no-live",
        env={"CONCIERGE_MQTT_URL": broker.url, "CONCIERGE_MQTT_PASSWORD": broker.office_password},
    )
    fleet: Fleet | None = None
    api: Api | None = None
    device: Peer | None = None
    database = db.Database(database_url)
    try:
        office.wait_ready()
        office.wait_output(lambda out: out.count(CONNECTED) or None, "broker connection")
        api = Api(office.url, ADMIN_LOGIN, ADMIN_PASSWORD)

        fleet = Fleet(broker)
        fleet.start()
        wait_stored(database_url, 60)  # two seconds of traffic and more
        # One connection for the account, never thrown off: the other worker stands by.
        assert office_logins(broker, mark) == (1, 0), broker.log_path.read_text()[mark:]
        first = office.wait_output(lambda out: (holders(out) or [None])[0], "holder")
        each = statuses_of_each_worker(api)
        assert {s["holder"] for s in each.values()} == {first}, each
        assert all(s["connected"] and s["broker"] == f"{broker.host}:{broker.port}"
                   for s in each.values()), each

        killed = time.monotonic()
        os.kill(int(first.rsplit(":", 1)[1]), signal.SIGKILL)  # mid-traffic
        second = office.wait_output(
            lambda out: next((h for h in holders(out) if h != first), None), "takeover",
            timeout=TAKEOVER_SECONDS)
        office.wait_output(lambda out: out.count(CONNECTED) >= 2 or None, "reconnection")
        took_over = time.monotonic() - killed
        print(f"taken over by {second} {took_over:.2f} s after the SIGKILL")
        assert took_over < TAKEOVER_SECONDS

        fleet.join(60)
        total = len(SENDERS) * MESSAGES_EACH
        assert fleet.sent == total
        # Nothing lost (the persistent session kept what came meanwhile), each stored once.
        wait_stored(database_url, total)
        assert count(database_url, tables.mqtt_messages) == total
        assert count(database_url, db.telemetry) == total
        connects, _kicks = office_logins(broker, mark)
        assert connects == 2, broker.log_path.read_text()[mark:]  # the holder, its successor
        each = statuses_of_each_worker(api)
        assert {s["holder"] for s in each.values()} == {second}, each
        assert all(s["connected"] for s in each.values()), each

        # Remote first goes on: one decision, one command, sent by the new holder, whichever
        # worker runs the engine.
        device = Peer(broker, "asset-001")
        device.subscribe(f"{topics.PREFIX}/asset-001/cmd/+")
        add_door_insight(database)
        for _ in range(2):
            api.ok("POST", "/v1/admin/engine/run", headers={"Connection": "close"})
        command = device.next(timeout=10)
        assert device.drain(quiet=2.0) == []
        c = tables.device_commands
        with database.read() as conn:
            rows = conn.execute(select(c.c.command_id, c.c.publishes)).all()
        assert [(r.command_id, r.publishes) for r in rows] == [
            (json.loads(command.payload)["command_id"], 1)]

        code, out = office.stop()
        assert code == 0, out
    finally:
        if device is not None:
            device.close()
        if fleet is not None:
            fleet.close()
        if api is not None:
            api.close()
        office.kill()
        database.dispose()



def test_a_process_elected_again_reconnects_and_gets_what_came_meanwhile(
    office: EmbeddedBackOffice, office_env: PrivateBroker
) -> None:
    link = office.service.devices
    device = Peer(office_env, "asset-001")
    try:
        link.release_connection()  # deposed: another process may hold it now
        wait_until(lambda: not link.status()["connected"], link, what="the disconnection")
        t_ms = int(time.time() * 1000)
        device.publish(topics.telemetry("asset-001"), envelope("asset-001", 0, t_ms))
        link.hold_connection()  # elected again: the same session, the message waiting in it
        wait_until(lambda: link.status()["stored_messages"] == 1, link, what="the message")
        assert link.status()["connected"] and link.status()["connects"] == 2
    finally:
        device.close()
