"""MQTT ingestion: readings/s into the database vs raw SQLite executemany of the same rows,
publish -> stored latency (p50, p99), and insight -> remote verdict in simulated time,
through a private mosquitto.

Throughput: devices publish pre-encoded envelopes (QoS 1, 500 samples x 4 metrics each)
as fast as the broker takes them; the clock runs from the first publish until the office
has committed every reading.  Baseline, in the same run: the same rows inserted raw
(``INSERT OR IGNORE`` executemany into a WITHOUT ROWID table, one transaction per
message's worth of rows).  Latency: one small message at a time, from publish until its
key is visible in the office's database.  Verdict: two elevators whose doors drift, as
simulated devices (the office clock at 30x); the engine raises their insights, and the
time from each insight to its verdict is read from the office (the recalibration works
on one and not on the other, which waits out the packaged 10-minute window).

python benchmarks/bench_mqtt_ingest.py
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import targets
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge_office import db
from concierge_office.devices import topics
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.devices.scenarios import elevator_signals, store_history
from concierge_office.devices.simulator import SimulatedAsset, Simulator
from concierge_office.devices.tables import mqtt_messages, remote_decisions
from concierge_office.server import EmbeddedBackOffice, start_embedded

DEVICES = [f"asset-{n:03d}" for n in range(1, 21)]
METRICS = ("snr", "uncorrectable_codewords", "latency", "throughput")  # a cable gateway's
MESSAGES_PER_DEVICE = 10
SAMPLES = 500
REPEATS = 3
LATENCY_MESSAGES = 200


def _seed(database: db.Database, now: float) -> None:
    with database.write() as conn:
        conn.execute(
            db.sites.insert().values(
                id="site-001", customer_name="Bench", name="Bench", address="-", latitude=0.0,
                longitude=0.0, region="north", version=1, updated_at=now,
            )
        )
        conn.execute(
            db.assets.insert(),
            [
                {"id": d, "site_id": "site-001", "kind": "cable_gateway", "model": "m",
                 "serial": d, "install_date": "2020-01-01", "service_limits": {},
                 "version": 1, "updated_at": now}
                for d in DEVICES
            ],
        )


def _payloads(start_ms: int) -> list[tuple[str, bytes, list[tuple[str, str, float, float]]]]:
    """(device, envelope, its rows) for every message."""
    out = []
    for m in range(MESSAGES_PER_DEVICE):
        for n, device in enumerate(DEVICES):
            first = start_ms + (m * SAMPLES) * 1000
            samples = [
                {"t": first + i * 1000, "m": {k: 30.0 + (i + n) % 7 for k in METRICS}}
                for i in range(SAMPLES)
            ]
            envelope = {"v": 1, "device_id": device, "boot_id": "bench", "seq": m,
                        "sent_at": start_ms, "samples": samples}
            rows = [(device, k, s["t"] / 1000, v) for s in samples for k, v in s["m"].items()]
            out.append((device, json.dumps(envelope).encode(), rows))
    return out


def _clients(broker: PrivateBroker) -> dict[str, mqtt.Client]:
    clients = {}
    for device in DEVICES:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=device)
        client.username_pw_set(device, broker.devices[device])
        client.max_inflight_messages_set(100)
        client.connect(broker.host, broker.port)
        client.loop_start()
        clients[device] = client
    return clients


def _office(broker: PrivateBroker, tmp: Path) -> EmbeddedBackOffice:
    url = f"sqlite:///{tmp / 'office.sqlite'}"
    database = db.Database(url)
    database.create_schema()
    _seed(database, time.time())
    database.dispose()
    os.environ["CONCIERGE_MQTT_URL"] = broker.url
    os.environ["CONCIERGE_MQTT_PASSWORD"] = broker.office_password
    office = start_embedded(url, demo=False, live=False)
    deadline = time.monotonic() + 10
    while not office.service.devices.status()["connected"]:
        if time.monotonic() > deadline:
            raise RuntimeError("the office did not connect to the broker")
        time.sleep(0.01)
    return office


def _mqtt_run(broker: PrivateBroker, start_ms: int) -> float:
    messages = _payloads(start_ms)
    total = sum(len(rows) for _, _, rows in messages)
    with tempfile.TemporaryDirectory() as tmp:
        office = _office(broker, Path(tmp))
        clients = _clients(broker)
        try:
            ingestor = office.service.devices.ingestor
            began = time.perf_counter()
            infos = [
                clients[device].publish(topics.telemetry(device), payload, qos=1)
                for device, payload, _ in messages
            ]
            for info in infos:
                info.wait_for_publish(60)
            while ingestor.snapshot()["stored_readings"] < total:
                time.sleep(0.002)
            elapsed = time.perf_counter() - began
        finally:
            for client in clients.values():
                client.disconnect()
                client.loop_stop()
            office.stop()
    return total / elapsed


def _raw_run(start_ms: int, *, series_keys: bool) -> float:
    """The rows as sent, or in the office's layout (series ids mapped before the clock)."""
    messages = _payloads(start_ms)
    total = sum(len(rows) for _, _, rows in messages)
    ids: dict[tuple[str, str], int] = {}
    batches = [
        [(ids.setdefault((a, m), len(ids) + 1), t, v) for a, m, t, v in rows] if series_keys
        else rows
        for _, _, rows in messages
    ]
    columns = "series_id INTEGER, ts REAL" if series_keys else "asset_id TEXT, metric TEXT, ts REAL"
    key = "series_id, ts" if series_keys else "asset_id, metric, ts"
    marks = "?, ?, ?" if series_keys else "?, ?, ?, ?"
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.sqlite")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            f"CREATE TABLE telemetry ({columns}, value REAL NOT NULL, PRIMARY KEY ({key})) "
            "WITHOUT ROWID"
        )
        began = time.perf_counter()
        for rows in batches:
            with conn:
                conn.executemany(f"INSERT OR IGNORE INTO telemetry VALUES ({marks})", rows)
        elapsed = time.perf_counter() - began
        conn.close()
    return total / elapsed


def _latency(broker: PrivateBroker) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        office = _office(broker, Path(tmp))
        (device,) = DEVICES[:1]
        client = _clients(broker)[device]
        m = mqtt_messages
        seconds = []
        try:
            for seq in range(LATENCY_MESSAGES):
                now_ms = int(time.time() * 1000)
                payload = json.dumps(
                    {"v": 1, "device_id": device, "boot_id": "lat", "seq": seq, "sent_at": now_ms,
                     "samples": [{"t": now_ms, "m": {"snr": 35.0}}]}
                ).encode()
                key = select(m.c.seq).where(m.c.boot_id == "lat", m.c.seq == seq)
                began = time.perf_counter()
                client.publish(topics.telemetry(device), payload, qos=1)
                while True:
                    with office.service.db.read() as conn:
                        if conn.execute(key).first() is not None:
                            break
                    time.sleep(0.0005)
                seconds.append(time.perf_counter() - began)
                time.sleep(0.25)  # within the device's rate (5 messages/s)
        finally:
            client.disconnect()
            client.loop_stop()
            office.stop()
    return seconds


SPEED = 30.0


def _verdict_times(broker: PrivateBroker) -> dict[str, float]:
    """Simulated seconds from insight to remote verdict, by verdict."""
    fixable, stubborn = "asset-001", "asset-002"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'office.sqlite'}"
        database = db.Database(url)
        database.create_schema()
        now = time.time()
        _seed(database, now)
        assets = []
        with database.write() as conn:
            conn.execute(db.assets.update().values(kind="elevator"))
        for n, device in enumerate((fixable, stubborn)):
            signals = elevator_signals(device, drifting=True, now=now, seed=n)
            store_history(database, signals, now, seed=n)
            assets.append(SimulatedAsset(device, "elevator", broker.devices[device], signals))
        database.dispose()
        os.environ["CONCIERGE_MQTT_URL"] = broker.url
        os.environ["CONCIERGE_MQTT_PASSWORD"] = broker.office_password
        office = start_embedded(url, demo=False, live=False, speed=SPEED)
        clock = office.service.clock
        simulator = Simulator(
            broker.host, broker.port, assets, state_dir=Path(tmp) / "devices",
            interval=15.0 / SPEED, clock=clock.now, works=lambda device, _c: device == fixable,
        ).start()
        d = remote_decisions
        try:
            time.sleep(20 * 15.0 / SPEED)  # twenty live readings before the engine runs
            office.service.engine.run(clock.now())
            deadline = time.monotonic() + 120
            while True:
                with office.service.db.read() as conn:
                    rows = conn.execute(
                        select(d.c.state, d.c.resolved_at - d.c.decided_at).where(
                            d.c.state.in_(("fixed", "not_fixed"))
                        )
                    ).all()
                if len(rows) == 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            simulator.stop()
            office.stop()
    return {state: float(seconds) for state, seconds in rows}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        broker = PrivateBroker(Path(tmp) / "mosquitto")
        broker.add_devices(DEVICES)
        broker.start()
        try:
            start_ms = int((time.time() - 5 * 86_400) * 1000)
            mqtt_rates, raw_rates, keyed_rates = [], [], []
            for _ in range(REPEATS):  # alternately, so all see the same machine load
                mqtt_rates.append(_mqtt_run(broker, start_ms))
                raw_rates.append(_raw_run(start_ms, series_keys=False))
                keyed_rates.append(_raw_run(start_ms, series_keys=True))
            latencies = sorted(_latency(broker))
            verdicts = _verdict_times(broker)
        finally:
            broker.stop()
    rate, raw = statistics.median(mqtt_rates), statistics.median(raw_rates)
    keyed = statistics.median(keyed_rates)
    total = len(DEVICES) * MESSAGES_PER_DEVICE * SAMPLES * len(METRICS)
    print(f"MQTT ingestion, {total:,} readings in {len(DEVICES) * MESSAGES_PER_DEVICE} messages, "
          f"median of {REPEATS}")
    print(f"  MQTT -> office (check, store, rollup):  {rate:12,.0f} readings/s")
    print(f"  raw executemany, same rows (baseline):  {raw:12,.0f} readings/s")
    print(f"  raw executemany, office's layout:       {keyed:12,.0f} readings/s "
          f"(ratio {rate / keyed:.2f})")
    targets.check("MQTT ingestion vs raw inserts", rate / raw, "x", at_least=0.5,
                  baseline=f"raw executemany {raw:,.0f} readings/s")
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"publish -> stored, {len(latencies)} single-sample messages:")
    targets.check("MQTT publish -> stored p50", p50, "ms", at_most=50.0)
    targets.check("MQTT publish -> stored p99", p99, "ms", at_most=250.0)
    print(f"insight -> remote verdict (simulated time, office clock at {SPEED:g}x):")
    targets.check("insight -> resolved remotely", verdicts.get("fixed", float("inf")), "s",
                  at_most=300.0)
    targets.check("insight -> no effect, technician sent", verdicts.get("not_fixed", float("inf")),
                  "s", at_most=720.0, baseline="the playbook's verification window is 600 s")
    return targets.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
