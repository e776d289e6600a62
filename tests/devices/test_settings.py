"""The office's broker settings: TLS whenever the broker is not on this machine."""

from __future__ import annotations

import pytest

from concierge_office.devices.settings import SettingsError, from_environment


def test_a_broker_off_loopback_needs_tls() -> None:
    with pytest.raises(SettingsError, match="mqtts://"):
        from_environment(
            {"CONCIERGE_MQTT_URL": "mqtt://broker.example", "CONCIERGE_MQTT_PASSWORD": "x"}
        )
    remote = from_environment(
        {"CONCIERGE_MQTT_URL": "mqtts://broker.example", "CONCIERGE_MQTT_PASSWORD": "x"}
    )
    assert remote is not None and remote.tls and remote.port == 8883
    local = from_environment(
        {"CONCIERGE_MQTT_URL": "mqtt://127.0.0.1:1884", "CONCIERGE_MQTT_PASSWORD": "x"}
    )
    assert local is not None and not local.tls and local.port == 1884


def test_the_password_is_required_and_never_shown() -> None:
    with pytest.raises(SettingsError, match="CONCIERGE_MQTT_PASSWORD"):
        from_environment({"CONCIERGE_MQTT_URL": "mqtt://127.0.0.1"})
    settings = from_environment(
        {"CONCIERGE_MQTT_URL": "mqtt://127.0.0.1", "CONCIERGE_MQTT_PASSWORD": "s3cret-value"}
    )
    assert "s3cret-value" not in repr(settings)
    assert from_environment({}) is None
