# SPDX-License-Identifier: Apache-2.0
"""MQTT ingestion: the office's one broker connection, telemetry into the telemetry store.

paho's network thread only queues a message; a consumer thread checks a batch, stores it
in one transaction (``series.store_columns``, the storage HTTP ingestion uses) and only
then acknowledges each message (paho ``manual_ack``).  A crash before the commit leaves
the messages unacknowledged in the persistent session: the broker delivers them again,
and the key (device_id, boot_id, seq) makes a redelivery a no-op.

Malformed messages and those over a device's rate are counted, logged and acknowledged
(dropped); they never hold up the others.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Connection, func, select, tuple_

from concierge.domain import METRIC_CATALOGUE, AssetKind
from concierge_office import db
from concierge_office.db import Database
from concierge_office.devices import topics
from concierge_office.devices.envelope import (
    Ack,
    Malformed,
    Telemetry,
    parse_ack,
    parse_state,
    parse_telemetry,
)
from concierge_office.devices.settings import BrokerSettings
from concierge_office.devices.tables import mqtt_messages, telemetry_gaps
from concierge_office.series import ReadingColumns, store_columns

log = logging.getLogger(__name__)

BATCH_MESSAGES = 500
GAP_GRACE_SECONDS = 2.0  # shared ingestion: a missing seq may still be on its way
_METRICS = {kind.value: frozenset(s.key for s in specs) for kind, specs in METRIC_CATALOGUE.items()}


@dataclass
class TokenBucket:
    """``rate`` messages per second with bursts up to ``burst``."""

    rate: float
    burst: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Activity:
    """A counter the devices link bumps on every change (connected, disconnected, a batch
    stored, a sweep): whoever waits for one (tests, status pages) blocks until it moves
    instead of polling."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.count = 0

    def bump(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        """Block until the counter differs from ``seen`` (or ``timeout``); the counter."""
        with self._changed:
            self._changed.wait_for(lambda: self.count != seen, timeout)
            return self.count


@dataclass
class Flood:
    """One device's telemetry over its rate: how much was dropped, since when."""

    dropped: int = 0  # since the office started
    since: float = 0.0  # the current flood began (after a quiet minute)
    last: float = 0.0  # the latest drop
    logged: float = 0.0


FLOODS_SHOWN = 50  # the status lists the devices that dropped the most
FLOOD_QUIET_SECONDS = 60.0  # no drop for this long: the device no longer floods


@dataclass
class BrokerStatus:
    connected: bool = False
    since: float | None = None
    connects: int = 0
    last_error: str = ""
    received: int = 0
    stored_messages: int = 0
    stored_readings: int = 0
    duplicates: int = 0
    rate_limited: int = 0
    gaps: int = 0
    malformed: Counter[str] = field(default_factory=Counter)
    floods: dict[str, Flood] = field(default_factory=dict)


class Ingestor:
    """One broker connection per office process: subscribes, ingests, publishes commands."""

    def __init__(
        self,
        database: Database,
        settings: BrokerSettings,
        *,
        now: Callable[[], float] = time.time,
        on_acks: Callable[[Connection, list[Ack]], None] | None = None,
        on_executed: Callable[[Connection, str, list[str]], None] | None = None,
    ) -> None:
        self.db = database
        self.settings = settings
        self.now = now
        self.on_acks = on_acks
        self.on_executed = on_executed
        self.status = BrokerStatus()
        self.activity = Activity()
        self._lock = threading.Lock()
        self._inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._buckets: dict[str, TokenBucket] = {}
        self._kinds: dict[str, str] = {}
        self._kinds_at = 0.0
        self._stop = threading.Event()
        self._consumer: threading.Thread | None = None
        self._last_seq: dict[tuple[str, str], int] = {}  # (device, boot): highest seq seen
        self._gap_candidates: list[tuple[str, str, int, float]] = []  # device, boot, seq, at
        self.client = self._client()
        self._connected_before = False

    # --- connection ---------------------------------------------------------------

    def _client(self) -> mqtt.Client:
        s = self.settings
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            clean_session=False,  # persistent session: QoS 1 messages wait while we are away
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        client.username_pw_set(s.username, s.password)
        if s.tls:
            context = ssl.create_default_context(cafile=s.cafile)
            client.tls_set_context(context)
        client.reconnect_delay_set(min_delay=1, max_delay=30)  # exponential backoff
        client.max_queued_messages_set(10_000)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Connect (again, after a ``stop``) and consume."""
        self._stop.clear()
        while not self._inbox.empty():  # from the last connection: their message ids are
            self._inbox.get_nowait()  # void now, and the broker delivers them again
        if self._connected_before:  # paho's threaded loop is not made to start twice
            self.client = self._client()
        self._connected_before = True
        self._consumer = threading.Thread(
            target=self._consume, name="concierge-mqtt-ingest", daemon=True
        )
        self._consumer.start()
        self.client.connect_async(self.settings.host, self.settings.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self._stop.set()
        if self._consumer is not None:
            self._consumer.join()
            self._consumer = None
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            with self._lock:
                self.status.last_error = f"broker refused the connection: {reason}"
            log.warning("MQTT broker refused the office's connection: %s", reason)
            return
        # Subscribe on every connect, whatever session_present says (mosquitto 2.0.11).
        group = self.settings.share_group
        client.subscribe([(t, topics.QOS) for t in topics.office_subscriptions(group)])
        if group is not None:  # plain filters of a session from before sharing: every
            client.unsubscribe(list(topics.OFFICE_SUBSCRIPTIONS))  # message would come twice
        with self._lock:
            self.status.connected = True
            self.status.since = time.time()
            self.status.connects += 1
        self.activity.bump()
        log.info(
            "MQTT: connected to %s:%s (session present: %s)",
            self.settings.host,
            self.settings.port,
            flags.session_present,
        )

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self._lock:
            was = self.status.connected
            self.status.connected = False
            self.status.since = time.time()
            if reason.is_failure:
                self.status.last_error = f"connection lost: {reason}"
        self.activity.bump()
        if was and not self._stop.is_set():
            log.warning("MQTT: disconnected from the broker (%s); reconnecting", reason)

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(message)  # acknowledged by the consumer once stored

    def publish(self, topic: str, payload: bytes, timeout: float = 5.0) -> bool:
        """Publish at QoS 1, never retained; True once the broker acknowledged it."""
        if not self.client.is_connected():
            return False
        info = self.client.publish(topic, payload, qos=topics.QOS, retain=False)
        try:
            info.wait_for_publish(timeout)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            s = self.status
            return {
                "connected": s.connected,
                "since": s.since,
                "connects": s.connects,
                "last_error": s.last_error,
                "broker": f"{self.settings.host}:{self.settings.port}",
                "tls": self.settings.tls,
                "received": s.received,
                "stored_messages": s.stored_messages,
                "stored_readings": s.stored_readings,
                "duplicates": s.duplicates,
                "rate_limited": s.rate_limited,
                "gaps": s.gaps,
                "malformed": dict(s.malformed),
                "flooding": self._floods(time.time()),
                "pending": self._inbox.qsize(),
            }

    def _floods(self, wall: float) -> list[dict[str, Any]]:
        """Devices whose telemetry was dropped for its rate (most dropped first)."""
        worst = sorted(self.status.floods.items(), key=lambda kv: (-kv[1].dropped, kv[0]))
        return [
            {
                "device_id": device_id,
                "dropped": flood.dropped,
                "since": flood.since,
                "last_dropped_at": flood.last,
                "flooding_now": wall - flood.last < FLOOD_QUIET_SECONDS,
            }
            for device_id, flood in worst[:FLOODS_SHOWN]
        ]

    # --- consuming ------------------------------------------------------------------

    def _consume(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            batch = [first]
            while len(batch) < BATCH_MESSAGES:
                try:
                    batch.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            self._ingest_until_stored(batch)
            for message in batch:
                self.client.ack(message.mid, message.qos)
            self.activity.bump()

    def _ingest_until_stored(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Store a batch, retrying with backoff (a database briefly away); if it still
        fails, message by message, so one message the database refuses is dropped alone."""
        for attempt in range(3):
            try:
                self.ingest(batch)
                return
            except Exception:
                log.exception("MQTT: storing %d messages failed (try %d)", len(batch), attempt + 1)
                with self._lock:
                    self.status.last_error = "storing telemetry failed; see the log"
                if self._stop.wait(0.5 * 2**attempt):
                    return
        for message in batch:
            try:
                self.ingest([message])
            except Exception:
                log.exception("MQTT: dropped a message on %s the database refused", message.topic)
                with self._lock:
                    self.status.malformed["store_failed"] += 1

    def ingest(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Check and store a batch of messages in one transaction."""
        now = self.now()
        wall = time.time()
        telemetry: list[Telemetry] = []
        acks: list[Ack] = []
        executed: list[tuple[str, list[str]]] = []
        for message in batch:
            parsed = parse_topic_or_none(message.topic)
            payload = bytes(message.payload)
            if parsed is None:
                self._drop(message.topic, "unknown_topic", "not a device topic")
                continue
            try:
                if parsed.kind == "telemetry":
                    if not self._bucket(parsed.device_id).take(wall):
                        self._flooding(parsed.device_id, wall)
                        continue
                    kind = self._kind(parsed.device_id)
                    if kind is None:
                        raise Malformed("unknown_device", "no asset with this id")
                    telemetry.append(
                        parse_telemetry(parsed.device_id, payload, metrics=_METRICS[kind], now=now)
                    )
                elif parsed.kind == "ack":
                    assert parsed.command_id is not None
                    acks.append(parse_ack(parsed.device_id, parsed.command_id, payload))
                elif parsed.kind == "state":
                    _state, ids = parse_state(payload)
                    executed.append((parsed.device_id, ids))
            except Malformed as bad:
                self._drop(message.topic, bad.reason, str(bad))
        with self.db.write() as conn:
            self._store(conn, telemetry)
            if acks and self.on_acks is not None:
                self.on_acks(conn, acks)
            if self.on_executed is not None:
                for device_id, ids in executed:
                    if ids:
                        self.on_executed(conn, device_id, ids)
        with self._lock:
            self.status.received += len(batch)  # handled: stored, duplicate or dropped

    def _store(self, conn: Connection, messages: list[Telemetry]) -> None:
        if not messages:
            return
        m = mqtt_messages
        unique = {(t.device_id, t.boot_id, t.seq): t for t in messages}  # repeats within a batch
        received = time.time()
        # The keys this transaction inserted: a message another office (or a redelivery)
        # stored first is a no-op here, also when both try at once (ON CONFLICT DO NOTHING).
        inserted = conn.execute(
            self.db.insert_ignore(m).returning(m.c.device_id, m.c.boot_id, m.c.seq),
            [
                {
                    "device_id": t.device_id,
                    "boot_id": t.boot_id,
                    "seq": t.seq,
                    "samples": len(t.readings),
                    "received_at": received,
                }
                for t in unique.values()
            ],
        )
        stored = {tuple(row) for row in inserted}
        new = [t for key, t in unique.items() if key in stored]
        if new:
            asset_ids = [t.device_id for t in new for _ in t.readings]
            metrics = [metric for t in new for metric, _, _ in t.readings]
            ts = np.array([r[1] for t in new for r in t.readings], np.float64)
            values = np.array([r[2] for t in new for r in t.readings], np.float64)
            store_columns(self.db, conn, ReadingColumns(asset_ids, metrics, ts, values))
            if self.settings.share_group is None:
                self._record_gaps(conn, new, received)
            else:  # sharing: this office sees only some seqs; decided by scan_gaps
                self._note_gap_candidates(conn, new)
        with self._lock:
            self.status.duplicates += len(messages) - len(new)
            self.status.stored_messages += len(new)
            self.status.stored_readings += sum(len(t.readings) for t in new)

    def _note_gap_candidates(self, conn: Connection, messages: list[Telemetry]) -> None:
        """Shared ingestion: a message whose predecessor is not stored yet may follow a gap,
        or its predecessor is with another office right now; ``scan_gaps`` decides later."""
        m = mqtt_messages
        wanted = [(t.device_id, t.boot_id, t.seq - 1) for t in messages if t.seq > 0]
        present: set[tuple[str, str, int]] = set()
        for start in range(0, len(wanted), 300):
            chunk = wanted[start : start + 300]
            present.update(
                (r.device_id, r.boot_id, r.seq)
                for r in conn.execute(
                    select(m.c.device_id, m.c.boot_id, m.c.seq).where(
                        tuple_(m.c.device_id, m.c.boot_id, m.c.seq).in_(chunk)
                    )
                )
            )
        wall = time.time()
        with self._lock:
            self._gap_candidates += [
                (d, b, seq + 1, wall) for d, b, seq in wanted if (d, b, seq) not in present
            ]

    def scan_gaps(self) -> int:
        """Shared ingestion (each office sees only some of a device's seqs): a candidate
        whose predecessor is still missing after a grace time follows a gap, recorded from
        the nearest stored seq before it; the key (device, boot, after_seq) makes two
        offices record each gap once.  The gaps recorded now."""
        m, g = mqtt_messages, telemetry_gaps
        settled = time.time() - GAP_GRACE_SECONDS
        with self._lock:
            due = [c for c in self._gap_candidates if c[3] <= settled]
            self._gap_candidates = [c for c in self._gap_candidates if c[3] > settled]
        if not due:
            return 0
        recorded = 0
        with self.db.write() as conn:
            for device_id, boot_id, seq, _at in due:
                key = (m.c.device_id == device_id, m.c.boot_id == boot_id)
                previous = conn.execute(select(func.max(m.c.seq)).where(*key, m.c.seq < seq))
                after = previous.scalar()
                if after is None or after == seq - 1:  # the boot's first seen, or arrived
                    continue
                recorded += len(
                    conn.execute(
                        self.db.insert_ignore(g)
                        .values(
                            device_id=device_id,
                            boot_id=boot_id,
                            after_seq=after,
                            missing=seq - after - 1,
                            detected_at=time.time(),
                        )
                        .returning(g.c.after_seq)
                    ).all()
                )
        with self._lock:
            self.status.gaps += recorded
        return recorded

    def _record_gaps(self, conn: Connection, messages: list[Telemetry], now: float) -> None:
        """A jump in seq within a boot records a gap row (a late message is just stored)."""
        gaps = []
        for t in sorted(messages, key=lambda m: (m.device_id, m.boot_id, m.seq)):
            key = (t.device_id, t.boot_id)
            last = self._last_seq.get(key)
            if last is not None and t.seq > last + 1:
                gaps.append(
                    {
                        "device_id": t.device_id,
                        "boot_id": t.boot_id,
                        "after_seq": last,
                        "missing": t.seq - last - 1,
                        "detected_at": now,
                    }
                )
            if last is None or t.seq > last:
                self._last_seq[key] = t.seq
        if gaps:
            conn.execute(self.db.insert_ignore(telemetry_gaps), gaps)
            with self._lock:
                self.status.gaps += len(gaps)

    # --- checks -----------------------------------------------------------------------

    def _drop(self, topic: str, reason: str, message: str) -> None:
        with self._lock:
            self.status.malformed[reason] += 1
        log.warning("MQTT: dropped a message on %s (%s): %s", topic, reason, message[:200])

    def _bucket(self, device_id: str) -> TokenBucket:
        bucket = self._buckets.get(device_id)
        if bucket is None:
            bucket = TokenBucket(self.settings.rate_per_second, self.settings.rate_burst)
            self._buckets[device_id] = bucket
        return bucket

    def _flooding(self, device_id: str, wall: float) -> None:
        """Count a dropped message; log when a device starts flooding, then once a minute
        while it goes on, with how many were dropped."""
        with self._lock:
            self.status.rate_limited += 1
            flood = self.status.floods.setdefault(device_id, Flood())
            if wall - flood.last >= FLOOD_QUIET_SECONDS:
                flood.since = wall  # a new flood
            flood.dropped += 1
            flood.last = wall
            due = wall - flood.logged >= FLOOD_QUIET_SECONDS
            if due:
                flood.logged = wall
            dropped, since = flood.dropped, flood.since
        if due:
            log.warning(
                "MQTT: device %s floods; its telemetry over %g messages/s (bursts of %g) is "
                "dropped: %d so far, this flood since %s UTC",
                device_id,
                self.settings.rate_per_second,
                self.settings.rate_burst,
                dropped,
                time.strftime("%H:%M:%S", time.gmtime(since)),
            )

    def _kind(self, device_id: str) -> str | None:
        kind = self._kinds.get(device_id)
        if kind is None and time.monotonic() - self._kinds_at > 1.0:  # a new asset appears
            with self.db.read() as conn:
                self._kinds = {
                    i: k for i, k in conn.execute(select(db.assets.c.id, db.assets.c.kind))
                }
            self._kinds_at = time.monotonic()
            kind = self._kinds.get(device_id)
        return kind if kind in {k.value for k in AssetKind} else None


def parse_topic_or_none(topic: str) -> topics.Topic | None:
    parsed = topics.parse(topic)
    if parsed is None or parsed.kind == "cmd":
        return None
    return parsed
