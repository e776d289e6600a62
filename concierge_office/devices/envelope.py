# SPDX-License-Identifier: Apache-2.0
"""Device payloads: the telemetry envelope, command acks and state, decoded and checked.

Every check names its reason, which the ingestor counts (``Malformed.reason``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import msgspec

from concierge_office.series import EARLIEST

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_SAMPLES = 500
FUTURE_TOLERANCE_SECONDS = 86_400.0  # as HTTP ingestion: at most a day ahead
BOOT_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MAX_SEQ = 2**53


class Malformed(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _Sample(msgspec.Struct, forbid_unknown_fields=True):
    t: int
    m: dict[str, float]


class _Envelope(msgspec.Struct, forbid_unknown_fields=True):
    v: int
    device_id: str
    boot_id: str
    seq: int
    sent_at: int
    samples: list[_Sample]


class _Ack(msgspec.Struct, forbid_unknown_fields=True):
    command_id: str
    status: Literal["accepted", "rejected", "done", "failed"]
    t: int
    detail: str = ""


class _State(msgspec.Struct):  # devices may add fields (firmware, capabilities, ...)
    state: str
    executed: list[str] = []


_decode_envelope = msgspec.json.Decoder(_Envelope).decode
_decode_ack = msgspec.json.Decoder(_Ack).decode
_decode_state = msgspec.json.Decoder(_State).decode


@dataclass(frozen=True)
class Telemetry:
    device_id: str
    boot_id: str
    seq: int
    readings: list[tuple[str, float, float]]  # metric, ts (epoch seconds), value


@dataclass(frozen=True)
class Ack:
    device_id: str
    command_id: str
    status: str
    t: float  # epoch seconds, the device's clock
    detail: str


def parse_telemetry(
    device_id: str, payload: bytes, *, metrics: frozenset[str], now: float
) -> Telemetry:
    """The message's readings; ``metrics``: those the device's asset kind has."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Malformed("oversized", f"{len(payload)} bytes, more than {MAX_PAYLOAD_BYTES}")
    try:
        env = _decode_envelope(payload)  # refuses NaN and inf, which JSON does not have
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        reason = (
            "bad_json"
            if isinstance(exc, msgspec.DecodeError) and _not_json(payload)
            else ("wrong_types")
        )
        raise Malformed(reason, str(exc)) from None
    if env.v != 1:
        raise Malformed("unknown_version", f"envelope version {env.v} (this office reads 1)")
    if env.device_id != device_id:
        raise Malformed("device_mismatch", f"device_id {env.device_id!r} on {device_id!r}'s topic")
    if not BOOT_ID.match(env.boot_id) or not 0 <= env.seq < MAX_SEQ:
        raise Malformed("wrong_types", "boot_id or seq out of range")
    if not 1 <= len(env.samples) <= MAX_SAMPLES:
        raise Malformed("wrong_types", f"1 to {MAX_SAMPLES} samples per message")
    readings: list[tuple[str, float, float]] = []
    for sample in env.samples:
        ts = sample.t / 1000.0
        if ts < EARLIEST:
            raise Malformed("ancient_timestamp", f"sample time {sample.t} ms is before 2000")
        if ts > now + FUTURE_TOLERANCE_SECONDS:
            raise Malformed("future_timestamp", f"sample time {sample.t} ms is over a day ahead")
        for metric, value in sample.m.items():
            if metric not in metrics:
                raise Malformed("unknown_metric", f"no metric {metric!r} for this device")
            if not math.isfinite(value):
                raise Malformed("not_finite", f"{metric} is not a finite number")
            readings.append((metric, ts, float(value)))
    return Telemetry(device_id, env.boot_id, env.seq, readings)


def _not_json(payload: bytes) -> bool:
    try:
        msgspec.json.decode(payload)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return True
    return False


def parse_ack(device_id: str, command_id: str, payload: bytes) -> Ack:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Malformed("oversized", f"{len(payload)} bytes")
    try:
        ack = _decode_ack(payload)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise Malformed("bad_ack", str(exc)) from None
    if ack.command_id != command_id:
        raise Malformed("bad_ack", "command_id differs from the topic's")
    return Ack(device_id, command_id, ack.status, ack.t / 1000.0, ack.detail[:500])


def parse_state(payload: bytes) -> tuple[str, list[str]]:
    """(state, command ids the device executed recently); empty payload: retained cleared."""
    if not payload:
        return "cleared", []
    try:
        state = _decode_state(payload)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise Malformed("bad_state", str(exc)) from None
    return state.state[:32], [c for c in state.executed[-64:] if isinstance(c, str)]
