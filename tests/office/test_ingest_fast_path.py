"""The bulk ingestion path accepts only what the per-reading path would, with equal values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AwareDatetime, TypeAdapter

from concierge_office.server import EmbeddedBackOffice
from concierge_office.telemetry import epoch_seconds
from tests.office.conftest import Api, LoginFactory

_HOUR = datetime(2025, 6, 11, 9, tzinfo=UTC)
_aware = TypeAdapter(AwareDatetime)


def _reading(minute: int, value: object = 1.5) -> dict[str, Any]:
    ts = (_HOUR + timedelta(minutes=minute)).isoformat()
    return {"asset_id": "asset-001", "metric": "vibration", "ts": ts, "value": value}


def _post_raw(office: Api, *readings: str) -> Any:
    body = '{"readings": [' + ", ".join(readings) + "]}"
    return office.post("/v1/telemetry", data=body, headers={"Content-Type": "application/json"})


def _repeating_value(reading: dict[str, Any], literal: str) -> str:
    """The reading as JSON with a second "value" key (which json.dumps cannot write)."""
    return json.dumps(reading)[:-1] + f', "value": {literal}}}'


def _stored(office: Api, bucket_seconds: int = 0) -> dict[str, Any]:
    window = {
        "asset_ids": ["asset-001"],
        "start": _HOUR.isoformat(),
        "end": (_HOUR + timedelta(minutes=59)).isoformat(),
        "bucket_seconds": bucket_seconds,
    }
    answer = office.ok("POST", "/v1/telemetry/windows", json=window)
    return next(s for s in answer["series"] if s["metric"] == "vibration")  # type: ignore[no-any-return]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_a_repeated_key_cannot_smuggle_in_a_non_finite_value(
    fresh_office: EmbeddedBackOffice, login: LoginFactory, literal: str
) -> None:
    office = login(fresh_office, "office")
    response = _post_raw(
        office, _repeating_value(_reading(1), literal), json.dumps(_reading(2, 2.5))
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert _stored(office)["t"] == []


def test_both_paths_read_a_repeated_key_and_an_integer_alike(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    fast = _post_raw(office, _repeating_value(_reading(1), "7"))
    assert fast.json() == {"accepted": 1, "rejected": []}
    # An invalid reading sends the batch reading by reading.
    checked = _post_raw(office, _repeating_value(_reading(2), "7"), '{"asset_id": "asset-001"}')
    assert checked.json()["accepted"] == 1 and checked.json()["rejected"][0]["index"] == 1
    assert _stored(office)["mean"] == [7.0, 7.0]


def test_repeats_are_stored_once_and_counted_once_in_the_rollup(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    first = [_reading(1, 1.0), _reading(3, 3.0)]
    again = [_reading(5, 2.0), *first, _reading(5, 9.0)]
    for batch in (first, again, again):
        assert office.ok("POST", "/v1/telemetry", json={"readings": batch})["rejected"] == []
    raw = _stored(office)
    assert raw["t"] == [(_HOUR + timedelta(minutes=m)).timestamp() for m in (1, 3, 5)]
    assert raw["mean"] == [1.0, 3.0, 2.0]  # the first of a repeated reading is kept
    hourly = _stored(office, bucket_seconds=3600)
    assert hourly["count"] == [3] and hourly["min"] == [1.0] and hourly["max"] == [3.0]
    assert hourly["mean"] == [2.0]


def test_mixed_zones_and_fractions_are_stored_at_their_exact_instant(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    office = login(fresh_office, "office")
    moments = [_HOUR + timedelta(minutes=m, microseconds=m * 12_345) for m in range(1, 6)]
    zones = [UTC, timezone(timedelta(hours=-3, minutes=-30)), timezone(timedelta(hours=14))]
    stamps = [t.astimezone(zones[i % 3]).isoformat() for i, t in enumerate(moments)]
    stamps[0] = stamps[0].replace("+00:00", "Z")
    stamps[1] = stamps[1][:23] + stamps[1][26:]  # milliseconds
    readings = [{**_reading(0), "ts": s, "value": float(i)} for i, s in enumerate(stamps)]
    assert office.ok("POST", "/v1/telemetry", json={"readings": readings})["accepted"] == 5
    assert _stored(office)["t"] == [datetime.fromisoformat(s).timestamp() for s in stamps]


_offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def _stamps(draw: st.DrawFn) -> str:
    """ISO 8601 stamps of every form the bulk parser reads, sometimes with one character changed."""
    moment = draw(st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=_offsets))
    digits = draw(st.integers(0, 6))
    fraction = f".{moment.microsecond:06d}"[: digits + 1] if digits else ""
    zone = moment.isoformat()[-6:]
    if zone == "+00:00" and draw(st.booleans()):
        zone = "Z"
    stamp = f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}{zone}"
    if draw(st.booleans()):
        at = draw(st.integers(0, len(stamp) - 1))
        stamp = stamp[:at] + draw(st.sampled_from("0159+-:.TZtz ²\x00")) + stamp[at + 1 :]
    return stamp


@given(stamps=st.lists(_stamps(), min_size=1, max_size=5))
def test_bulk_parsed_stamps_are_read_as_the_model_reads_them(stamps: list[str]) -> None:
    parsed = epoch_seconds(stamps)
    if parsed is None:  # fine if any is refused: the per-reading path then decides
        return
    assert parsed.tolist() == [_aware.validate_python(s).timestamp() for s in stamps]


def test_the_bulk_parser_reads_every_stamp_of_its_forms() -> None:
    stamps = [
        "2025-03-30T01:00:00.5+00:00",
        "2025-03-30T03:00:00.000001+02:00",
        "2024-02-29T23:59:59.999999-05:30",
        "2000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.12+23:59",
        "2541-01-01T00:00:00.00023+00:01",  # beyond 2**53 microseconds: rounded as Python does
    ]
    parsed = epoch_seconds(stamps)
    assert parsed is not None
    assert parsed.tolist() == [datetime.fromisoformat(s).timestamp() for s in stamps]
    assert epoch_seconds([]) is not None
    for bad in ("2025-02-29T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T00:00:00+24:00"):
        assert epoch_seconds([stamps[0], bad]) is None
