"""One command per decision, across engine runs, office restarts and several senders;
the device runs a repeated command id once; approvals and missing acks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from concierge.i18n import translator_for
from concierge.office_text import fixed_remotely_note
from concierge_office import db
from concierge_office.devices import attempts, tables, topics
from concierge_office.devices.envelope import Ack
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.devices.playbooks import load_playbooks
from concierge_office.devices.remote import RemoteFirst
from concierge_office.devices.simulator import SimulatedAsset, Simulator
from concierge_office.series import store_readings
from tests.devices.conftest import seed_small_fleet
from tests.devices.fleet_helpers import elevator_signals, quick_playbooks
from tests.devices.mqtt_helpers import Peer


@pytest.fixture
def database(tmp_path: Path) -> Iterator[db.Database]:
    database = db.Database(f"sqlite:///{tmp_path / 'office.sqlite'}")
    database.create_schema()
    seed_small_fleet(database, time.time())
    yield database
    database.dispose()


def add_insight(database: db.Database, asset_id: str, metric: str, ident: str) -> None:
    now = time.time()
    with database.write() as conn:
        conn.execute(
            db.insights.insert().values(
                id=ident,
                key=f"{asset_id}:{metric}:trend",
                asset_id=asset_id,
                site_id="site-001",
                metric=metric,
                kind="trend",
                severity="warning",
                confidence=0.9,
                predicted_impact_at=now + 7 * 86_400,
                evidence={},
                explanation="drifting",
                headline="drifting",
                status="open",
                created_at=now,
                updated_at=now,
                version=1,
            )
        )


class Sender:
    """A RemoteFirst whose publishing is recorded (and may be told to fail)."""

    def __init__(self, database: db.Database, playbooks: Path) -> None:
        self.published: list[str] = []
        self.replans = 0
        self.fail = False
        self.lock = threading.Lock()
        self.remote = RemoteFirst(
            database,
            load_playbooks(playbooks),
            now=time.time,
            replan=self._replan,
            publish=self._publish,
        )

    def _publish(self, topic: str, payload: bytes) -> bool:
        with self.lock:
            self.published.append(topic)
        return not self.fail

    def _replan(self) -> None:
        self.replans += 1

    def triage(self) -> set[str]:
        with self.remote.db.write() as conn:
            return self.remote.triage(conn, time.time())


def commands(database: db.Database) -> list[tuple[str, str]]:
    c = tables.device_commands
    with database.read() as conn:
        return [(r.command_id, r.state) for r in conn.execute(select(c.c.command_id, c.c.state))]


def test_one_command_per_decision_across_runs_restarts_and_senders(
    database: db.Database, tmp_path: Path
) -> None:
    playbooks = quick_playbooks(tmp_path / "pb.json")
    add_insight(database, "asset-001", "door_cycle_time", "ins-door")
    first, second = Sender(database, playbooks), Sender(database, playbooks)
    assert first.triage() == {"ins-door"}  # held back from visit planning
    assert second.triage() == {"ins-door"}  # another worker's engine run: no new decision
    ((command_id, state),) = commands(database)
    assert state == "queued"

    # Two senders sweep at once: the lease lets exactly one publish.
    threads = [threading.Thread(target=s.remote.sweep) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(first.published) + len(second.published) == 1

    # A restarted office (a new RemoteFirst) finds it sent and does not publish again.
    restarted = Sender(database, playbooks)
    restarted.remote.sweep()
    assert restarted.published == []
    assert commands(database) == [(command_id, "sent")]


def test_a_publish_that_failed_is_retried_with_the_same_command_id(
    database: db.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_insight(database, "asset-002", "snr", "ins-snr")
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json"))
    sender.triage()
    sender.fail = True
    sender.remote.sweep()
    sender.remote.sweep()  # leased: not again until the lease runs out
    assert len(sender.published) == 1
    monkeypatch.setattr("concierge_office.devices.remote.LEASE_SECONDS", 0.0)
    sender.fail = False
    with database.write() as conn:  # the lease of the failed try runs out
        conn.execute(tables.device_commands.update().values(lease_until=time.time() - 1))
    sender.remote.sweep()
    assert len(sender.published) == 2
    assert sender.published[0] == sender.published[1]  # same topic, so same command id
    ((_, state),) = commands(database)
    assert state == "sent"


def test_no_ack_means_a_technician(database: db.Database, tmp_path: Path) -> None:
    add_insight(database, "asset-003", "cop", "ins-cop")
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json"))
    sender.triage()
    sender.remote.sweep()
    with database.write() as conn:  # the ack deadline passes
        conn.execute(tables.device_commands.update().values(ack_deadline=time.time() - 1))
    sender.remote.sweep()
    assert commands(database)[0][1] == "ack_timeout"
    assert sender.replans == 1  # the engine plans the visit now
    assert sender.triage() == set()  # no longer held back
    d = tables.remote_decisions
    with database.read() as conn:
        state, detail = conn.execute(select(d.c.state, d.c.detail)).one()
    assert (state, detail) == ("not_fixed", "the device did not acknowledge")


def test_an_action_needing_approval_waits_for_the_dispatcher(
    database: db.Database, tmp_path: Path
) -> None:
    add_insight(database, "asset-002", "latency", "ins-latency")
    add_insight(database, "asset-005", "latency", "ins-latency-2")
    add_insight(database, "asset-001", "vibration", "ins-worn")  # needs a person: no playbook
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json"))
    assert sender.triage() == {"ins-latency", "ins-latency-2"}
    sender.remote.sweep()
    assert sender.published == []  # nothing without approval
    key = "ins-latency:gateway-channel-change"
    assert sender.remote.approve(key, "admin") == "commanded"
    assert sender.remote.approve(key, "admin") == "commanded"  # twice: still one command
    assert sender.remote.approve(
        "ins-latency-2:gateway-channel-change", "admin", approve=False
    ) == ("declined")
    sender.remote.sweep()
    assert sender.published == [topics.command("asset-002", commands(database)[0][0])]
    assert sender.triage() == {"ins-latency"}  # the declined one goes to visit planning


def test_the_device_runs_a_repeated_command_once(broker: PrivateBroker, tmp_path: Path) -> None:
    now = time.time()
    asset = SimulatedAsset(
        "asset-006",
        "elevator",
        broker.devices["asset-006"],
        elevator_signals("asset-006", drifting=False, now=now, seed=1),
    )
    state_dir = tmp_path / "devices"
    office = Peer(broker, "fc-office")
    office.subscribe(f"{topics.PREFIX}/asset-006/ack/+")
    command = b'{"command_id":"cmd-1","command":"door_operator.recalibrate","params":{}}'
    try:
        with _running(Simulator(broker.host, broker.port, [asset], state_dir=state_dir)) as sim:
            office.publish(topics.command("asset-006", "cmd-1"), command)
            acks = [office.next(), office.next()]
            assert [b'"accepted"' in m.payload for m in acks] == [True, False]
            assert b'"done"' in acks[1].payload
            assert len(sim.executions) == 1
        # The device restarts; the office sends the same command again (a retry).
        with _running(Simulator(broker.host, broker.port, [asset], state_dir=state_dir)) as sim:
            office.publish(topics.command("asset-006", "cmd-1"), command)
            again = office.next()
            assert b'"done"' in again.payload and b"already done" in again.payload
            assert sim.executions == []  # acknowledged, not run again
    finally:
        office.close()


@contextmanager
def _running(simulator: Simulator) -> Iterator[Simulator]:
    simulator.start()
    try:
        assert simulator.ready.wait(10), "the device is not listening"
        yield simulator
    finally:
        simulator.stop()


def test_two_insights_on_one_fault_share_one_command_and_its_verdict(
    database: db.Database, tmp_path: Path
) -> None:
    add_insight(database, "asset-001", "door_cycle_time", "ins-trend")
    with database.write() as conn:  # the same drift seen as a deviation too
        row = dict(
            conn.execute(select(db.insights).where(db.insights.c.id == "ins-trend")).one()._mapping
        )
        conn.execute(
            db.insights.insert().values(
                {
                    **row,
                    "id": "ins-deviation",
                    "key": "asset-001:door_cycle_time:deviation",
                    "kind": "deviation",
                }
            )
        )
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json", window=60.0))
    assert sender.triage() == {"ins-trend", "ins-deviation"}
    sender.remote.sweep()
    ((command_id, _),) = commands(database)
    done_at = time.time()
    before = [("asset-001", "door_cycle_time", done_at - 10 + i, 5.0) for i in range(10)]
    after = [("asset-001", "door_cycle_time", done_at + 1 + i, 4.2) for i in range(3)]
    with database.write() as conn:
        store_readings(database, conn, before + after)
        sender.remote.record_acks(conn, [Ack("asset-001", command_id, "done", done_at, "")])
    sender.remote.sweep()
    with database.read() as conn:
        statuses = dict(conn.execute(select(db.insights.c.id, db.insights.c.status)).all())
        figures = attempts.figures(conn).kinds[0]
    assert statuses == {"ins-trend": "resolved", "ins-deviation": "resolved"}
    assert (figures.resolved_remotely, figures.visits_avoided) == (2, 1)
    assert sender.triage() == {"ins-trend", "ins-deviation"}  # settled: no visit, no command
    assert len(commands(database)) == 1


def _fix_by_telemetry(sender: Sender, database: db.Database, asset_id: str, metric: str) -> None:
    """The device reports the command done and its metric drops clearly after it."""
    ((command_id, _),) = commands(database)
    done_at = time.time()
    before = [(asset_id, metric, done_at - 10 + i, 5.0) for i in range(10)]
    after = [(asset_id, metric, done_at + 1 + i, 4.0) for i in range(3)]
    with database.write() as conn:
        store_readings(database, conn, before + after)
        sender.remote.record_acks(conn, [Ack(asset_id, command_id, "done", done_at, "")])
    sender.remote.sweep()


def test_a_remote_fix_cancels_the_visit_it_made_unnecessary_saying_why(
    database: db.Database, tmp_path: Path
) -> None:
    add_insight(database, "asset-001", "door_cycle_time", "ins-door")
    now = time.time()
    with database.write() as conn:  # a visit planned before the remote attempt
        conn.execute(
            db.visits.insert().values(
                id="vis-1",
                site_id="site-001",
                technician_id="tech-ana",
                asset_ids=["asset-001"],
                insight_ids=["ins-door"],
                window_start=now + 3600,
                window_end=now + 7200,
                priority=2,
                summary="Door slowing",
                **db.new_visit_fields(now),
            )
        )
        conn.execute(db.visit_insights.insert().values(visit_id="vis-1", insight_id="ins-door"))
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json", window=60.0))
    sender.triage()
    sender.remote.sweep()
    _fix_by_telemetry(sender, database, "asset-001", "door_cycle_time")
    with database.read() as conn:
        visit = conn.execute(select(db.visits).where(db.visits.c.id == "vis-1")).one()
    assert visit.status == "cancelled"
    assert visit.insight_ids == []
    assert visit.outcome.startswith("Resolved remotely at ")
    assert visit.version == 2


def test_a_remote_fix_takes_the_visit_off_the_round_with_its_reason(
    database: db.Database, tmp_path: Path
) -> None:
    """#18 item 5: the technician's feed gets a tombstone whose reason is resolved_remotely,
    with what was done, never a silent removal."""
    from concierge_office.changes import publish_own, withdrawals_for

    add_insight(database, "asset-001", "door_cycle_time", "ins-door")
    now = time.time()
    with database.write() as conn:  # a visit on Ana's round, in her feed
        conn.execute(db.visits.insert().values(
            id="vis-1", site_id="site-001", technician_id="tech-ana", asset_ids=["asset-001"],
            insight_ids=["ins-door"], window_start=now + 3600, window_end=now + 7200,
            priority=2, summary="Door slowing", **db.new_visit_fields(now)))
        conn.execute(db.visit_insights.insert().values(visit_id="vis-1", insight_id="ins-door"))
        publish_own(database, conn, "tech-ana", ("visit", "vis-1"), 1, visible=True)
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json", window=60.0))
    sender.triage()
    sender.remote.sweep()
    _fix_by_telemetry(sender, database, "asset-001", "door_cycle_time")
    f = db.feed
    with database.read() as conn:
        entry = conn.execute(select(f).where(
            f.c.technician_id == "tech-ana", f.c.entity == "visit", f.c.entity_id == "vis-1")
        ).one()
        reasons = withdrawals_for(conn, "tech-ana", {"vis-1": entry.seq})
    assert entry.deleted and entry.version == 2
    assert reasons["vis-1"]["code"] == "resolved_remotely"
    assert "fixed remotely" in reasons["vis-1"]["note"]
    german = translator_for("de").render(fixed_remotely_note(reasons["vis-1"]["note"]))
    assert german.startswith("Türzykluszeit: ")  # not the metric's key
    assert "door_cycle_time" not in german and german.endswith(" s")
    assert reasons["vis-1"]["at"] >= datetime.fromtimestamp(now, UTC).isoformat()[:19]


def test_a_lost_ack_is_recovered_from_the_devices_state(
    database: db.Database, tmp_path: Path
) -> None:
    add_insight(database, "asset-002", "snr", "ins-snr")
    sender = Sender(database, quick_playbooks(tmp_path / "pb.json"))
    sender.triage()
    sender.remote.sweep()
    ((command_id, state),) = commands(database)
    assert state == "sent"
    with database.write() as conn:  # another device cannot close it
        sender.remote.record_executed(conn, "asset-001", [command_id])
    assert commands(database) == [(command_id, "sent")]
    with database.write() as conn:  # the ack never came; the device's state lists the id
        sender.remote.record_executed(conn, "asset-002", [command_id])
    assert commands(database) == [(command_id, "done")]
