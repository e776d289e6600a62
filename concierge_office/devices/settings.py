# SPDX-License-Identifier: Apache-2.0
"""How the office reaches its broker: ``CONCIERGE_MQTT_*`` environment variables.

``CONCIERGE_MQTT_URL`` (``mqtt://127.0.0.1:1883``, or ``mqtts://host:8883``) switches the
devices link on.  A broker that is not on loopback is reached over TLS only (verified
against the system's CAs or ``CONCIERGE_MQTT_CAFILE``).  The office's password comes
from ``CONCIERGE_MQTT_PASSWORD``; it is never logged.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from concierge_office.devices.topics import OFFICE_ACCOUNT, SHARE_GROUP


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    password: str = field(repr=False)
    username: str = OFFICE_ACCOUNT
    client_id: str = OFFICE_ACCOUNT
    tls: bool = False
    cafile: str | None = None
    rate_per_second: float = 5.0  # per device; excess telemetry is dropped
    rate_burst: float = 50.0
    playbooks: Path | None = None  # another catalogue than the packaged one
    approval_timeout_seconds: float = 2 * 3600.0  # then the insight goes to a visit
    share_group: str | None = None  # several ingesting offices: $share/<group>/... each

    @staticmethod
    def from_url(url: str, password: str, **options: object) -> BrokerSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise SettingsError(f"broker URL must be mqtt://host:port or mqtts://host:port: {url}")
        tls = parts.scheme == "mqtts"
        if not tls and not is_loopback(parts.hostname):
            raise SettingsError(
                f"the broker {parts.hostname} is not on this machine: use mqtts:// (TLS)"
            )
        port = parts.port or (8883 if tls else 1883)
        return BrokerSettings(
            host=parts.hostname,
            port=port,
            password=password,
            tls=tls,
            **options,  # type: ignore[arg-type]
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def from_environment(env: Mapping[str, str] = os.environ) -> BrokerSettings | None:
    url = env.get("CONCIERGE_MQTT_URL")
    if not url:
        return None
    password = env.get("CONCIERGE_MQTT_PASSWORD")
    if not password:
        raise SettingsError("CONCIERGE_MQTT_PASSWORD is not set (the office's broker password)")
    options: dict[str, object] = {}
    if env.get("CONCIERGE_MQTT_CAFILE"):
        options["cafile"] = env["CONCIERGE_MQTT_CAFILE"]
    if env.get("CONCIERGE_MQTT_USERNAME"):
        options["username"] = options["client_id"] = env["CONCIERGE_MQTT_USERNAME"]
    if env.get("CONCIERGE_MQTT_APPROVAL_TIMEOUT"):
        options["approval_timeout_seconds"] = _seconds(env["CONCIERGE_MQTT_APPROVAL_TIMEOUT"])
    if env.get("CONCIERGE_MQTT_SHARE_GROUP"):
        group = env["CONCIERGE_MQTT_SHARE_GROUP"]
        if not SHARE_GROUP.match(group):
            raise SettingsError(
                f"CONCIERGE_MQTT_SHARE_GROUP must be letters, digits, '-' or '_': {group!r}"
            )
        options["share_group"] = group
    if env.get("CONCIERGE_MQTT_PLAYBOOKS"):
        options["playbooks"] = Path(env["CONCIERGE_MQTT_PLAYBOOKS"])
    return BrokerSettings.from_url(url, password, **options)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise SettingsError(
            f"CONCIERGE_MQTT_APPROVAL_TIMEOUT must be a positive number of seconds: {text!r}"
        )
    return value
