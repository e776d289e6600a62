# SPDX-License-Identifier: Apache-2.0
"""The topic tree (docs/devices.md): one subtree per device, so one ACL pattern line pins it.

```
fc/v1/dev/{device_id}/telemetry          device -> office  QoS 1
fc/v1/dev/{device_id}/state              device -> office  QoS 1, retained
fc/v1/dev/{device_id}/cmd/{command_id}   office -> device  QoS 1, never retained
fc/v1/dev/{device_id}/ack/{command_id}   device -> office  QoS 1
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "fc/v1/dev"
OFFICE_ACCOUNT = "fc-office"
QOS = 1
# Lowercase letters, digits and dashes (the Homie rule): never "+", "#" or "/".
DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
COMMAND_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

OFFICE_SUBSCRIPTIONS = (
    f"{PREFIX}/+/telemetry",
    f"{PREFIX}/+/state",
    f"{PREFIX}/+/ack/+",
)
SHARE_GROUP = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def office_subscriptions(share_group: str | None = None) -> tuple[str, ...]:
    """The office's topic filters; with a share group, MQTT shared subscriptions
    (``$share/<group>/...``): the broker hands each message to one office of the group."""
    if share_group is None:
        return OFFICE_SUBSCRIPTIONS
    return tuple(f"$share/{share_group}/{t}" for t in OFFICE_SUBSCRIPTIONS)


def check_device_id(device_id: str) -> str:
    if not DEVICE_ID.match(device_id):
        raise ValueError(f"device id {device_id!r} must be lowercase letters, digits and dashes")
    return device_id


def telemetry(device_id: str) -> str:
    return f"{PREFIX}/{device_id}/telemetry"


def state(device_id: str) -> str:
    return f"{PREFIX}/{device_id}/state"


def command(device_id: str, command_id: str) -> str:
    return f"{PREFIX}/{device_id}/cmd/{command_id}"


def ack(device_id: str, command_id: str) -> str:
    return f"{PREFIX}/{device_id}/ack/{command_id}"


@dataclass(frozen=True)
class Topic:
    device_id: str
    kind: str  # telemetry | state | cmd | ack
    command_id: str | None = None


def parse(topic: str) -> Topic | None:
    """The parts of one of our topics, or None for anything else."""
    parts = topic.split("/")
    if len(parts) < 5 or "/".join(parts[:3]) != PREFIX or not DEVICE_ID.match(parts[3]):
        return None
    device_id, rest = parts[3], parts[4:]
    if rest in (["telemetry"], ["state"]):
        return Topic(device_id, rest[0])
    if len(rest) == 2 and rest[0] in ("cmd", "ack") and COMMAND_ID.match(rest[1]):
        return Topic(device_id, rest[0], rest[1])
    return None
