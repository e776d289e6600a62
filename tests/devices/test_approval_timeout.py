"""A dispatcher approval that never comes does not hold an insight back forever: after the
configured timeout the visit is planned and carries the attempt as "approval timed out"."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from concierge_office import db
from concierge_office.devices.mosquitto import PrivateBroker
from concierge_office.devices.settings import SettingsError, from_environment
from concierge_office.server import EmbeddedBackOffice
from tests.devices.conftest import running_office
from tests.devices.mqtt_helpers import wait_until
from tests.office.conftest import Api

INSIGHT = "ins-latency"
DECISION = f"{INSIGHT}:gateway-channel-change"  # the packaged catalogue: needs approval


def add_latency_insight(office: EmbeddedBackOffice) -> None:
    now = time.time()
    with office.service.db.write() as conn:
        conn.execute(db.insights.insert().values(
            id=INSIGHT, key="asset-002:latency:trend", asset_id="asset-002", site_id="site-001",
            metric="latency", kind="trend", severity="warning", confidence=0.9,
            predicted_impact_at=now + 86_400, evidence={}, explanation="latency rising",
            headline="latency rising", status="open", created_at=now, updated_at=now,
            version=1))


def visits_with(admin: Api, insight_id: str) -> list[dict[str, Any]]:
    return [v for v in admin.ok("GET", "/v1/visits") if insight_id in v["insight_ids"]]


@pytest.fixture
def office(
    office_env: PrivateBroker, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[EmbeddedBackOffice]:
    """The devices' test office with an approval timeout of a second."""
    monkeypatch.setenv("CONCIERGE_MQTT_APPROVAL_TIMEOUT", "1")
    with running_office(tmp_path) as embedded:
        yield embedded


def test_an_approval_that_never_comes_times_out_into_a_visit_carrying_the_attempt(
    office: EmbeddedBackOffice, admin: Api
) -> None:
    add_latency_insight(office)
    admin.ok("POST", "/v1/admin/engine/run")
    (attempt,) = admin.ok("GET", "/v1/admin/remote/attempts")
    assert (attempt["decision_key"], attempt["result"]) == (DECISION, "awaiting_approval")
    assert visits_with(admin, INSIGHT) == []  # held back while the dispatcher may decide

    (visit,) = wait_until(lambda: visits_with(admin, INSIGHT), office,
                          what="the visit after the timeout")
    (carried,) = visit["remote_attempts"]
    assert carried["decision_key"] == DECISION
    assert carried["result"] == "approval_timed_out"
    assert carried["command_id"] is None  # nothing was sent to the device
    assert "no dispatcher's approval within" in carried["detail"]

    # A late approval changes nothing: no command, the technician still goes.
    late = admin.ok("POST", f"/v1/admin/remote/decisions/{DECISION}/approve")
    assert late["state"] == "approval_timed_out"
    (after,) = admin.ok("GET", "/v1/admin/remote/attempts")
    assert (after["result"], after["command_id"]) == ("approval_timed_out", None)
    figures = admin.ok("GET", "/v1/admin/remote/figures")["kinds"]
    assert [(k["asset_kind"], k["sent_a_technician"], k["pending"]) for k in figures] == [
        ("cable_gateway", 1, 0)]


def test_the_approval_timeout_is_configured_in_seconds() -> None:
    env = {"CONCIERGE_MQTT_URL": "mqtt://127.0.0.1:1883", "CONCIERGE_MQTT_PASSWORD": "pw"}
    settings = from_environment(env)
    assert settings is not None and settings.approval_timeout_seconds == 7200.0
    settings = from_environment({**env, "CONCIERGE_MQTT_APPROVAL_TIMEOUT": "900"})
    assert settings is not None and settings.approval_timeout_seconds == 900.0
    for bad in ("0", "-5", "soon", "inf", "nan"):
        with pytest.raises(SettingsError, match="APPROVAL_TIMEOUT"):
            from_environment({**env, "CONCIERGE_MQTT_APPROVAL_TIMEOUT": bad})
