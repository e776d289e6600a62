"""MQTT telemetry ingestion on a real mosquitto: stored, idempotent, bad input dropped."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from concierge_office import db
from concierge_office.devices import tables, topics
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.server import EmbeddedBackOffice
from tests.devices.mqtt_helpers import Peer, wait_until
from tests.office.conftest import Api


def envelope(device_id: str, seq: int, samples: list[dict[str, Any]], boot: str = "b1") -> bytes:
    return json.dumps(
        {
            "v": 1,
            "device_id": device_id,
            "boot_id": boot,
            "seq": seq,
            "sent_at": int(time.time() * 1000),
            "samples": samples,
        }
    ).encode()


def now_ms(offset: float = 0.0) -> int:
    return int((time.time() + offset) * 1000)


def stored(office: EmbeddedBackOffice, asset_id: str, metric: str | None = None) -> int:
    t, s = db.telemetry, db.series
    stmt = select(func.count()).select_from(t.join(s, s.c.id == t.c.series_id))
    stmt = stmt.where(s.c.asset_id == asset_id)
    if metric is not None:
        stmt = stmt.where(s.c.metric == metric)
    with office.service.db.read() as conn:
        return int(conn.execute(stmt).scalar_one())


def status(office: EmbeddedBackOffice) -> dict[str, Any]:
    return dict(office.service.devices.status())


def test_telemetry_lands_in_the_telemetry_store_once_despite_redelivery(
    office: EmbeddedBackOffice, office_env: PrivateBroker, admin: Api
) -> None:
    device = Peer(office_env, "asset-001")
    try:
        first = envelope("asset-001", 0, [{"t": now_ms(-2), "m": {"door_cycle_time": 3.4}}])
        second = envelope(
            "asset-001",
            1,
            [{"t": now_ms(-1), "m": {"door_cycle_time": 3.5, "motor_temp": 41.0}}],
        )
        device.publish(topics.telemetry("asset-001"), first)
        wait_until(
            lambda: stored(office, "asset-001") == 1, office=office, what="the first message stored"
        )
        for payload in (first, second, first):  # QoS 1 redeliveries of seq 0, later batches
            device.publish(topics.telemetry("asset-001"), payload)
        wait_until(
            lambda: status(office)["duplicates"] == 2 and stored(office, "asset-001") == 3,
            office=office,
            what="two redeliveries ignored, three readings stored",
        )
        # What MQTT stored, HTTP serves back.
        series = admin.ok("GET", "/v1/telemetry/asset-001", params={"metric": "door_cycle_time"})
        assert series["mean"] == [3.4, 3.5]
    finally:
        device.close()


def test_malformed_messages_are_counted_and_dropped_and_never_stop_the_others(
    office: EmbeddedBackOffice, office_env: PrivateBroker, admin: Api
) -> None:
    device = Peer(office_env, "asset-002")
    good = {"t": now_ms(), "m": {"snr": 36.0}}
    bad = {
        "bad_json": b"{not json",
        "wrong_types": envelope("asset-002", 1, [{"t": now_ms(), "m": {"snr": "36"}}]),
        "not_finite": envelope("asset-002", 2, []).replace(b"[]", b'[{"t": 1, "m": {"snr": NaN}}]'),
        "future_timestamp": envelope("asset-002", 3, [{"t": now_ms(3 * 86_400), "m": {"snr": 1}}]),
        "ancient_timestamp": envelope("asset-002", 4, [{"t": 5_000, "m": {"snr": 36.0}}]),
        "oversized": envelope("asset-002", 5, [good] * 2000),
        "unknown_metric": envelope("asset-002", 6, [{"t": now_ms(), "m": {"door_cycle_time": 1}}]),
        "device_mismatch": envelope("asset-001", 7, [good]),
    }
    try:
        for payload in bad.values():
            device.publish(topics.telemetry("asset-002"), payload)
        device.publish(topics.telemetry("asset-002"), envelope("asset-002", 8, [good]))
        # The good message, published last, is stored once every bad one was handled.
        wait_until(
            lambda: stored(office, "asset-002") == 1, office=office, what="the good message stored"
        )
        broker = admin.ok("GET", "/v1/admin/devices/broker")
        assert broker["connected"] is True
        counted = dict(broker["malformed"])
        # NaN is not JSON: the decoder names it as such
        assert counted.pop("bad_json") == 2
        bad.pop("bad_json")
        bad.pop("not_finite")
        assert counted == {reason: 1 for reason in bad}
        assert broker["stored_messages"] == 1
    finally:
        device.close()


def test_a_flooding_device_is_rate_limited_while_others_get_through(
    office: EmbeddedBackOffice,
    office_env: PrivateBroker,
    admin: Api,
    caplog: pytest.LogCaptureFixture,
) -> None:
    flood, quiet = Peer(office_env, "asset-003"), Peer(office_env, "asset-004")
    try:
        for seq in range(300):
            payload = envelope("asset-003", seq, [{"t": now_ms() + seq, "m": {"cop": 3.5}}])
            flood.client.publish(topics.telemetry("asset-003"), payload, qos=1)
        quiet.publish(
            topics.telemetry("asset-004"),
            envelope("asset-004", 0, [{"t": now_ms(), "m": {"vibration": 1.0}}]),
        )
        wait_until(
            lambda: stored(office, "asset-003") + status(office)["rate_limited"] == 300,
            office=office,
            what="the flood handled",
        )
        wait_until(
            lambda: stored(office, "asset-004") == 1,
            office=office,
            what="the quiet device's reading",
        )
        reported = admin.ok("GET", "/v1/admin/devices/broker")
        assert reported["rate_limited"] >= 200
        # The operator sees which device floods, how much was dropped and since when.
        (flooding,) = reported["flooding"]
        assert flooding["device_id"] == "asset-003"
        assert flooding["dropped"] == reported["rate_limited"]
        assert flooding["flooding_now"] is True
        assert flooding["since"] <= flooding["last_dropped_at"]
        lines = [r.getMessage() for r in caplog.records if "floods" in r.getMessage()]
        assert len(lines) == 1, lines  # one line per device and minute, not one per message
        assert lines[0].startswith("MQTT: device asset-003 floods; its telemetry over 5 ")
    finally:
        flood.close()
        quiet.close()


def test_a_jump_in_seq_records_a_gap_and_stores_the_rest(
    office: EmbeddedBackOffice, office_env: PrivateBroker
) -> None:
    device = Peer(office_env, "asset-005")
    base = now_ms() - 60_000
    try:
        for n, seq in enumerate((0, 1, 5, 3)):  # 2-4 missing when 5 comes; 3 comes late
            device.publish(
                topics.telemetry("asset-005"),
                envelope("asset-005", seq, [{"t": base + seq * 1000, "m": {"snr": 35.0}}], "b7"),
            )
            wait_until(
                lambda n=n: stored(office, "asset-005") == n + 1,
                office=office,
                what="stored in turn",
            )
        gaps = tables.telemetry_gaps
        with office.service.db.read() as conn:
            rows = conn.execute(select(gaps.c.after_seq, gaps.c.missing)).all()
        assert [tuple(r) for r in rows] == [(1, 3)]
        assert status(office)["gaps"] == 1
    finally:
        device.close()
