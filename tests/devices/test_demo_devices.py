"""`make run`: a demo office with its own broker (mosquitto, else embedded amqtt) and the
demo fleet as simulated devices; both remote-first paths show on the first run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from concierge_office.devices.tables import device_commands, remote_decisions
from concierge_office.server import start_embedded
from tests.devices.mqtt_helpers import wait_until


def _demo_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CONCIERGE_DEMO_DEVICES", "1")
    monkeypatch.delenv("CONCIERGE_MQTT_URL", raising=False)
    return start_embedded(f"sqlite:///{tmp_path / 'demo.sqlite'}", demo=True, live=True)


def test_the_demo_runs_its_fleet_over_a_private_mosquitto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = _demo_office(tmp_path, monkeypatch)
    try:
        link = office.service.devices
        assert link.simulates_fleet
        status = wait_until(
            lambda: (s := link.status())["stored_messages"] >= 120 and s,
            timeout=30,
            office=office,
            what="every simulated device's first telemetry over MQTT",
        )
        assert status["kind"] == "demo mosquitto"
        broker_pid = link.demo.broker_pid
        assert broker_pid is not None and _alive(broker_pid)
        with office.service.db.read() as conn:
            decisions = conn.execute(
                select(func.count()).select_from(remote_decisions)
            ).scalar_one()
        assert decisions > 0  # the first engine run tried remote fixes
        wait_until(
            lambda: _sent(office) > 0,
            timeout=30,
            office=office,
            what="the demo's commands sent to devices",
        )
    finally:
        office.stop()
    assert not _alive(broker_pid)  # no stray broker


def test_without_mosquitto_the_demo_falls_back_to_amqtt_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        "concierge_office.devices.demo.mosquitto_missing", lambda: "mosquitto is not installed"
    )
    caplog.set_level(logging.WARNING, logger="concierge_office.devices.demo")
    office = _demo_office(tmp_path, monkeypatch)
    try:
        link = office.service.devices
        wait_until(
            lambda: link.status()["stored_messages"] >= 120,
            timeout=30,
            office=office,
            what="the simulated fleet's telemetry through amqtt",
        )
        assert link.status()["kind"] == "demo amqtt"
        assert "Falling back to an embedded amqtt broker" in caplog.text
    finally:
        office.stop()


def _sent(office) -> int:  # type: ignore[no-untyped-def]
    c = device_commands
    with office.service.db.read() as conn:
        return int(
            conn.execute(select(func.count()).where(c.c.state.not_in(("queued",)))).scalar_one()
        )


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()
