# SPDX-License-Identifier: Apache-2.0
"""A device simulator: many simulated assets that speak MQTT like real ones.

Each asset logs in with its own credentials (client id = device id), publishes its
``state`` (retained, with a last will of ``lost``) and its telemetry, and runs the
commands it receives.  Values follow the demo fleet's signals (``demo_fleet.Signal``:
level, daily and weekly cycles, noise, drift, shift); a command that works on an asset
removes the fault it addresses and moves the metric the right way: a recalibrated door
operator closes faster, a re-ranged modem gains SNR, a fixed heating curve raises the
COP.  Which commands work on which assets is seeded and deterministic (``works``).

An asset keeps the ids of the commands it executed in a file (its last 64), and
acknowledges a repeat without running it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from concierge_office.demo_fleet import DAY, Signal, _values
from concierge_office.devices import topics

log = logging.getLogger(__name__)

REMEMBERED_COMMANDS = 64
FIX_SECONDS = 20.0  # a fix takes effect over about this long (time constant), by default


@dataclass(frozen=True)
class Remedy:
    """What a command does to a metric when it works: the fault goes, plus ``gain``
    (in the metric's good direction, i.e. signed)."""

    metric: str
    gain: float


REMEDIES: dict[str, tuple[Remedy, ...]] = {
    "door_operator.recalibrate": (Remedy("door_cycle_time", -0.4),),
    "docsis.rerange": (Remedy("snr", +2.0),),
    "docsis.channel_change": (Remedy("latency", -6.0), Remedy("uncorrectable_codewords", -6.0)),
    "heating_curve.adjust": (Remedy("cop", +0.3),),
    "defrost.schedule": (Remedy("defrost_cycles", -1.5),),
}


def works(seed: int, device_id: str, command: str) -> bool:
    """Whether a command fixes this asset (about two in three), seeded and deterministic."""
    digest = hashlib.sha256(f"{seed}:{device_id}:{command}".encode()).digest()
    return digest[0] % 3 != 1


@dataclass
class _Fix:
    at: float
    remedy: Remedy
    seconds: float = FIX_SECONDS


@dataclass
class SimulatedAsset:
    device_id: str
    kind: str
    password: str = field(repr=False)
    signals: list[Signal]
    fixes: list[_Fix] = field(default_factory=list)

    def reading(self, t: float, rng: np.random.Generator) -> dict[str, float]:
        values = _values(self.signals, np.array([t]), rng)[:, 0]
        out = {s.metric: float(v) for s, v in zip(self.signals, values, strict=True)}
        by_metric = {s.metric: s for s in self.signals}
        for fix in self.fixes:
            signal = by_metric.get(fix.remedy.metric)
            if signal is None or t < fix.at:
                continue
            weight = 1.0 - math.exp(-(t - fix.at) / fix.seconds)
            fault = signal.slope * max(0.0, t - signal.drift_from) / DAY
            fault += signal.shift if t >= signal.shift_at else 0.0
            value = out[signal.metric] - weight * (fault - fix.remedy.gain)
            low = -math.inf if signal.low is None else signal.low
            high = math.inf if signal.high is None else signal.high
            out[signal.metric] = min(max(value, low), high)
        return out


class _Device:
    """One asset's MQTT connection and its durable list of executed commands."""

    def __init__(self, sim: Simulator, asset: SimulatedAsset) -> None:
        self.sim = sim
        self.asset = asset
        self.boot_id = uuid.uuid4().hex[:12]
        self.seq = 0
        self.journal = sim.state_dir / f"{asset.device_id}.json"
        self.executed: dict[str, float] = self._load()
        self.last_retry = 0.0
        self.retry_after = 1.0
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=asset.device_id,
            clean_session=False,  # commands wait for it while it is away
        )
        client.username_pw_set(asset.device_id, asset.password)
        client.will_set(
            topics.state(asset.device_id), json.dumps({"state": "lost"}), qos=1, retain=True
        )
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self.client = client
        self.listening = False  # subscribed to its commands

    def _load(self) -> dict[str, float]:
        try:
            return dict(json.loads(self.journal.read_text()))
        except (OSError, ValueError):
            return {}

    def _remember(self, command_id: str, done_at: float) -> None:
        self.executed[command_id] = done_at
        while len(self.executed) > REMEMBERED_COMMANDS:
            self.executed.pop(next(iter(self.executed)))
        tmp = self.journal.with_suffix(".tmp")
        with tmp.open("w") as f:
            json.dump(list(self.executed.items()), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.journal)

    def connect(self) -> None:
        self.last_retry = time.monotonic()
        try:
            self.client.connect(self.sim.host, self.sim.port, keepalive=30)
        except OSError as exc:
            log.debug("simulator: %s cannot connect: %s", self.asset.device_id, exc)

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("simulator: broker refused %s: %s", self.asset.device_id, reason)
            return
        self.retry_after = 1.0
        client.subscribe(f"{topics.PREFIX}/{self.asset.device_id}/cmd/+", qos=1)
        state = {
            "state": "ready",
            "kind": self.asset.kind,
            "firmware": "sim-1.0",
            "executed": list(self.executed),
        }
        client.publish(topics.state(self.asset.device_id), json.dumps(state), qos=1, retain=True)

    def _on_subscribe(self, *_args: Any) -> None:
        self.listening = True
        if self.sim.listening():
            self.sim.ready.set()

    def _on_message(self, client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        parsed = topics.parse(message.topic)
        if parsed is None or parsed.command_id is None:
            return
        command_id = parsed.command_id
        if command_id in self.executed:  # a repeat: acknowledge, do not run again
            self._ack(command_id, "done", self.executed[command_id], "already done")
            return
        try:
            body = json.loads(message.payload)
            command = str(body["command"])
            expires_at = float(body.get("expires_at", math.inf)) / 1000.0
        except (ValueError, KeyError, TypeError):
            self._ack(command_id, "rejected", self.sim.clock(), "unreadable command")
            return
        now = self.sim.clock()
        if command not in REMEDIES:
            self._ack(command_id, "rejected", now, f"unknown command {command}")
            return
        if time.time() > expires_at:
            self._ack(command_id, "rejected", now, "expired")
            return
        self._ack(command_id, "accepted", now, "")
        if self.sim.works(self.asset.device_id, command):
            self.asset.fixes += [
                _Fix(now, remedy, self.sim.fix_seconds) for remedy in REMEDIES[command]
            ]
        self.sim.executions.append((self.asset.device_id, command_id))
        self._remember(command_id, now)
        self._ack(command_id, "done", now, "")

    def _ack(self, command_id: str, status: str, t: float, detail: str) -> None:
        payload: dict[str, object] = {"command_id": command_id, "status": status}
        payload |= {"t": int(t * 1000), "detail": detail}
        self.client.publish(
            topics.ack(self.asset.device_id, command_id), json.dumps(payload), qos=1
        )

    def publish_telemetry(self, t: float, rng: np.random.Generator) -> None:
        envelope = {
            "v": 1,
            "device_id": self.asset.device_id,
            "boot_id": self.boot_id,
            "seq": self.seq,
            "sent_at": int(time.time() * 1000),
            "samples": [{"t": int(t * 1000), "m": self.asset.reading(t, rng)}],
        }
        self.seq += 1
        self.client.publish(topics.telemetry(self.asset.device_id), json.dumps(envelope), qos=1)

    def pump(self) -> None:
        """Network work without blocking; reconnect with backoff when the link is down."""
        if self.client.is_connected() or self.client.socket() is not None:
            self.client.loop(timeout=0.0)
            return
        if time.monotonic() - self.last_retry >= self.retry_after:
            self.retry_after = min(self.retry_after * 2, 30.0)
            self.connect()


class Simulator:
    """Runs its assets on one thread: network, telemetry every ``interval`` of wall time."""

    def __init__(
        self,
        host: str,
        port: int,
        assets: Iterable[SimulatedAsset],
        *,
        state_dir: Path,
        seed: int = 7,
        interval: float = 60.0,
        clock: Callable[[], float] = time.time,
        works: Callable[[str, str], bool] | None = None,
        fix_seconds: float = FIX_SECONDS,
    ) -> None:
        self.host, self.port = host, port
        self.fix_seconds = fix_seconds
        self.seed = seed
        self.interval = interval
        self.clock = clock
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self.works = works or (lambda device_id, command: _works(seed, device_id, command))
        self.executions: list[tuple[str, str]] = []  # (device, command id) actually run
        self.devices = [_Device(self, asset) for asset in assets]
        self._stop = threading.Event()
        self.ready = threading.Event()  # every asset listens for its commands
        self._thread: threading.Thread | None = None
        self._rng = np.random.default_rng(seed)

    def start(self) -> Simulator:
        for device in self.devices:
            device.connect()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="concierge-simulator", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            for device in self.devices:
                device.pump()
            if time.monotonic() >= next_at:
                next_at += self.interval
                t = self.clock()
                for device in self.devices:
                    if device.client.is_connected():
                        device.publish_telemetry(t, self._rng)
            self._stop.wait(0.01)

    def listening(self) -> bool:
        """Whether every asset is connected and subscribed to its commands."""
        return all(d.listening and d.client.is_connected() for d in self.devices)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for device in self.devices:
            device.client.disconnect()
            device.client.loop(timeout=0.0)


_works = works
